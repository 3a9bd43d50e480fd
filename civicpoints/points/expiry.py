"""Points expiry as a town policy (积分有效期): the policy, the amounts and the expiry rows.

The rule (``ExpiryPolicy``): points earned in local calendar year Y expire at the
end of 31 December of year Y + ``years_kept``; the rows are written by the nightly
job ``points.expire`` (``points/jobs.py``) on the first run after that day.

Oldest points are spent first (FIFO). With earned lots in date order and every
spend, expiry or negative adjustment consuming the oldest lot left, what remains
of the lots earned on or before the cut-off day C is

    remaining(≤ C) = max(0, earned(≤ C) − consumed) = max(0, balance − earned(> C))

because balance = earned(≤ C) + earned(> C) − consumed. So the amount expiring
for one person is their balance minus the points they earned after C (awards and
positive adjustments; a reversal counts on the day of the row it reverses), never
negative and never more than the balance. Reading it needs no lot table: one sum
over the ledger, computed again under the person's and the account's row locks
when the row is written, so an exchange racing the job can never take the
balance below zero (the conditional UPDATE in ``services._append`` and the CHECK
stand behind that as well).

Each expiry is one ledger row (kind ``expiry``, negative, not "earned"), key
``expiry:<resident id>:<expiry date>``: the job may run twice, late or after a
restart and writes once per person per expiry date.

Reminders (a month and a week before) are the inbox's (``notifications.expiry``):
the ledger sends no message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicpoints.accounts.locks import lock_person
from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import require_town_admin, town_of
from civicpoints.core.errors import InvalidInput
from civicpoints.core.timeutil import local_date, town_today
from civicpoints.points.models import (
    ExpiryPolicy,
    PointAccount,
    PointTransaction,
    TransactionKind,
)

NOTICE_DAYS = 30  # the month's reminder; the first expiry is at least this far ahead
WEEK_DAYS = 7  # the week's reminder
MAX_YEARS_KEPT = 5


def policy_for(town_id: int) -> ExpiryPolicy:
    """The town's policy (an unsaved, switched-off one when none was ever set)."""
    return ExpiryPolicy.objects.filter(town_id=town_id).first() or ExpiryPolicy(
        town_id=town_id, enabled=False
    )


def cutoff_for(expires_on: dt.date, years_kept: int) -> dt.date:
    """The last local day whose points expire on ``expires_on`` (31 Dec, ``years_kept`` earlier)."""
    return dt.date(expires_on.year - years_kept, 12, 31)


def next_expiry(policy: ExpiryPolicy, today: dt.date | None = None) -> dt.date | None:
    """The next 31 December (local) on which points expire, on or after ``today``;
    None when the policy is off."""
    if not policy.enabled or policy.first_expiry_on is None:
        return None
    today = today or local_date()
    end_of_year = dt.date(today.year, 12, 31)
    return max(end_of_year, policy.first_expiry_on)


def last_expiry(policy: ExpiryPolicy, today: dt.date | None = None) -> dt.date | None:
    """The latest expiry date that has passed before ``today`` (the one the job acts
    on), or None: policy off, or its first expiry date still ahead."""
    if not policy.enabled or policy.first_expiry_on is None:
        return None
    today = today or local_date()
    passed = dt.date(today.year - 1, 12, 31)
    return passed if passed >= policy.first_expiry_on else None


def _earned_after(cutoff: dt.date) -> Q:
    """Ledger rows that are points earned after ``cutoff`` (the lots that are kept):
    positive earned rows dated after it, and reversals of those (dated by the row
    they reverse). Negative adjustments are consumption, like spends."""
    return Q(counts_as_earned=True) & (
        Q(reverses__isnull=True, points__gt=0, local_date__gt=cutoff)
        | Q(reverses__isnull=False, reverses__points__gt=0, reverses__local_date__gt=cutoff)
    )


def expiring_points(resident_id: int, *, balance: int, cutoff: dt.date) -> int:
    """Points of ``resident_id`` that expire with ``cutoff`` (see the module): FIFO,
    ``0 <= result <= balance``."""
    later = (
        PointTransaction.objects.filter(_earned_after(cutoff), resident_id=resident_id).aggregate(
            n=Sum("points")
        )["n"]
        or 0
    )
    return max(0, min(balance, balance - later))


def accounts_due(town_id: int, cutoff: dt.date) -> QuerySet[PointAccount]:
    """The town's accounts with points expiring at ``cutoff``, annotated ``due``
    (points, FIFO, as ``expiring_points``); one SQL statement."""
    later = (
        PointTransaction.objects.filter(_earned_after(cutoff), resident_id=OuterRef("resident_id"))
        .order_by()
        .values("resident_id")
        .annotate(n=Sum("points"))
        .values("n")
    )
    due: QuerySet[PointAccount] = (
        PointAccount.objects.filter(town_id=town_id, balance__gt=0)
        .annotate(later=Coalesce(Subquery(later, output_field=IntegerField()), Value(0)))
        .annotate(due=Greatest(Value(0), F("balance") - F("later")))
        .filter(due__gt=0)
    )
    return due


@dataclass(frozen=True)
class ExpiryNotice:
    """What a resident is told: ``points`` expire at the end of local day ``expires_on``."""

    expires_on: dt.date
    points: int
    days_left: int


