"""Writing the audit log (the middleware in ``audit.middleware`` is the only caller)."""

from django.http import HttpRequest

from civicpoints.accounts.models import Role, User
from civicpoints.audit.models import AuditEntry
from civicpoints.core.clientip import client_ip

AUDITED_ROLES = frozenset(
    {
        Role.COMMUNITY_STAFF,
        Role.GRID_WORKER,
        Role.TOWN_ADMIN,
        Role.MERCHANT_STAFF,
        Role.DISTRICT_ADMIN,
    }
)


def is_audited(user) -> bool:
    """True for signed-in staff (community, grid, town, district) and merchant staff, and for
    Django superusers whatever their role."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.role in AUDITED_ROLES or user.is_superuser)
    )


def audit_record(*, actor: User, request: HttpRequest, status: int) -> AuditEntry:
    """Append one entry for ``request`` by ``actor`` that ended with HTTP ``status``.

    ``object_ids`` are the URL's keyword arguments (e.g. ``{"resident_id": 7}``);
    the request body is not stored (it may hold passwords or personal data)."""
    match = request.resolver_match
    return AuditEntry.objects.create(
        actor=actor,
        role=actor.role,
        town_id=actor.town_id,
        ip=client_ip(request),
        method=(request.method or "")[:8],
        path=request.path[:300],
        view_name=(match.view_name if match else "")[:120],
        object_ids={k: str(v)[:64] for k, v in (match.kwargs if match else {}).items()},
        status=status,
    )
