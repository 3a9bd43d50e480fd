"""Every change to points: award, spend, reverse, adjust. The only code that writes the ledger.

Each service runs in one transaction (``_append``) that:
  1. moves the resident's balance with one conditional ``UPDATE … RETURNING``.
     The UPDATE takes the account's row lock (PostgreSQL; on SQLite the
     IMMEDIATE transaction already serializes writers), so the cap check and
     the idempotency check that follow cannot race, and its ``balance + Δ >= 0``
     condition is the balance check (a compare-and-set, backed by the CHECK);
  2. checks the rule's caps under that lock (capped rules only);
  3. appends one ``PointTransaction`` with ``INSERT … ON CONFLICT
     (idempotency_key) DO NOTHING``. If the key exists, the transaction is
     rolled back (undoing step 1) and the first row is returned with
     ``row.created`` False: a repeat writes nothing.

Steps 1 and 3 are plain SQL on purpose: they are the award hot path, and the
ORM spent ~4x the database's own time building them (see the bench issue's
closing note). Everything else uses the ORM.

The one shared row each award touches is the resident's own account — never a
community or town total (that row would serialize the whole town).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.locks import lock_person
from civicpoints.accounts.models import Role, Town, User
from civicpoints.accounts.scope import require_covers, require_staff, town_of
from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.core.timeutil import local_date, town_today
from civicpoints.points import governance
from civicpoints.points.automatic import is_automatic
from civicpoints.points.errors import (
    AwaitingConfirmation,
    BudgetExhausted,
    BudgetQueued,
    CapReached,
    DailyLimitReached,
    IdempotencyKeyReused,
    InsufficientPoints,
    NotAResident,
    NotPending,
    RuleNotAwardableByHand,
    RuleNotInForce,
    SameStaffMember,
    SecondConfirmationRequired,
    UnknownRule,
)
from civicpoints.points.hooks import ledger_row_written
from civicpoints.points.models import (
    BudgetMode,
    CapPeriod,
    PendingAdjustment,
    PendingStatus,
    PointAccount,
    PointRule,
    PointTransaction,
    QueuedAward,
    QueuedReason,
    TransactionKind,
)

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

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


def rule_get(code: str, *, town_id: int) -> PointRule:
    """The rule with ``code`` in town ``town_id``'s catalog (each town has its own).

    Raises UnknownRule (422, field ``rule``): no such rule in that town.
    """
    rule: PointRule | None = PointRule.objects.for_town(town_id).filter(code=str(code)).first()
    if rule is None:
        raise UnknownRule(field="rule")
    return rule


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


class _Replayed(Exception):
    """Internal: the idempotency key exists; roll back and return the first row."""


_PERIOD_COLUMNS = (  # (period, start column, points column) on PointAccount
    ("today", "day_of", "day_points"),
    ("week", "week_of", "week_points"),
    ("month", "month_of", "month_points"),
    ("year", "year_of", "year_points"),
)


@functools.lru_cache(maxsize=8)
def _period_sets_sql(day: dt.date) -> tuple[str, tuple[object, ...]]:
    """The SET clauses of ``_period_sets`` and the adapted period starts, per local day."""
    from civicpoints.points.selectors import period_start

    parts: list[str] = []
    starts: list[object] = []
    for period, on, pts in _PERIOD_COLUMNS:
        starts.append(connection.ops.adapt_datefield_value(period_start(period, day)))
        parts.append(
            f"{pts} = CASE WHEN {on} = %s THEN {pts} + %s "
            f"WHEN {on} IS NULL OR {on} < %s THEN %s ELSE {pts} END, "
            f"{on} = CASE WHEN {on} IS NULL OR {on} < %s THEN %s ELSE {on} END"
        )
    return ", ".join(parts), tuple(starts)


def _period_sets(day: dt.date, earned_delta: int) -> tuple[str, list[object]]:
    """SET clauses moving the period scores by ``earned_delta`` for a row of local ``day``.

    A stored period older than the row's (or none) starts again at the delta; a
    stored period newer than the row's is left as it is (a back-dated row
    belongs to a period that is no longer current). Every right-hand side reads
    the row as it was, in PostgreSQL and SQLite alike.
    """
    sql, starts = _period_sets_sql(day)
    params: list[object] = []
    for start in starts:
        params += [start, earned_delta, start, earned_delta, start, start]
    return sql, params


def _sql_move_balance(
    cursor: CursorWrapper,
    *,
    town_id: int,
    resident_id: int,
    delta: int,
    earned: bool,
    at: dt.datetime,
    day: dt.date,
) -> int | None:
    """Move a balance by ``delta`` unless it would go negative; returns the new balance or None.

    Rows that count as earned also move ``lifetime_earned`` and the period
    scores of local ``day`` (one statement either way). The row is named by its town
    and resident (invariant 9: a shard by town finds it).
    """
    table = PointAccount._meta.db_table
    sets, params = _period_sets(day, delta) if earned else ("", [])
    values: list[Any] = [delta, delta if earned else 0, *params]
    cursor.execute(
        f"UPDATE {table} SET balance = balance + %s, lifetime_earned = lifetime_earned + %s, "  # noqa: S608  # nosec B608
        f"{sets + ', ' if sets else ''}"
        f"updated_at = %s WHERE town_id = %s AND resident_id = %s AND balance + %s >= 0 "
        f"RETURNING balance",
        [*values, connection.ops.adapt_datetimefield_value(at), town_id, resident_id, delta],
    )
    got = cursor.fetchone()
    return None if got is None else got[0]


def period_scores_rebuild(*, town_id: int | None = None, today: dt.date | None = None) -> int:
    """Recount every account's period scores (``PointAccount.day_points`` …) from the ledger.

    For bulk loads that write the ledger without the services (the demo seeder,
    imports of history) and for the migration that added the columns. Each
    period's start is that of local ``today`` (default: now); the scores are
    the sums of the rows that count as earned from that start through today.

    Args:
        town_id: only this town's accounts (default: all).
        today: the local day the periods are counted for.

    Returns:
        The number of accounts rewritten.
    """
    from civicpoints.points.selectors import period_start

    today = today or local_date()
    accounts = PointAccount.objects.all()
    if town_id is not None:
        accounts = accounts.filter(town_id=town_id)
    ledger = PointTransaction.objects.earned().filter(resident_id=models.OuterRef("resident_id"))
    changes: dict[str, Any] = {}
    for period, on, pts in _PERIOD_COLUMNS:
        start = period_start(period, today)
        changes[on] = start
        changes[pts] = Coalesce(
            models.Subquery(
                ledger.filter(local_date__range=(start, today))
                .values("resident_id")
                .annotate(s=Sum("points"))
                .values("s")[:1]
            ),
            Value(0),
        )
    with transaction.atomic():
        return accounts.update(**changes)


_INSERT_COLUMNS = (
    "town_id",
    "resident_id",
    "kind",
    "points",
    "balance_after",
    "counts_as_earned",
    "rule_id",
    "rule_version_id",
    "cause_type_id",
    "cause_id",
    "reverses_id",
    "idempotency_key",
    "actor_id",
    "memo",
    "created_at",
    "local_date",
)


def _sql_insert_row(cursor: CursorWrapper, row: PointTransaction) -> int | None:
    """INSERT ``row`` unless its key exists; returns the new id, or None on a replay."""
    values = [getattr(row, c) for c in _INSERT_COLUMNS]
    values[-2] = connection.ops.adapt_datetimefield_value(row.created_at)
    values[-1] = connection.ops.adapt_datefield_value(row.local_date)
    cursor.execute(
        f"INSERT INTO {PointTransaction._meta.db_table} ({', '.join(_INSERT_COLUMNS)}) "  # noqa: S608  # nosec B608
        f"VALUES ({', '.join(['%s'] * len(values))}) "
        f"ON CONFLICT (town_id, idempotency_key) DO NOTHING RETURNING id",
        values,
    )
    got = cursor.fetchone()
    return None if got is None else got[0]


def points_account_open(resident: User) -> None:
    """Open ``resident``'s zero balance row if they have none (idempotent, race-safe).

    Subscribed to ``accounts.hooks.resident_registered`` (``PointsConfig.ready``), so
    it runs inside the registration's transaction; the ledger also opens the row by
    itself on a resident's first ledger row.
    """
    _ensure_account(resident)


def points_accounts_open_bulk(residents: list[User]) -> None:
    """Open the zero balance rows of many new residents in one statement (idempotent:
    rows that exist are left alone). Subscribed to ``accounts.hooks.residents_imported``."""
    PointAccount.objects.bulk_create(
        [PointAccount(resident=r, town_id=town_of(r)) for r in residents],
        ignore_conflicts=True,
        batch_size=500,
    )


def _ensure_account(resident: User) -> None:
    """Create the resident's zero balance row if it is missing (race-safe)."""
    if PointAccount.objects.for_town(town_of(resident)).filter(resident=resident).exists():
        return
    try:
        with transaction.atomic():
            PointAccount.objects.create(resident=resident, town_id=town_of(resident))
    except IntegrityError:
        pass  # created by a concurrent transaction


