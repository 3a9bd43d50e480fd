"""Log in by mobile number in any spelling (+86, 0086, spaces, dashes)."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from civicpoints.accounts.models import User
from civicpoints.core.errors import InvalidInput
from civicpoints.core.mobile import normalize_mobile


class MobileBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        mobile: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        raw = mobile if mobile is not None else username
        if raw is None or password is None:
            return None
        try:
            canonical = normalize_mobile(raw)
        except InvalidInput:
            return None
        return super().authenticate(request, username=canonical, password=password, **kwargs)
