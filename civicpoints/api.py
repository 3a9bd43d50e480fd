"""The JSON API under /api/v1/ (Django Ninja): one router per app, errors mapped here.

Every DomainError becomes ``{"code", "detail", "field"?}`` with its HTTP status;
request validation errors are Ninja's 422 body naming each field.
"""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from civicpoints.accounts.api import ApiTokenAuth, staff_router
from civicpoints.accounts.api import router as accounts_router
from civicpoints.articles.api import router as articles_router
from civicpoints.articles.api import staff_router as articles_staff_router
from civicpoints.console.api import router as console_router
from civicpoints.core.errors import DomainError
from civicpoints.dashboard.api import router as dashboard_router
from civicpoints.disputes.api import router as disputes_router
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


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    """Request validation: the same ``{code, detail, field}`` shape, plus every problem."""
    errors = exc.errors
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "query", "path", "payload")]
    field = loc[-1] if loc else None
    body = {
        "code": "invalid",
        "detail": _("Check the field “%(field)s”.") % {"field": field}
        if field
        else _("The request is not valid."),
        "field": field,
        "errors": [
            {"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in errors
        ],
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(PermissionError)
def permission_error(request, exc):
    return api.create_response(
        request, {"code": "forbidden", "detail": _("You may not do this.")}, status=403
    )


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
api.add_router("/staff/", disputes_router)
api.add_router("/staff/", integrity_router)
api.add_router("/", dashboard_router)
api.add_router("/", privacy_router)
api.add_router("/console/", console_router)
