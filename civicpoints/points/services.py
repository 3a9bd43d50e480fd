"""Every change to points: award, spend, reverse, adjust. The only code that writes the ledger.

Each service runs in one transaction and:
  * locks the resident's ``PointAccount`` row first (``select_for_update``; on
    SQLite the IMMEDIATE transaction already serializes writers), so that the
    idempotency check, the cap check and the balance check cannot race;
  * writes one append-only ``PointTransaction`` and updates the balance row in
    the same transaction;
  * is idempotent by key: a repeated call with the same key returns the first
    row (``row.created`` is False) and writes nothing.

The one shared row each award touches is the resident's own account — never a
community or town total (that row would serialize the whole town).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import require_covers, require_staff
from civicpoints.core.errors import InvalidInput
from civicpoints.core.timeutil import local_date
from civicpoints.notifications.models import NotificationKind
from civicpoints.points.errors import (
    CapReached,
    IdempotencyKeyReused,
    InsufficientPoints,
    NotAResident,
    RuleNotInForce,
    UnknownRule,
)
from civicpoints.points.models import (
    CapPeriod,
    PointAccount,
    PointRule,
    PointTransaction,
    TransactionKind,
)

MAX_ADJUSTMENT = 100_000  # points; larger corrections are a data migration, not a form


@dataclass(frozen=True)
class Cause:
    """What a ledger row is for: a model instance, or a (label, id) pair for non-model causes."""

    content_type: ContentType | None
    object_id: str
    label: str

    @classmethod
    def of(cls, obj: models.Model | None) -> Cause | None:
        if obj is None:
            return None
        ct = ContentType.objects.get_for_model(obj)
        return cls(ct, str(obj.pk), f"{ct.app_label}.{ct.model}:{obj.pk}")


def rule_get(code: str) -> PointRule:
    """The rule with ``code``. Raises UnknownRule (404, field ``rule``)."""
    try:
        return PointRule.objects.get(code=str(code))
    except PointRule.DoesNotExist:
        raise UnknownRule(field="rule") from None


def award_key(
    *,
    rule: PointRule,
    resident: User,
    cause: models.Model | None = None,
    day: dt.date | None = None,
) -> str:
    """The idempotency key of an award: rule + cause + resident [+ local day] (invariant 3).

    Pass ``day`` for rules earned once per day without a cause object (a daily
    sign-in); pass ``cause`` for everything that has one (a post, an article).
    """
    c = Cause.of(cause)
    parts = ["award", rule.code, c.label if c else "-", str(resident.pk)]
    if day is not None:
        parts.append(day.isoformat())
    return ":".join(parts)


def _lock_account(resident: User) -> PointAccount:
    """Return the resident's account, locked for the rest of the transaction."""
    try:
        return PointAccount.objects.select_for_update().get(resident=resident)
    except PointAccount.DoesNotExist:
        try:
            with transaction.atomic():
                PointAccount.objects.create(resident=resident, town_id=resident.town_id)
        except IntegrityError:
            pass  # created by a concurrent transaction; lock theirs
        return PointAccount.objects.select_for_update().get(resident=resident)


def _replay(key: str, *, resident: User, kind: str) -> PointTransaction | None:
    """The row already written under ``key``, checked to be the same kind of request."""
    row = PointTransaction.objects.filter(idempotency_key=key).first()
    if row is None:
        return None
    if row.resident_id != resident.pk or row.kind != kind:
        raise IdempotencyKeyReused(field="idempotency_key")
    row.created = False
    return row


def _require_resident(resident: User) -> None:
    if resident.role != Role.RESIDENT or not resident.is_active:
        raise NotAResident(field="resident")


def _write(
    *,
    account: PointAccount,
    kind: str,
    points: int,
    key: str,
    earned: bool,
    rule: PointRule | None = None,
    cause: Cause | None = None,
    reverses: PointTransaction | None = None,
    actor: User | None = None,
    memo: str = "",
    at: dt.datetime | None = None,
) -> PointTransaction:
    """Append one row and move the locked account by ``points``. Caller holds the lock."""
    at = at or timezone.now()
    new_balance = account.balance + points
    if new_balance < 0:
        raise InsufficientPoints(field="points")
    row = PointTransaction(
        town_id=account.town_id,
        resident_id=account.resident_id,
        kind=kind,
        points=points,
        balance_after=new_balance,
        counts_as_earned=earned,
        rule=rule,
        cause_type=cause.content_type if cause else None,
        cause_id=cause.object_id if cause else "",
        reverses=reverses,
        idempotency_key=key,
        actor=actor,
        memo=memo[:200],
        created_at=at,
        local_date=local_date(at),
    )
    row.save(force_insert=True)
    account.balance = new_balance
    if earned:
        account.lifetime_earned += points
    account.updated_at = at
    account.save(update_fields=["balance", "lifetime_earned", "updated_at"])
    row.created = True
    return row


