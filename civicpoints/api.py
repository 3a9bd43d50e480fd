"""The JSON API under /api/v1/ (Django Ninja): one router per app, errors mapped here.

Every DomainError becomes ``{"code", "detail", "field"?}`` with its HTTP status;
request validation errors are Ninja's 422 body naming each field.
"""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import django_auth

from civicpoints.accounts.api import router as accounts_router
from civicpoints.accounts.api import staff_router
from civicpoints.core.errors import DomainError
from civicpoints.dashboard.api import router as dashboard_router
from civicpoints.disputes.api import router as disputes_router
from civicpoints.notifications.api import router as notifications_router
from civicpoints.points.api import router as points_router
from civicpoints.rankings.api import router as rankings_router

api = NinjaAPI(
    title="civicpoints API",
    version="1",
    description=(
        "Community public-welfare points: residents, the rule catalog, the points "
        "ledger and leaderboards. Session authentication (log in with /auth/login); "
        "unsafe methods need the CSRF token cookie echoed in X-CSRFToken. Points are "
        "whole points; dates are the town's local dates (Asia/Shanghai by default)."
    ),
    urls_namespace="api",
    auth=django_auth,
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(PermissionError)
def permission_error(request, exc):
    return api.create_response(
        request, {"code": "forbidden", "detail": _("You may not do this.")}, status=403
    )


api.add_router("/", accounts_router)
api.add_router("/", points_router)
api.add_router("/staff/", staff_router)
api.add_router("/", notifications_router)
api.add_router("/", rankings_router)
api.add_router("/staff/", disputes_router)
api.add_router("/", dashboard_router)
