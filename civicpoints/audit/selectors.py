"""Reading the audit log: town admins see their own town's entries."""

from django.db.models import QuerySet

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.audit.models import AuditEntry
from civicpoints.core.errors import OutOfScope


def audit_entries_for(actor: User) -> QuerySet[AuditEntry]:
    """The entries of ``actor``'s town, newest first.

    Raises:
        OutOfScope(code="town_admin_only"): ``actor`` is not an active town admin.
    """
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.TOWN_ADMIN):
        raise OutOfScope(code="town_admin_only")
    return AuditEntry.objects.filter(town_id=town_of(actor)).select_related("actor")
