"""Abuse resistance: per-action rate limits (django-ratelimit) and the login lockout answer
(django-axes), both answered with 429 and a translated message.

Rate limits are counted in Django's cache (Redis when ``REDIS_URL`` is set) per signed-in
person, or per client address for visitors. The rates live in ``settings.RATE_LIMITS``
(``"<count>/<period>"``, period s/m/h/d); which requests count is the ``THROTTLED``
table below, keyed by URL name so pages and the API share one budget per action.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from civicpoints.core.errors import DomainError
from civicpoints.core.mobile import normalize_mobile

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANY = None

# URL name -> (action, methods that count). Ninja names a path after its first
# operation, so POST on "api:feed" is creating a post and POST on "api:comments"
# is adding a comment, PUT on "api:get_post" editing one. Verifying counts
# look-ups too: guessing codes is the abuse. Every request that decodes uploaded
# images counts against some budget (posting, editing, reporting or uploading);
# core.photos bounds the decoding work within one request.
THROTTLED: dict[str, tuple[str, frozenset[str] | None]] = {
    "posts:new": ("post", UNSAFE),
    "api:feed": ("post", UNSAFE),
    # editing a post re-runs review and may add photos: its own budget, like posting
    "posts:edit": ("edit", UNSAFE),
    "api:get_post": ("edit", UNSAFE),
    # staff uploads decode images too (covers, event photos, rectification evidence)
    "articles:staff_new": ("upload", UNSAFE),
    "articles:staff_edit": ("upload", UNSAFE),
    "api:staff_article_cover": ("upload", UNSAFE),
    "events:photo": ("upload", UNSAFE),
    "api:add_photo": ("upload", UNSAFE),
    "api:rectify": ("upload", UNSAFE),
    "posts:comment": ("comment", UNSAFE),
    "api:comments": ("comment", UNSAFE),
    "posts:like": ("like", UNSAFE),
    "api:like": ("like", UNSAFE),
    "reports:new": ("report", UNSAFE),
    "api:file_report": ("report", UNSAFE),
    "merchants:exchange": ("exchange", UNSAFE),
    "api:offer_exchange": ("exchange", UNSAFE),
    "merchants:desk": ("verify", ANY),
    "merchants:desk_redeem": ("verify", ANY),
    "merchants:desk_card": ("verify", ANY),
    "api:desk_check": ("verify", ANY),
    "api:desk_redeem": ("verify", ANY),
    "api:desk_card_check": ("verify", ANY),
}


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_detail = _("Too many requests for this action. Wait a little and try again.")


class LoginLocked(DomainError):
    code = "login_locked"
    status = 429
    default_detail = _(
        "Too many failed log-ins for this mobile number. Try again in %(minutes)s minutes."
    )


def throttle_action(request: HttpRequest) -> str | None:
    """The rate-limited action this request counts against (``"post"``, …), or None."""
    match = request.resolver_match
    if match is None:
        return None
    entry = THROTTLED.get(match.view_name)
    if entry is None:
        return None
    action, methods = entry
    if methods is not None and request.method not in methods:
        return None
    return action


def _error_response(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(exc.as_dict(), status=exc.status)
    return render(request, "error.html", {"error": exc}, status=exc.status)


class ThrottleMiddleware:
    """Counts each request against its action's rate before the view runs; over the
    rate it answers 429 (``{"code": "rate_limited", "detail"}`` under /api/, a page
    elsewhere) and the view does not run, so nothing is written."""

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
    ) -> HttpResponse | None:
        action = throttle_action(request)
        if action is None:
            return None
        limited = is_ratelimited(
            request,
            group=f"civicpoints.{action}",
            key="user_or_ip",
            rate=settings.RATE_LIMITS[action],
            increment=True,
        )
        if limited:
            return _error_response(request, RateLimited())
        return None


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """django-axes: the canonical mobile of a log-in attempt, so ``+86 138…`` and
    ``138…`` count as one account (AXES_USERNAME_CALLABLE)."""
    raw = (credentials or {}).get("mobile") or (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("mobile")
    if not raw:
        return None
    try:
        return normalize_mobile(raw)
    except DomainError:
        return str(raw)[:64]


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponseBase | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes: the answer to a locked-out log-in — 429, JSON with code
    ``login_locked`` under /api/, the error page elsewhere (AXES_LOCKOUT_CALLABLE)."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME * 60))
    exc = LoginLocked(LoginLocked.default_detail % {"minutes": minutes})
    return _error_response(request, exc)


def window_hit(key: str, *, limit: int, seconds: int) -> bool:
    """Count one hit on ``key`` in a fixed window of ``seconds``; True when this hit is
    over ``limit`` (it is counted all the same, so hammering never resets the window).

    Uses the shared cache (Redis with ``REDIS_URL``): ``add`` creates the counter with
    the window's expiry and ``incr`` is atomic there. Accepted race: with the local
    memory cache each process counts on its own (README, "Security").
    """
    if cache.add(key, 1, timeout=seconds):
        return limit < 1
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr: this hit opens a new window
        cache.add(key, 1, timeout=seconds)
        return limit < 1
