"""The JSON API under /api/v1/ (Django Ninja): one router per app, errors mapped here.

Every error has one shape, ``core.schemas.ErrorOut`` — ``{"code", "detail", "field"}``
(``field`` null when not about one field), ``detail`` in the request's language:
DomainErrors with their status, a signed-out call (401 ``not_authenticated``), a
missing object (404 ``not_found``), Ninja's own HTTP errors (CSRF 403 ``csrf_failed``)
and request validation (422 ``invalid``, plus ``errors``: each problem's ``loc``,
translated ``msg`` and pydantic ``type``).
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from civicpoints.accounts.api import ApiTokenAuth, staff_router
from civicpoints.accounts.api import router as accounts_router
from civicpoints.articles.api import router as articles_router
from civicpoints.articles.api import staff_router as articles_staff_router
from civicpoints.console.api import router as console_router
from civicpoints.core.errors import DomainError, NotAuthenticated, NotFound, OutOfScope
from civicpoints.core.parser import NulRefusingParser
from civicpoints.core.validation_messages import translated_message
from civicpoints.dashboard.api import router as dashboard_router
from civicpoints.disputes.api import router as disputes_router
from civicpoints.engagement.api import router as engagement_router
from civicpoints.engagement.api import staff_router as engagement_staff_router
from civicpoints.events.api import router as events_router
from civicpoints.integrity.api import router as integrity_router
from civicpoints.merchants.api import router as merchants_router
from civicpoints.notifications.api import router as notifications_router
from civicpoints.points.api import router as points_router
from civicpoints.points.api import staff_router as points_staff_router
from civicpoints.portal.api import router as portal_router
from civicpoints.posts.api import router as posts_router
from civicpoints.privacy.api import router as privacy_router
from civicpoints.rankings.api import router as rankings_router
from civicpoints.reports.api import router as reports_router

api = NinjaAPI(
    parser=NulRefusingParser(),
    title="civicpoints API",
    version="1",
    description=(
        "Community public-welfare points: residents, the rule catalog, the points "
        "ledger and leaderboards. Session authentication (log in with /auth/login); "
        "unsafe methods need the CSRF token cookie echoed in X-CSRFToken. A mini-program "
        "sends 'Authorization: Bearer <token>' instead (POST /auth/wechat/mini). Points are "
        "whole points; dates are the town's local dates (Asia/Shanghai by default)."
    ),
    urls_namespace="api",
    # a session (pages, browsers) or a bearer token (the mini-program: no cookies)
    auth=[django_auth, ApiTokenAuth()],
)


# Ninja's own HTTP errors (raised before our code runs), by status: stable codes.
HTTP_ERRORS = {
    400: ("bad_request", gettext_lazy("The request is not valid.")),
    403: (
        "csrf_failed",
        gettext_lazy("The security token is missing or wrong. Reload the page and try again."),
    ),
    405: ("method_not_allowed", gettext_lazy("This address does not answer that method.")),
    429: ("rate_limited", gettext_lazy("Too many requests. Wait a little and try again.")),
}


def _error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return _error(request, exc)


@api.exception_handler(AuthenticationError)
def not_authenticated(request, exc):
    """Signed out: 401 ``not_authenticated`` (Ninja's default is a bare English body)."""
    return _error(request, NotAuthenticated())


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, NotFound())


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    code, detail = HTTP_ERRORS.get(
        exc.status_code, ("http_error", gettext_lazy("The request could not be carried out."))
    )
    body = {"code": code, "detail": str(detail), "field": None}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    """Request validation: the same ``{code, detail, field}`` shape, plus every problem,
    each message in the request's language (``core.validation_messages``)."""
    errors = exc.errors
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "query", "path", "payload")]
    field = loc[-1] if loc else None
    body = {
        "code": "invalid",
        "detail": _("Check the field “%(field)s”: %(problem)s")
        % {"field": field, "problem": translated_message(first)}
        if field
        else _("The request is not valid."),
        "field": field,
        "errors": [
            {"loc": e.get("loc"), "msg": translated_message(e), "type": e.get("type")}
            for e in errors
        ],
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(PermissionError)
def permission_error(request, exc):
    return _error(request, OutOfScope(_("You may not do this."), code="forbidden"))


api.add_router("/", accounts_router)
api.add_router("/", points_router)
api.add_router("/", portal_router)
api.add_router("/staff/", staff_router)
api.add_router("/staff/", points_staff_router)
api.add_router("/", notifications_router)
api.add_router("/", articles_router)
api.add_router("/staff/", articles_staff_router)
api.add_router("/", posts_router)
api.add_router("/", reports_router)
api.add_router("/", merchants_router)
api.add_router("/", events_router)
api.add_router("/", rankings_router)
api.add_router("/", engagement_router)
api.add_router("/staff/", engagement_staff_router)
api.add_router("/staff/", disputes_router)
api.add_router("/staff/", integrity_router)
api.add_router("/", dashboard_router)
api.add_router("/", privacy_router)
api.add_router("/console/", console_router)
