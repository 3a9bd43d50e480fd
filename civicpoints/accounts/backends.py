"""Log in by mobile number in any spelling (+86, 0086, spaces, dashes)."""

from django.contrib.auth.backends import ModelBackend

from civicpoints.core.errors import InvalidInput
from civicpoints.core.mobile import normalize_mobile


class MobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, mobile=None, **kwargs):
        raw = mobile if mobile is not None else username
        if raw is None or password is None:
            return None
        try:
            canonical = normalize_mobile(raw)
        except InvalidInput:
            return None
        return super().authenticate(request, username=canonical, password=password, **kwargs)