def _replay(
    key: str,
    *,
    resident: User,
    kind: str,
    rule: PointRule | None = None,
    points: int | None = None,
) -> PointTransaction | None:
    """The row already written under ``key``, checked to be the same request.

    Raises IdempotencyKeyReused when the key was used for another resident,
    kind, rule or (for spends and adjustments) amount: a retry must repeat the
    request, not change it.
    """
    # No ORDER BY: the unique index answers it directly (.first() would sort by pk).
    row: PointTransaction | None = next(
        iter(PointTransaction.objects.for_town(town_of(resident)).filter(idempotency_key=key)[:1]),
        None,
    )
    if row is None:
        return None
    if (
        row.resident_id != resident.pk
        or row.kind != kind
        or (rule is not None and row.rule_id != rule.pk)
        or (points is not None and row.points != points)
    ):
        raise IdempotencyKeyReused(field="idempotency_key")
    row.created = False
    return row


def _require_resident(resident: User) -> None:
    if resident.role != Role.RESIDENT or not resident.is_active:
        raise NotAResident(field="resident")


def _append(
    *,
    resident: User,
    kind: str,
    points: int,
    key: str,
    earned: bool,
    rule: PointRule | None = None,
    rule_version_id: int | None = None,
    cause: Cause | None = None,
    reverses: PointTransaction | None = None,
    actor: User | None = None,
    memo: str = "",
    at: dt.datetime | None = None,
    under_lock: Callable[[], None] | None = None,
) -> PointTransaction:
    """Move the balance by ``points`` and append one row, in one transaction; replay-safe.

    ``under_lock()`` runs after the balance row is locked and before the insert
    (the cap check). Once the row is written, still inside the transaction, the
    ledger hook's subscribers hear of it (``points.hooks``; the inbox is one).
    Raises InsufficientPoints when the balance would go negative; returns the
    first row (``created`` False) on a repeated key.
    """
    at = at or timezone.now()
    # what a repeat of this request must match
    same_rule = rule if kind == TransactionKind.AWARD else None
    same_points = points if kind in (TransactionKind.SPEND, TransactionKind.ADJUSTMENT) else None
    row = PointTransaction(
        town_id=town_of(resident),
        resident_id=resident.pk,
        kind=kind,
        points=points,
        counts_as_earned=earned,
        rule=rule,
        rule_version_id=rule_version_id,
        cause_type=cause.content_type if cause else None,
        cause_id=cause.object_id if cause else "",
        reverses=reverses,
        idempotency_key=key,
        actor=actor,
        memo=memo[:200],
        created_at=at,
        local_date=local_date(at, resident.town),
    )
    try:
        with transaction.atomic(), connection.cursor() as cur:
            balance = _sql_move_balance(
                cur,
                town_id=row.town_id,
                resident_id=resident.pk,
                delta=points,
                earned=earned,
                at=at,
                day=row.local_date,
            )
            if balance is None:
                _ensure_account(resident)
                balance = _sql_move_balance(
                    cur,
                    town_id=row.town_id,
                    resident_id=resident.pk,
                    delta=points,
                    earned=earned,
                    at=at,
                    day=row.local_date,
                )
            if balance is None:
                if _replay(key, resident=resident, kind=kind, rule=same_rule, points=same_points):
                    raise _Replayed
                raise InsufficientPoints(field="points")
            if under_lock is not None:
                under_lock()
            row.balance_after = balance
            row.pk = _sql_insert_row(cur, row)
            if row.pk is None:
                raise _Replayed
            row._state.adding = False
            row._state.db = cur.db.alias
            row.created = True
            row.resident = resident  # cached for the subscribers: no query
            ledger_row_written.send(row)
            return row
    except _Replayed:
        replay = _replay(key, resident=resident, kind=kind, rule=same_rule, points=same_points)
        if replay is None:  # cannot happen: the key was seen inside the transaction
            raise
        return replay


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


