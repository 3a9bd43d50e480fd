"""Issuance budgets: a town's monthly points budget per rule or per category.

Set by town admins (``budget_set`` / ``budget_remove``); enforced inside the ledger's
award path under its lock (``services._charge_budget``: one statement, and none for
rules without a budget); awards past a ``confirm`` budget wait as ``QueuedAward`` for
``queued_award_confirm`` / ``queued_award_refuse``. ``budget_overview`` gives each
budget's use this month and a forecast for the month (the dashboard's figures).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Role, Town, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.core.timeutil import town_today
from civicpoints.points import services
from civicpoints.points.errors import CapReached, NotAResident, RuleNotInForce
from civicpoints.points.hooks import award_released
from civicpoints.points.models import (
    BudgetMode,
    IssuanceBudget,
    PointRule,
    PointTransaction,
    QueuedAward,
    QueuedReason,
    QueuedStatus,
    RuleCategory,
    TransactionKind,
)

MAX_BUDGET = 100_000_000  # points a month
WHY_MAX = 200  # characters of a decision's reason


def _require_town_admin(actor: User) -> None:
    if actor.role != Role.TOWN_ADMIN or not actor.town_id:
        raise OutOfScope(_("Only town admins set points budgets."), code="town_admin_only")


def _mark_budgeted_rules() -> None:
    """``PointRule.budgeted`` = its town budgets the rule or its category (one UPDATE)."""
    PointRule.objects.update(
        budgeted=Exists(IssuanceBudget.objects.filter(rule=OuterRef("pk")))
        | Exists(
            IssuanceBudget.objects.filter(category=OuterRef("category"), town=OuterRef("town"))
        )
    )


def budget_set(
    *,
    actor: User,
    points: int,
    mode: str,
    rule: PointRule | None = None,
    category: str = "",
) -> IssuanceBudget:
    """Create or change the town's monthly budget for ``rule`` or for ``category``.

    Args: points: 1 … 100,000,000 a local month; mode: ``refuse`` | ``confirm``.
    Takes effect on the next award (this month's use so far counts).
    Raises: OutOfScope (not a town admin), InvalidInput (fields ``points``,
        ``mode``, ``rule``/``category``: exactly one of them).
    """
    _require_town_admin(actor)
    if (rule is None) == (not category):
        raise InvalidInput(_("Choose a rule or a category."), field="rule", code="required")
    if category and category not in RuleCategory.values:
        raise InvalidInput(_("No such choice."), field="category", code="invalid_choice")
    if mode not in BudgetMode.values:
        raise InvalidInput(_("No such choice."), field="mode", code="invalid_choice")
    if not isinstance(points, int) or not 0 < points <= MAX_BUDGET:
        raise InvalidInput(
            _("Enter a whole number of points from 1 to %(max)d.") % {"max": MAX_BUDGET},
            field="points",
            code="invalid",
        )
    with transaction.atomic():
        budget, _created = IssuanceBudget.objects.update_or_create(
            town_id=town_of(actor),
            rule=rule,
            category=category or "",
            defaults={
                "points": points,
                "mode": mode,
                "updated_by": actor,
                "updated_at": timezone.now(),
            },
        )
        _mark_budgeted_rules()
    return budget


def budget_remove(*, actor: User, budget: IssuanceBudget) -> None:
    """Remove a budget of the actor's town (its month counters go with it; the ledger
    and queued awards stay). Raises: OutOfScope, NotFound (another town's)."""
    _require_town_admin(actor)
    if budget.town_id != actor.town_id:
        raise NotFound()
    with transaction.atomic():
        if QueuedAward.objects.filter(budget=budget, status=QueuedStatus.PENDING).exists():
            raise InvalidInput(
                _("Decide the awards waiting under this budget first."),
                field="budget",
                code="awards_waiting",
            )
        budget.delete()
        _mark_budgeted_rules()


def _queued(actor: User, queued_id: int | str) -> QueuedAward:
    _require_town_admin(actor)
    try:
        return cast(
            QueuedAward,
            QueuedAward.objects.select_for_update().get(pk=int(queued_id), town_id=town_of(actor)),
        )
    except (QueuedAward.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def _why(why: str, *, required: bool) -> str:
    why = (why or "").strip()
    if required and not why:
        raise InvalidInput(_("Say why."), field="why", code="required")
    if len(why) > WHY_MAX:
        raise InvalidInput(
            _("At most %(n)d characters.") % {"n": WHY_MAX}, field="why", code="too_long"
        )
    return why


def queued_award_confirm(*, actor: User, queued_id: int | str, why: str) -> QueuedAward:
    """A town admin lets an award past the budget through, saying why: it is written
    now (counted against the budget, which then shows the overrun).

    Args:
        why: the reason (1–200 characters), kept on the queued award.

    The ledger row links back: ``QueuedAward.transaction`` is one-to-one, so the
    row's ``queued_award`` names who queued it (``actor``; None for an automatic
    award), who confirmed it, when and why — shown on the staff's resident page;
    its cause is the award's source object, or the queued award itself when the
    award had none (a staff member's hand award), so no confirmed row is without
    a cause. An award the ledger refuses for another reason (a daily cap, a
    deactivated resident) is marked refused with its message.

    Returns: the QueuedAward (``confirmed`` with ``transaction``, or ``refused``).
    Raises: OutOfScope (not a town admin), NotFound (another town's or no such
        id), InvalidInput (``why``: empty or too long; ``status``: decided already).
    """
    why = _why(why, required=True)
    with transaction.atomic():
        q = _queued(actor, queued_id)
        if q.status != QueuedStatus.PENDING:
            raise InvalidInput(_("Decided already."), field="status", code="decided")
        cause = (
            q.cause_type.get_object_for_this_type(pk=q.cause_id)
            if q.cause_type is not None
            else q  # no source object: the row's cause is this queued award
        )
        q.decided_by, q.decided_at, q.decision_note = actor, timezone.now(), why
        try:
            with transaction.atomic():
                row = services.points_award(
                    resident=q.resident,
                    rule=PointRule.objects.get(pk=q.rule_id),
                    cause=cause,
                    idempotency_key=q.idempotency_key,
                    actor=(actor if q.reason == QueuedReason.CONFIRMATION else q.actor or actor),
                    memo=q.memo,
                    over_budget=True,
                )
        except (CapReached, RuleNotInForce, NotAResident) as exc:
            q.status, q.memo = QueuedStatus.REFUSED, str(exc.detail)[:200]
            q.save(update_fields=["status", "memo", "decided_by", "decided_at", "decision_note"])
            return q
        q.status, q.transaction = QueuedStatus.CONFIRMED, row
        q.save(update_fields=["status", "transaction", "decided_by", "decided_at", "decision_note"])
        award_released.send(q)
    return q


def queued_award_refuse(*, actor: User, queued_id: int | str, why: str = "") -> QueuedAward:
    """A town admin refuses a waiting award (past a budget, or of a rule that needs
    confirmation); nothing is written to the ledger.

    Args: why: the reason (required, ≤ 200 characters), kept on the queued award.
    Raises: OutOfScope, NotFound (checked first), InvalidInput (``why`` empty or too
    long; decided already).
    """
    with transaction.atomic():
        q = _queued(actor, queued_id)
        why = _why(why, required=True)
        if q.status != QueuedStatus.PENDING:
            raise InvalidInput(_("Decided already."), field="status", code="decided")
        q.status, q.decided_by, q.decided_at = QueuedStatus.REFUSED, actor, timezone.now()
        q.decision_note = why
        q.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return q


@dataclass(frozen=True)
class BudgetUseRow:
    budget: IssuanceBudget
    used: int  # points awarded this local month under the budget
    forecast: int  # used / days elapsed × days in the month (points)
    percent: int  # used as a share of the budget (%)
    forecast_percent: int
    queued: int  # awards waiting for confirmation


def budget_overview(*, town_id: int, day: dt.date | None = None) -> list[BudgetUseRow]:
    """Each budget of the town with its use in the local month of ``day`` (default
    today) and a straight-line forecast for the month; from the ledger (one grouped
    query per budget), so it is right even for awards made before the budget existed."""
    day = day or town_today(Town.objects.only("time_zone").get(pk=town_id))
    start = day.replace(day=1)
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    elapsed = (day - start).days + 1
    out = []
    budgets = IssuanceBudget.objects.filter(town_id=town_id).select_related("rule")
    for b in budgets.order_by("category", "rule__sort_order"):
        match = Q(rule_id=b.rule_id) if b.rule_id else Q(rule__category=b.category)
        used = (
            PointTransaction.objects.filter(
                match,
                town_id=town_id,
                kind=TransactionKind.AWARD,
                local_date__range=(start, day),
            ).aggregate(s=Sum("points"))["s"]
            or 0
        )
        forecast = used * days_in_month // elapsed
        queued = QueuedAward.objects.filter(budget=b, status=QueuedStatus.PENDING).count()
        out.append(
            BudgetUseRow(
                budget=b,
                used=used,
                forecast=forecast,
                percent=100 * used // b.points,
                forecast_percent=100 * forecast // b.points,
                queued=queued,
            )
        )
    return out


def queued_awards(actor: User, *, status: str = QueuedStatus.PENDING) -> QuerySet[QueuedAward]:
    """The awards of the town admin's town waiting for a decision (oldest first), with
    resident and rule. Raises OutOfScope for anyone but a town admin."""
    _require_town_admin(actor)
    return (
        QueuedAward.objects.filter(town_id=town_of(actor), status=status)
        .select_related("resident", "rule")
        .order_by("created_at", "pk")
    )