def _tell(row: PointTransaction, kind: str, template) -> None:
    """Put a points message in the resident's inbox (sent out after commit)."""
    from civicpoints.notifications.services import notify

    notify(
        recipient=row.resident,
        kind=kind,
        title=template % {"points": abs(row.points), "rule": row.rule.name if row.rule else ""},
        body=row.memo,
        url=reverse("points:history"),
    )


def _period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last local date of the cap period containing ``day``."""
    if period == CapPeriod.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if period == CapPeriod.MONTH:
        start = day.replace(day=1)
        nxt = (start + dt.timedelta(days=32)).replace(day=1)
        return start, nxt - dt.timedelta(days=1)
    return day.replace(month=1, day=1), day.replace(month=12, day=31)


def _check_caps(rule: PointRule, resident: User, day: dt.date) -> None:
    """Raises CapReached when the rule's daily or period limit is used up on local ``day``.

    Counted: award rows of this rule for this resident (a reversed award still
    counts: taking points back does not hand the chance out again).
    """
    awards = PointTransaction.objects.filter(
        resident=resident, rule=rule, kind=TransactionKind.AWARD
    )
    if rule.daily_limit is not None and awards.filter(local_date=day).count() >= rule.daily_limit:
        raise CapReached(
            _("The daily limit of this rule (%(n)d times) is reached; try again tomorrow.")
            % {"n": rule.daily_limit},
            field="rule",
        )
    if rule.period and rule.period_limit is not None:
        start, end = _period_bounds(rule.period, day)
        if awards.filter(local_date__range=(start, end)).count() >= rule.period_limit:
            raise CapReached(field="rule")


def points_award(
    *,
    resident: User,
    rule: PointRule,
    cause: models.Model | None = None,
    idempotency_key: str | None = None,
    actor: User | None = None,
    memo: str = "",
    at: dt.datetime | None = None,
) -> PointTransaction:
    """Award ``rule.points`` to ``resident`` (kind ``award``), at most once per key.

    Args:
        resident: an active resident.
        rule: the catalog rule (its current points are recorded on the row).
        cause: the source object (post, article, attendance …); part of the key.
        idempotency_key: defaults to ``award_key(rule=, resident=, cause=)``.
        actor: the staff member who confirmed it, or None for automatic awards.
        memo: a note shown in the resident's history (max 200 characters).
        at: the award time (aware); default now. Its local date drives the caps.

    Returns:
        The ledger row; ``row.created`` is False when the key had been used already.

    Raises:
        NotAResident, RuleNotInForce, CapReached (daily / period limit in local
        days), IdempotencyKeyReused (key used for another resident or kind).
    """
    _require_resident(resident)
    at = at or timezone.now()
    day = local_date(at)
    key = idempotency_key or award_key(rule=rule, resident=resident, cause=cause)
    with transaction.atomic():
        replay = _replay(key, resident=resident, kind=TransactionKind.AWARD)
        if replay:
            return replay
        account = _lock_account(resident)
        replay = _replay(key, resident=resident, kind=TransactionKind.AWARD)
        if replay:
            return replay
        if not PointRule.objects.in_force(day).filter(pk=rule.pk).exists():
            raise RuleNotInForce(field="rule")
        _check_caps(rule, resident, day)
        row = _write(
            account=account,
            kind=TransactionKind.AWARD,
            points=rule.points,
            key=key,
            earned=True,
            rule=rule,
            cause=Cause.of(cause),
            actor=actor,
            memo=memo,
            at=at,
        )
        if actor is not None:  # staff-confirmed awards are news; automatic ones are not
            _tell(row, NotificationKind.POINTS_AWARDED, _("You earned %(points)d points: %(rule)s"))
        return row


def points_spend(
    *,
    resident: User,
    points: int,
    idempotency_key: str,
    cause: models.Model | None = None,
    actor: User | None = None,
    memo: str = "",
) -> PointTransaction:
    """Take ``points`` (> 0) from ``resident``'s balance (kind ``spend``), once per key.

    Returns:
        The ledger row (``points`` negative); ``row.created`` False on a replay.

    Raises:
        InvalidInput(code ``invalid_points``): ``points`` not a positive integer.
        InsufficientPoints: the balance is smaller than ``points``; nothing written.
        NotAResident, IdempotencyKeyReused.
    """
    if not isinstance(points, int) or points <= 0:
        raise InvalidInput(
            _("Points must be a positive whole number."), field="points", code="invalid_points"
        )
    _require_resident(resident)
    with transaction.atomic():
        account = _lock_account(resident)
        replay = _replay(idempotency_key, resident=resident, kind=TransactionKind.SPEND)
        if replay:
            return replay
        return _write(
            account=account,
            kind=TransactionKind.SPEND,
            points=-points,
            key=idempotency_key,
            earned=False,
            cause=Cause.of(cause),
            actor=actor,
            memo=memo,
        )


def points_reverse(
    *,
    original: PointTransaction,
    actor: User | None = None,
    memo: str = "",
    cause: models.Model | None = None,
) -> PointTransaction:
    """Write the compensating row for ``original`` (invariant 5): exactly ``-original.points``.

    Idempotent: a row is reversed at most once (key ``reversal:<id>`` and a unique
    ``reverses`` link); a second call returns the first reversal.

    Raises:
        InvalidInput(code ``cannot_reverse_reversal``): ``original`` is itself a reversal.
        InsufficientPoints: reversing an award the resident has already spent;
            nothing is written (staff settle it with an adjustment).
    """
    if original.kind == TransactionKind.REVERSAL:
        raise InvalidInput(
            _("A reversal cannot itself be reversed."), code="cannot_reverse_reversal"
        )
    key = f"reversal:{original.pk}"
    resident = original.resident
    with transaction.atomic():
        account = _lock_account(resident)
        replay = _replay(key, resident=resident, kind=TransactionKind.REVERSAL)
        if replay:
            return replay
        row = _write(
            account=account,
            kind=TransactionKind.REVERSAL,
            points=-original.points,
            key=key,
            earned=original.counts_as_earned,
            rule=original.rule,
            cause=Cause.of(cause)
            or (Cause(original.cause_type, original.cause_id, "") if original.cause_type else None),
            reverses=original,
            actor=actor,
            memo=memo,
        )
        if original.kind == TransactionKind.AWARD:
            _tell(
                row,
                NotificationKind.POINTS_REVERSED,
                _("%(points)d points were taken back: %(rule)s"),
            )
        return row


def points_adjust(
    *,
    actor: User,
    resident: User,
    points: int,
    reason: str,
    idempotency_key: str,
) -> PointTransaction:
    """A staff correction of ``points`` (either sign) with a required reason; audited on the row.

    The actor and reason are kept on the ledger row itself (who, what, when, why).

    Raises:
        OutOfScope: ``actor`` is not staff covering ``resident``.
        InvalidInput(field ``reason``): empty reason; (field ``points``): zero or
            beyond ±100,000.
        InsufficientPoints: a negative adjustment larger than the balance.
    """
    require_staff(actor)
    require_covers(actor, resident)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _("An adjustment needs a reason."), field="reason", code="reason_required"
        )
    if not isinstance(points, int) or points == 0 or abs(points) > MAX_ADJUSTMENT:
        raise InvalidInput(
            _("Points must be a non-zero whole number between -100000 and 100000."),
            field="points",
            code="invalid_points",
        )
    _require_resident(resident)
    with transaction.atomic():
        account = _lock_account(resident)
        replay = _replay(idempotency_key, resident=resident, kind=TransactionKind.ADJUSTMENT)
        if replay:
            return replay
        return _write(
            account=account,
            kind=TransactionKind.ADJUSTMENT,
            points=points,
            key=idempotency_key,
            earned=True,
            actor=actor,
            memo=reason,
        )


def points_award_by_staff(
    *,
    actor: User,
    resident: User,
    rule_code: str,
    note: str,
    idempotency_key: str,
) -> PointTransaction:
    """Staff award a rule by hand (e.g. after a patrol), with a note.

    ``idempotency_key`` comes from the form (a nonce rendered with it) or the
    API client, so a double submit awards once.

    Raises:
        OutOfScope / NotFound (scope), UnknownRule, RuleNotInForce, CapReached.
    """
    require_staff(actor)
    require_covers(actor, resident)
    rule = rule_get(rule_code)
    return points_award(
        resident=resident,
        rule=rule,
        actor=actor,
        memo=(note or "").strip(),
        idempotency_key=f"manual:{idempotency_key}",
    )