def _check_caps(rule: PointRule, resident: User, day: dt.date, key: str) -> None:
    """Raises CapReached when the rule's daily or period limit is used up on local ``day``.

    Counted: award rows of this rule for this resident (a reversed award still
    counts: taking points back does not hand the chance out again). One query,
    and none for uncapped rules. A repeat of an award that itself used up the
    cap is a replay, not a refusal.
    """
    daily = rule.daily_limit is not None
    period = bool(rule.period and rule.period_limit is not None)
    if not (daily or period):
        return
    start, end = _period_bounds(rule.period, day) if period and rule.period else (day, day)
    counts = (
        PointTransaction.objects.for_town(town_of(resident))
        .filter(
            resident=resident,
            rule=rule,
            kind=TransactionKind.AWARD,
            local_date__range=(min(start, day), max(end, day)),
        )
        .aggregate(
            today=Count("pk", filter=Q(local_date=day)),
            in_period=Count("pk"),
        )
    )
    over_daily = daily and counts["today"] >= rule.daily_limit
    over_period = period and counts["in_period"] >= rule.period_limit
    if (over_daily or over_period) and _replay(
        key, resident=resident, kind=TransactionKind.AWARD, rule=rule
    ):
        raise _Replayed
    if over_daily:
        raise CapReached(
            _("The daily limit of this rule (%(n)d times) is reached; try again tomorrow.")
            % {"n": rule.daily_limit},
            field="rule",
        )
    if over_period:
        raise CapReached(field="rule")


