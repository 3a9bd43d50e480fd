"""Per-person request handling: each signed-in person reads the site in their own
language (``User.language``) and, if they chose it, in elder mode (``User.elder_mode``);
a temporary password must be changed first."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Role
from civicpoints.core.errors import DomainError


class UserLanguageMiddleware:
    """Activate the signed-in user's language for the whole request.

    Sits after ``AuthenticationMiddleware``. ``LocaleMiddleware`` has already
    chosen a language from the cookie or ``Accept-Language``; for a signed-in
    person their saved choice wins, so a shared phone or a WeChat browser with
    an English system language still shows what the person picked. Visitors
    keep ``LocaleMiddleware``'s choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class PasswordChangeRequired(DomainError):
    code = "password_change_required"
    status = 403
    default_detail = _(
        "Your password is a one-time password. Choose a new password first "
        "(POST /api/v1/me/password)."
    )


# What a person whose password staff reset may still reach: the password change, sign
# out, the language switch, the CSRF token and reading who they are.
PASSWORD_CHANGE_ALLOWED = frozenset(
    {
        "accounts:password_change",
        "accounts:logout",
        "set_language",
        "api:me_password",
        "api:api_logout",
        "api:csrf",
    }
)


class PasswordChangeRequiredMiddleware:
    """After a one-time password (``User.must_change_password``: a staff reset, the
    first town admin of ``create_town`` or ``/setup/``, a staff invitation) the person must
    choose a new password before anything else: pages redirect to the password page,
    the API answers 403 ``password_change_required``. Sits after
    ``AuthenticationMiddleware``; the flag is cleared by ``password_change``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in PASSWORD_CHANGE_ALLOWED or (name == "api:me" and request.method == "GET"):
            return None
        if request.path.startswith("/api/"):
            exc = PasswordChangeRequired()
            return JsonResponse(exc.as_dict(), status=exc.status)
        messages.info(
            request, _("You signed in with a one-time password. Choose a new one to go on.")
        )
        return redirect("accounts:password_change")


class DistrictReadOnly(DomainError):
    code = "read_only"
    status = 403
    default_detail = _(
        "A district admin reads the towns' figures and dashboards and acts in none of them."
    )


# What a district admin may still send besides reads: their own account (sign in and
# out, password, language, large text), nothing inside a town.
DISTRICT_WRITES_ALLOWED = PASSWORD_CHANGE_ALLOWED | frozenset(
    {
        "accounts:login",
        "accounts:login_code",
        "accounts:elder_mode",
        "accounts:profile_edit",
        "api:api_login",
        "api:login_with_code",
        "api:me_update",
    }
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class DistrictAdminReadOnlyMiddleware:
    """District admins only read (issue 14, item 6): every request that is not a read
    (GET, HEAD, OPTIONS), except those of ``DISTRICT_WRITES_ALLOWED`` (their own
    account), is refused with 403 ``read_only`` — JSON for the API, the error page for
    pages — before any view runs. The services refuse them too: a district admin has
    no town, so ``accounts.scope.town_of`` answers 403 ``no_town``. Sits after
    ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.role != Role.DISTRICT_ADMIN:
            return None
        if request.method in SAFE_METHODS:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in DISTRICT_WRITES_ALLOWED:
            return None
        exc = DistrictReadOnly()
        if request.path.startswith("/api/"):
            return JsonResponse(exc.as_dict(), status=exc.status)
        return render(request, "error.html", {"error": exc}, status=exc.status)


class SessionExpired(DomainError):
    code = "session_expired"
    status = 401
    default_detail = _("You were signed out after a while without activity. Sign in again.")


STAFF_SEEN_KEY = "civicpoints.staff_seen"


class StaffIdleTimeoutMiddleware:
    """Staff sessions (every role but resident) end after
    ``settings.STAFF_SESSION_IDLE_MINUTES`` without a request: a staff desk left open
    covers many residents' data. Residents keep the long default session.

    The session's own expiry is set to the idle time too (refreshed at most once a
    minute, so not every request writes the session): the session store refuses the
    cookie after it even if this middleware never sees it again. A timed-out request
    is signed out and answered 401 ``session_expired`` (API) or sent to the log-in
    page (pages). Sits after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.role != Role.RESIDENT:
            idle = settings.STAFF_SESSION_IDLE_MINUTES * 60
            now = int(time.time())
            seen = request.session.get(STAFF_SEEN_KEY)
            if seen is not None and now - seen > idle:
                logout(request)
                if request.path.startswith("/api/"):
                    exc = SessionExpired()
                    return JsonResponse(exc.as_dict(), status=exc.status)
                messages.info(request, str(SessionExpired.default_detail))
                return redirect_to_login(request.get_full_path())
            if seen is None or now - seen >= 60:
                request.session[STAFF_SEEN_KEY] = now
                request.session.set_expiry(idle)
        return self.get_response(request)


ELDER_COOKIE = "cp_elder"
ELDER_COOKIE_AGE = 5 * 365 * 24 * 3600  # seconds: a phone keeps the setting for years


class ElderModeMiddleware:
    """Elder mode (适老化: large text, high contrast) for this request: ``request.elder_mode``.

    On when the phone's cookie says so (it outlives a sign-out, so the sign-in page
    is large too) or when the signed-in person's account says so; in the latter case
    the cookie is set on the way out, so the next sign-out on this phone keeps it.
    Turning it off (``/accounts/elder-mode/``) clears both. Sits after
    ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        account_on = bool(user is not None and user.is_authenticated and user.elder_mode)
        cookie_on = request.COOKIES.get(ELDER_COOKIE) == "1"
        request.elder_mode = account_on or cookie_on  # type: ignore[attr-defined]
        response = self.get_response(request)
        if account_on and not cookie_on and not getattr(response, "elder_cookie_set", False):
            set_elder_cookie(response, True)
        return response


def set_elder_cookie(response: HttpResponseBase, on: bool) -> None:
    """Write (or delete) the phone's elder-mode cookie on ``response``."""
    response.elder_cookie_set = True  # type: ignore[attr-defined]
    if on:
        response.set_cookie(
            ELDER_COOKIE, "1", max_age=ELDER_COOKIE_AGE, samesite="Lax", httponly=True
        )
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
