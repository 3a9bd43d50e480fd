"""Log in by mobile number in any spelling (+86, 0086, spaces, dashes); find the
signed-in person of a session by id and town."""

from contextvars import ContextVar
from typing import Any

from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

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

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in person of this request, looked up by id *and* town (invariant 9).

        The town comes from the session (``TOWN_SESSION_KEY``, written at sign-in;
        ``None`` for the platform operator, who has no town), set around the lookup by
        ``TownAuthenticationMiddleware``. A session without it (written before towns
        were named, or a lookup outside a request) is signed out: the person signs in
        again.
        """
        town = _session_town.get()
        if town is _MISSING:
            return None
        user = User.objects.filter(pk=user_id, town_id=town).first()
        return user if user is not None and self.user_can_authenticate(user) else None


TOWN_SESSION_KEY = "_auth_user_town"
_MISSING = object()
_session_town: ContextVar[Any] = ContextVar("session_town", default=_MISSING)


def remember_town(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: keep the person's town beside their id in the session."""
    if request is not None and hasattr(request, "session"):
        request.session[TOWN_SESSION_KEY] = user.town_id


def user_of_session(request: HttpRequest) -> Any:
    """``django.contrib.auth.get_user`` with the session's town handed to ``get_user``."""
    token = _session_town.set(request.session.get(TOWN_SESSION_KEY, _MISSING))
    try:
        return auth.get_user(request)
    finally:
        _session_town.reset(token)


class TownAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's ``AuthenticationMiddleware``, fetching ``request.user`` by id and town."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: user_of_session(request))  # type: ignore[assignment]