_BUDGET_SQL = """
INSERT INTO points_budgetuse (budget_id, town_id, month, used, limit_points, mode)
SELECT b.id, b.town_id, %s, %s, b.points, b.mode
FROM points_issuancebudget b
WHERE b.town_id = %s AND (b.rule_id = %s OR b.category = %s)
ON CONFLICT (town_id, budget_id, month) DO UPDATE
SET used = points_budgetuse.used + excluded.used,
    limit_points = excluded.limit_points,
    mode = excluded.mode
RETURNING budget_id, used, limit_points, mode
"""


def _charge_budget(
    rule: PointRule, resident: User, day: dt.date, key: str, *, override: bool = False
) -> None:
    """Count ``rule.points`` against the town's monthly budgets for the rule and its category.

    Only for rules with ``budgeted`` set; one statement (an upsert on the month's
    ``BudgetUse`` rows, which locks them: racing awards queue there, so the
    budget is never overrun). Past a budget, the counting is rolled back with the
    award and BudgetExhausted (``refuse``) or BudgetQueued (``confirm``) is
    raised — unless ``key`` was awarded already (a replay) or ``override`` (a
    town admin confirmed a queued award).
    """
    if not rule.budgeted:
        return
    month = day.replace(day=1)
    with connection.cursor() as cur:
        cur.execute(_BUDGET_SQL, [month, rule.points, resident.town_id, rule.pk, rule.category])
        over = [r for r in cur.fetchall() if r[1] > r[2]]
    if not over or override:
        return
    if _replay(key, resident=resident, kind=TransactionKind.AWARD, rule=rule):
        raise _Replayed
    budget_id, _used, limit, mode = over[0]
    refuse = any(m == BudgetMode.REFUSE for *_r, m in over)
    exc_class = BudgetExhausted if refuse else BudgetQueued
    exc = exc_class(
        (
            _(
                "This month's budget of %(limit)d points for this rule is used up; no "
                "more awards until next month."
            )
            if refuse
            else _(
                "This month's budget of %(limit)d points for this rule is used up; the "
                "award waits for the town to confirm it."
            )
        )
        % {"limit": limit},
        field="rule",
    )
    exc.budget_id = budget_id
    raise exc


