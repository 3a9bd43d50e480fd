"""Reading the audit log: town admins see their own town's entries."""

import datetime as dt

from django.db.models import Q, QuerySet

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.audit.models import AuditEntry
from civicpoints.core.errors import OutOfScope
from civicpoints.core.timeutil import local_midnight


def audit_entries_for(
    actor: User, *, who: str = "", action: str = "", day: dt.date | None = None
) -> QuerySet[AuditEntry]:
    """The entries of ``actor``'s town, newest first, optionally filtered: ``who`` matches
    the actor's nickname or real name (or 4+ digits of their mobile), ``action`` is an
    exact URL name (``posts:approve``), ``day`` a local date.

    Raises:
        OutOfScope(code="town_admin_only"): ``actor`` is not an active town admin.
    """
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.TOWN_ADMIN):
        raise OutOfScope(code="town_admin_only")
    qs = AuditEntry.objects.filter(town_id=town_of(actor)).select_related("actor")
    who = (who or "").strip()[:40]
    if who:
        digits = "".join(ch for ch in who if ch.isdigit())
        cond = Q(actor__nickname__icontains=who) | Q(actor__real_name__icontains=who)
        if len(digits) >= 4:
            cond |= Q(actor__mobile__contains=digits)
        qs = qs.filter(cond)
    if action:
        qs = qs.filter(view_name=action[:120])
    if day is not None:
        qs = qs.filter(
            at__gte=local_midnight(day), at__lt=local_midnight(day + dt.timedelta(days=1))
        )
    return qs


def audit_actions_for(actor: User) -> list[str]:
    """The distinct actions (URL names) in ``actor``'s town log, for the filter."""
    return sorted(
        set(
            audit_entries_for(actor)
            .exclude(view_name="")
            .values_list("view_name", flat=True)
            .distinct()
        )
    )