def expiry_notice(resident: User, *, today: dt.date | None = None) -> ExpiryNotice | None:
    """The resident's coming expiry when a reminder is due (within 30 days of the
    town's next expiry date) and some of their points would expire; else None."""
    if resident.town_id is None or resident.role != Role.RESIDENT:
        return None
    today = today or town_today(resident.town)
    policy = policy_for(resident.town_id)
    expires_on = next_expiry(policy, today)
    if expires_on is None or (expires_on - today).days > NOTICE_DAYS:
        return None
    balance = (
        PointAccount.objects.filter(resident_id=resident.pk)
        .values_list("balance", flat=True)
        .first()
    )
    if not balance:
        return None
    due = expiring_points(
        resident.pk, balance=balance, cutoff=cutoff_for(expires_on, policy.years_kept)
    )
    if due <= 0:
        return None
    return ExpiryNotice(expires_on, due, (expires_on - today).days)


def expiry_policy_set(*, actor: User, enabled: bool, years_kept: int) -> ExpiryPolicy:
    """A town admin switches the town's points expiry on or off, or changes how many
    years points are kept after the year they were earned (1–5).

    Switching it on sets ``first_expiry_on``: the first 31 December at least 30
    local days ahead (so the month's and week's reminders go out first); later
    saves keep it. Off is the default (no row).

    Raises:
        OutOfScope (403, ``town_admin_only``): ``actor`` is not a town admin.
        InvalidInput (422, field ``years_kept``): not a whole number in 1–5.
    """
    require_town_admin(actor)
    if (
        not isinstance(years_kept, int)
        or isinstance(years_kept, bool)
        or not 1 <= years_kept <= MAX_YEARS_KEPT
    ):
        raise InvalidInput(
            _("Years kept must be a whole number from 1 to 5."),
            field="years_kept",
            code="invalid_years_kept",
        )
    town_id = town_of(actor)
    with transaction.atomic():
        policy = ExpiryPolicy.objects.select_for_update().filter(town_id=town_id).first()
        if policy is None:
            policy = ExpiryPolicy(town_id=town_id)
        if enabled and not (policy.enabled and policy.first_expiry_on):
            ahead = town_today(actor.town) + dt.timedelta(days=NOTICE_DAYS)
            policy.first_expiry_on = dt.date(ahead.year, 12, 31)
        policy.enabled = bool(enabled)
        policy.years_kept = years_kept
        policy.updated_by = actor
        policy.updated_at = timezone.now()
        policy.save()
        return policy


def _memo(resident: User, expires_on: dt.date, cutoff: dt.date) -> str:
    """The history's line, in the resident's language (Chinese unless English)."""
    with translation.override(resident.language or "zh-hans"):
        return _(
            "Points earned up to %(cutoff)s and not used expired at the end of %(expires)s"
        ) % {"cutoff": cutoff.isoformat(), "expires": expires_on.isoformat()}


def points_expire_for(
    *, resident: User, expires_on: dt.date, years_kept: int
) -> PointTransaction | None:
    """Write ``resident``'s expiry row for ``expires_on`` (one transaction), or None
    when nothing of theirs expires.

    Locks the person (lock order 1) and the points account (5), then computes the
    amount from the ledger: nothing else can write the person's rows meanwhile,
    so the amount is never more than the balance. Idempotent per person and
    expiry date (key ``expiry:<id>:<date>``): a second run finds nothing due.
    """
    from civicpoints.points.services import _append

    cutoff = cutoff_for(expires_on, years_kept)
    with transaction.atomic():
        person = lock_person(resident)
        if not person.is_active:  # closed meanwhile
            return None
        account = PointAccount.objects.select_for_update().filter(resident_id=person.pk).first()
        if account is None or account.balance <= 0:
            return None
        due = expiring_points(person.pk, balance=account.balance, cutoff=cutoff)
        if due <= 0:
            return None
        return _append(
            resident=person,
            kind=TransactionKind.EXPIRY,
            points=-due,
            key=f"expiry:{person.pk}:{expires_on.isoformat()}",
            earned=False,
            memo=_memo(person, expires_on, cutoff),
        )


def points_expire_due(*, today: dt.date | None = None) -> int:
    """The nightly job: in every town whose policy is on, expire what is due for the
    latest passed expiry date (one transaction per person). Returns how many rows
    were written (0 on a second run)."""
    written = 0
    for policy in ExpiryPolicy.objects.filter(enabled=True).select_related("town"):
        # each town's own today
        expires_on = last_expiry(policy, today or town_today(policy.town))
        if expires_on is None:
            continue
        cutoff = cutoff_for(expires_on, policy.years_kept)
        ids = list(
            accounts_due(policy.town_id, cutoff)
            .filter(resident__role=Role.RESIDENT, resident__is_active=True)
            .values_list("resident_id", flat=True)
        )
        for person in User.objects.filter(pk__in=ids).order_by("pk").iterator(chunk_size=500):
            row = points_expire_for(
                resident=person, expires_on=expires_on, years_kept=policy.years_kept
            )
            written += bool(row is not None and row.created)
    return written


def expired_points(
    *, town_id: int, start: dt.date, end: dt.date, community_id: int | None = None
) -> int:
    """Points expired in the town (or one community) on local days ``start``–``end``."""
    rows = PointTransaction.objects.filter(
        town_id=town_id, kind=TransactionKind.EXPIRY, local_date__range=(start, end)
    )
    if community_id is not None:
        rows = rows.filter(resident__community_id=community_id)
    return -(rows.aggregate(n=Sum("points"))["n"] or 0)


def points_due_to_expire(
    *, town_id: int, community_id: int | None = None, today: dt.date | None = None
) -> tuple[dt.date | None, int]:
    """(next expiry date, points that would expire then if nobody spent or earned
    another point); (None, 0) when the town's policy is off."""
    policy = policy_for(town_id)
    expires_on = next_expiry(policy, today)
    if expires_on is None:
        return None, 0
    due = accounts_due(town_id, cutoff_for(expires_on, policy.years_kept))
    if community_id is not None:
        due = due.filter(resident__community_id=community_id)
    return expires_on, int(due.aggregate(n=Sum("due"))["n"] or 0)