def points_award(
    *,
    resident: User,
    rule: PointRule,
    cause: models.Model | None = None,
    idempotency_key: str | None = None,
    actor: User | None = None,
    memo: str = "",
    at: dt.datetime | None = None,
    over_budget: bool = False,
) -> PointTransaction:
    """Award ``rule.points`` to ``resident`` (kind ``award``), at most once per key.

    The rule is taken as it stands on the award's local date: the ``RuleVersion`` in
    force that day (``points.governance``; read once, so an award racing a change
    of the rule uses exactly one version, recorded on the row as ``rule_version``) —
    its points, caps, window and ``requires_confirmation``. A rule that requires
    confirmation is awarded only when ``actor`` is staff of the resident's town
    (``governance.may_confirm``); otherwise the award waits as a ``QueuedAward``
    (reason ``confirmation``) for a town admin (``budgets.queued_award_confirm``).

    Args:
        resident: an active resident.
        rule: a rule of the resident's own town (e.g. ``rule_get(code,
            town_id=town_of(resident))``); the points of its version in force are
            recorded on the row.
        cause: the source object (post, article, attendance …); part of the key.
        idempotency_key: defaults to ``award_key(rule=, resident=, cause=)``.
        actor: the staff member who confirmed it, or None for automatic awards
            (the inbox, subscribed to ``points.hooks``, tells the resident of
            staff-confirmed awards; automatic ones stay quiet).
        memo: a note shown in the resident's history (max 200 characters).
        at: the award time (aware); default now. Its local date drives the caps.
        over_budget: a town admin confirmed this award past the month's budget
            (``points.budgets.queued_award_confirm``); it is still counted.

    Returns:
        The ledger row; ``row.created`` is False when the key had been used already.

    Raises:
        NotAResident, RuleNotInForce, CapReached (daily / period limit in local
        days), IdempotencyKeyReused (key used for another resident or kind);
        UnknownRule (field ``rule``): the rule belongs to another town's catalog;
        AwaitingConfirmation (409, a CapReached, field ``rule``): the rule needs a
        staff member's confirmation; a ``QueuedAward`` was written in the caller's
        transaction;
        BudgetExhausted / BudgetQueued (both CapReached, 409, field ``rule``): the
        town's monthly issuance budget for the rule or its category is used up
        (``points.budgets``); for BudgetQueued a ``QueuedAward`` was written in
        the caller's transaction.
    """
    _require_resident(resident)
    if rule.town_id != town_of(resident):
        raise UnknownRule(field="rule")
    at = at or timezone.now()
    day = local_date(at, resident.town)
    key = idempotency_key or award_key(rule=rule, resident=resident, cause=cause)
    # The version in force on the award's day, read once: a change committing in the
    # same instant may still let this one award use the version before it.
    rule_row = rule
    rule, version = governance.rule_as_of(rule_row, day)
    if not rule.is_in_force(day):
        raise RuleNotInForce(field="rule")
    c = Cause.of(cause)
    if rule.requires_confirmation and not governance.may_confirm(actor, resident):
        first = _replay(key, resident=resident, kind=TransactionKind.AWARD, rule=rule_row)
        if first is not None:
            return first
        QueuedAward.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "town_id": town_of(resident),
                "reason": QueuedReason.CONFIRMATION,
                "resident": resident,
                "rule": rule_row,
                "cause_type": c.content_type if c else None,
                "cause_id": c.object_id if c else "",
                "actor": actor,
                "memo": memo[:200],
            },
        )
        raise AwaitingConfirmation(field="rule")

    def under_lock() -> None:
        _check_caps(rule, resident, day, key)
        _charge_budget(rule, resident, day, key, override=over_budget)

    try:
        return _append(
            resident=resident,
            kind=TransactionKind.AWARD,
            points=rule.points,
            key=key,
            earned=True,
            rule=rule_row,
            rule_version_id=version.pk if version else None,
            cause=c,
            actor=actor,
            memo=memo,
            at=at,
            under_lock=under_lock,
        )
    except BudgetQueued as exc:
        QueuedAward.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "town_id": town_of(resident),
                "budget_id": exc.budget_id,
                "resident": resident,
                "rule": rule_row,
                "cause_type": c.content_type if c else None,
                "cause_id": c.object_id if c else "",
                "actor": actor,
                "memo": memo[:200],
            },
        )
        raise


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
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise InvalidInput(
            _("Points must be a positive whole number."), field="points", code="invalid_points"
        )
    _require_resident(resident)
    return _append(
        resident=resident,
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
    ``reverses`` link); a second call returns the first reversal. Reversing an
    award tells the resident (the inbox hears of it through ``points.hooks``).

    Raises:
        InvalidInput(code ``cannot_reverse_reversal``): ``original`` is itself a reversal.
        InsufficientPoints: reversing an award the resident has already spent;
            nothing is written (staff settle it with an adjustment).
    """
    if original.kind == TransactionKind.REVERSAL:
        raise InvalidInput(
            _("A reversal cannot itself be reversed."), code="cannot_reverse_reversal"
        )
    own_cause = Cause.of(cause) or (
        Cause(original.cause_type, original.cause_id, "") if original.cause_type_id else None
    )

    return _append(
        resident=original.resident,
        kind=TransactionKind.REVERSAL,
        points=-original.points,
        key=f"reversal:{original.pk}",
        earned=original.counts_as_earned,
        rule=original.rule,
        cause=own_cause,
        reverses=original,
        actor=actor,
        memo=memo,
    )


def _valid_adjustment(actor: User, resident: User, points: object, reason: str) -> str:
    """Scope and input checks shared by adjustments and their requests; returns the reason."""
    require_staff(actor)
    require_covers(actor, resident)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _("An adjustment needs a reason."), field="reason", code="reason_required"
        )
    if (
        not isinstance(points, int)
        or isinstance(points, bool)
        or points == 0
        or abs(points) > MAX_ADJUSTMENT
    ):
        raise InvalidInput(
            _("Points must be a non-zero whole number between -100000 and 100000."),
            field="points",
            code="invalid_points",
        )
    _require_resident(resident)
    return reason


def confirm_threshold(town_id: int) -> int:
    """The town's threshold (points): manual points above it need a second staff member."""
    value = Town.objects.filter(pk=town_id).values_list("manual_points_confirm_above", flat=True)
    return value.first() or 0


def manual_points_used(actor: User, day: dt.date) -> int:
    """Points ``actor`` gave or took by hand on the local ``day``: adjustments (both
    signs) and awards by hand in the ledger, plus their requests still waiting."""
    town_id = town_of(actor)
    rows = (
        PointTransaction.objects.for_town(town_id)
        .filter(actor=actor, local_date=day)
        .filter(
            Q(kind=TransactionKind.ADJUSTMENT)
            | Q(kind=TransactionKind.AWARD, idempotency_key__startswith="manual:")
        )
    )
    used = rows.aggregate(n=Sum(Abs("points")))["n"] or 0
    waiting = (
        PendingAdjustment.objects.for_town(town_id)
        .filter(requested_by=actor, local_date=day, status=PendingStatus.PENDING)
        .aggregate(n=Sum(Abs("points")))["n"]
    )
    return used + (waiting or 0)


def _require_daily_room(actor: User, points: int, day: dt.date) -> None:
    """Raise DailyLimitReached unless ``actor`` (locked by the caller) may move
    ``points`` more by hand today (``settings.MANUAL_POINTS_DAILY_LIMITS`` by role)."""
    limit = settings.MANUAL_POINTS_DAILY_LIMITS.get(actor.role, 0)
    used = manual_points_used(actor, day)
    if used + abs(points) > limit:
        raise DailyLimitReached(
            _("Your daily limit of manual points is %(limit)d; %(left)d are left today.")
            % {"limit": limit, "left": max(0, limit - used)},
            field="points",
        )


def points_adjust(
    *,
    actor: User,
    resident: User,
    points: int,
    reason: str,
    idempotency_key: str,
    confirmed_by: User | None = None,
    discretionary: bool = True,
) -> PointTransaction:
    """A staff correction of ``points`` (either sign) with a required reason; audited on the row.

    The actor and reason are kept on the ledger row itself (who, what, when, why).
    Limits (issue 16): |points| counts against the actor's daily limit of manual
    points (``settings.MANUAL_POINTS_DAILY_LIMITS`` by role, local day, checked
    under a lock on the actor's row); more than the town's
    ``manual_points_confirm_above`` needs a second staff member — file it with
    ``adjustment_request`` (``confirmed_by`` is set only by ``adjustment_confirm``).
    ``discretionary=False`` skips both for adjustments no staff member chooses:
    restoring exactly what a decision overturned on appeal took back, and the
    bench/load-test seeders; never for a staff request.
    A repeated request (same key) returns the first row and counts nothing more.

    Raises:
        OutOfScope: ``actor`` is not staff covering ``resident``.
        InvalidInput(field ``reason``): empty reason; (field ``points``): zero or
            beyond ±100,000.
        SecondConfirmationRequired (409, field ``points``): above the town's threshold.
        DailyLimitReached (409, field ``points``).
        InsufficientPoints: a negative adjustment larger than the balance.
    """
    reason = _valid_adjustment(actor, resident, points, reason)
    first = _replay(
        idempotency_key, resident=resident, kind=TransactionKind.ADJUSTMENT, points=points
    )
    if first is not None:
        return first
    limited = discretionary and confirmed_by is None
    if limited and abs(points) > confirm_threshold(town_of(resident)):
        raise SecondConfirmationRequired(field="points")
    with transaction.atomic():
        if limited:
            actor = lock_person(actor)  # lock order: the person (the actor's budget) first
            _require_daily_room(actor, points, town_today(actor.town))
        return _append(
            resident=resident,
            kind=TransactionKind.ADJUSTMENT,
            points=points,
            key=idempotency_key,
            earned=True,
            actor=actor,
            memo=reason,
        )


def adjustment_request(
    *, actor: User, resident: User, points: int, reason: str, idempotency_key: str
) -> PendingAdjustment:
    """File an adjustment above the town's threshold for a second staff member to confirm.

    It counts against the requester's daily limit at once (while it waits).
    Idempotent per ``idempotency_key``: a repeat returns the first request
    (``created`` False); the same key for another resident or amount is refused.

    Raises: as ``points_adjust`` (scope, input, DailyLimitReached), and
        IdempotencyKeyReused (409).
    """
    reason = _valid_adjustment(actor, resident, points, reason)
    with transaction.atomic():
        actor = lock_person(actor)
        first = (
            PendingAdjustment.objects.for_town(town_of(resident))
            .filter(idempotency_key=idempotency_key)
            .first()
        )
        if first is not None:
            if (first.resident_id, first.points, first.requested_by_id) != (
                resident.pk,
                points,
                actor.pk,
            ):
                raise IdempotencyKeyReused(field="idempotency_key")
            first.created = False
            return cast(PendingAdjustment, first)
        day = town_today(actor.town)
        _require_daily_room(actor, points, day)
        pending = PendingAdjustment.objects.create(
            town_id=town_of(resident),
            resident=resident,
            points=points,
            reason=reason,
            idempotency_key=idempotency_key,
            requested_by=actor,
            local_date=day,
        )
        pending.created = True
        return pending


def _lock_pending(actor: User, adjustment_id: int) -> PendingAdjustment:
    require_staff(actor)
    pending = (
        PendingAdjustment.objects.select_for_update(of=("self",))
        .select_related("resident", "requested_by")
        .for_town(town_of(actor))
        .filter(pk=adjustment_id)
        .first()
    )
    if pending is None:
        raise NotFound(field="adjustment")
    require_covers(actor, pending.resident)
    if pending.requested_by_id == actor.pk:
        raise SameStaffMember(field="adjustment")
    return cast(PendingAdjustment, pending)


def adjustment_confirm(*, actor: User, adjustment_id: int) -> PendingAdjustment:
    """A second staff member covering the resident confirms a waiting adjustment: the
    ledger row is written (actor: the requester; memo: the reason). Idempotent:
    confirming a confirmed one returns it.

    Raises: OutOfScope / NotFound (scope), SameStaffMember (403: the requester),
        NotPending (409: refused before), InsufficientPoints.
    """
    with transaction.atomic():
        pending = _lock_pending(actor, adjustment_id)
        if pending.status == PendingStatus.CONFIRMED:
            return pending
        if pending.status != PendingStatus.PENDING:
            raise NotPending(field="adjustment")
        row = points_adjust(
            actor=pending.requested_by,
            resident=pending.resident,
            points=pending.points,
            reason=pending.reason,
            idempotency_key=f"adjust-confirmed:{pending.pk}",
            confirmed_by=actor,
        )
        pending.status = PendingStatus.CONFIRMED
        pending.decided_by, pending.decided_at = actor, timezone.now()
        pending.ledger_row = row
        pending.save(update_fields=["status", "decided_by", "decided_at", "ledger_row"])
        return pending


def adjustment_refuse(*, actor: User, adjustment_id: int, note: str = "") -> PendingAdjustment:
    """A second staff member refuses a waiting adjustment; nothing reaches the ledger.

    Raises: OutOfScope / NotFound, SameStaffMember, NotPending (already confirmed).
    """
    with transaction.atomic():
        pending = _lock_pending(actor, adjustment_id)
        if pending.status == PendingStatus.REFUSED:
            return pending
        if pending.status != PendingStatus.PENDING:
            raise NotPending(field="adjustment")
        pending.status = PendingStatus.REFUSED
        pending.decided_by, pending.decided_at = actor, timezone.now()
        pending.decision_note = (note or "").strip()[:200]
        pending.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        return pending


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
    API client, so a double submit awards once. The rule's points count against
    the actor's daily limit of manual points (as ``points_adjust``); a rule worth
    more than the town's threshold cannot be awarded by hand.

    Only rules that need a staff member's confirmation (``requires_confirmation``)
    may be awarded by hand: automatic ones (daily check-in, quizzes, the pledge,
    questionnaires, reading, good-deed posts) are earned by doing the thing, and the
    award form does not offer them either (``points.forms.award_rule_choices``).

    Raises:
        OutOfScope / NotFound (scope), UnknownRule, RuleNotAwardableByHand (422
        ``automatic_rule``, field ``rule``), RuleNotInForce, CapReached,
        DailyLimitReached, SecondConfirmationRequired; BudgetQueued (past a
        ``confirm`` budget: the ``QueuedAward`` is kept, with the actor and note,
        for a town admin — ``points.budgets.queued_award_confirm``).
    """
    require_staff(actor)
    require_covers(actor, resident)
    rule = rule_get(rule_code, town_id=town_of(resident))
    if is_automatic(rule):
        raise RuleNotAwardableByHand(field="rule")
    key = f"manual:{idempotency_key}"
    first = _replay(key, resident=resident, kind=TransactionKind.AWARD, rule=rule)
    if first is not None:
        return first
    if rule.points > confirm_threshold(town_of(resident)):
        raise SecondConfirmationRequired(field="rule")
    queued: BudgetQueued | None = None
    with transaction.atomic():
        actor = lock_person(actor)
        _require_daily_room(actor, rule.points, town_today(actor.town))
        try:
            return points_award(
                resident=resident,
                rule=rule,
                actor=actor,
                memo=(note or "").strip(),
                idempotency_key=key,
            )
        except BudgetQueued as exc:
            # The QueuedAward written for it must outlive this transaction: raising
            # out of the block would roll it back, and the award would vanish.
            queued = exc
    raise queued
