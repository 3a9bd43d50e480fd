"""The dashboard's built-in figures: residents, activity, the points ledger, merchants.

Registered on import (``DashboardConfig.ready``). Every figure is a SQL
aggregate over the scope (town or community) and the local date range.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Role, User
from civicpoints.core.metrics import Figure, MetricContext, Table, metric_provider
from civicpoints.core.timeutil import local_midnight
from civicpoints.merchants.models import Merchant
from civicpoints.points.models import PointRule, PointTransaction, RuleCategory, TransactionKind

#: The rule awarded for a good deed shared (the story's "162,000 good deeds").
GOOD_DEED_RULE = "good_deed_post"


def residents(ctx: MetricContext):
    """Active residents of the scope (staff and merchant accounts excluded)."""
    qs = User.objects.filter(role=Role.RESIDENT, is_active=True, town_id=ctx.town_id)
    if ctx.community_id:
        qs = qs.filter(community_id=ctx.community_id)
    return qs


def ledger(ctx: MetricContext):
    """Ledger rows of the scope (any date). Only residents have ledger rows; rows of
    residents deactivated since stay counted, as history does not change."""
    qs = PointTransaction.objects.filter(town_id=ctx.town_id)
    if ctx.community_id:
        qs = qs.filter(resident__community_id=ctx.community_id)
    return qs


def _active_in(ctx: MetricContext, days: int) -> int:
    since = ctx.end - dt.timedelta(days=days - 1)
    return (
        ledger(ctx)
        .filter(local_date__range=(since, ctx.end))
        .values("resident_id")
        .distinct()
        .count()
    )


@metric_provider(order=10)
def participation(ctx: MetricContext) -> list:
    """Registered residents, participants in the range, active in the last 7 / 30 days."""
    joined_before = local_midnight(ctx.end + dt.timedelta(days=1))
    registered = residents(ctx).filter(date_joined__lt=joined_before).count()
    participants = (
        ledger(ctx)
        .earned()
        .filter(local_date__range=(ctx.start, ctx.end))
        .values("resident_id")
        .distinct()
        .count()
    )
    return [
        Figure("residents", _("Registered residents"), registered),
        Figure("participants", _("Participants (earned points in the range)"), participants),
        Figure("active_7", _("Active in the last 7 days of the range"), _active_in(ctx, 7)),
        Figure("active_30", _("Active in the last 30 days of the range"), _active_in(ctx, 30)),
    ]


def points_by_month(ctx: MetricContext) -> list[dict]:
    """Per local month of the range: points issued per rule category, adjustments, spent.

    ``issued`` counts rows that count as earned (awards and adjustments, net of
    their reversals); ``spent`` is the points taken by spends net of their
    refunds, so issued − spent over all time equals the sum of balances.
    ``deeds``: good-deed awards minus their reversals, each on its own day.
    Grouped in SQL by day and rule (no per-row date function), folded into
    months here.
    """
    category_of = dict(PointRule.objects.values_list("pk", "category"))
    deed_rule = PointRule.objects.filter(code=GOOD_DEED_RULE).values_list("pk", flat=True).first()
    groups = (
        ledger(ctx)
        .filter(local_date__range=(ctx.start, ctx.end))
        .values("local_date", "rule_id", "counts_as_earned", "kind")
        .annotate(points=Sum("points"), n=Count("pk"))
        .order_by()
    )
    months: dict[dt.date, dict] = {}
    empty = {c: 0 for c in RuleCategory.values} | {"other": 0, "issued": 0, "spent": 0}
    for g in groups:
        key = g["local_date"].replace(day=1)
        m = months.setdefault(key, {"month": key, **empty, "deeds": 0})
        if g["counts_as_earned"]:
            m["issued"] += g["points"]
            m[category_of.get(g["rule_id"], "other") if g["rule_id"] else "other"] += g["points"]
        else:
            m["spent"] -= g["points"]
        if deed_rule is not None and g["rule_id"] == deed_rule:
            if g["kind"] == TransactionKind.AWARD:
                m["deeds"] += g["n"]
            elif g["kind"] == TransactionKind.REVERSAL:
                m["deeds"] -= g["n"]
    return [months[k] for k in sorted(months)]


@metric_provider(order=20)
def points(ctx: MetricContext) -> list:
    """Points issued and spent in the range, by category and month, with a chart."""
    months = points_by_month(ctx)
    issued = sum(m["issued"] for m in months)
    spent = sum(m["spent"] for m in months)
    cats = [(c, str(label)) for c, label in RuleCategory.choices]
    columns = [_("Month"), *[label for _c, label in cats], _("Adjustments"), _("Points issued")]
    columns += [_("Points spent")]
    rows = [
        [m["month"].strftime("%Y-%m"), *[m[c] for c, _l in cats], m["other"], m["issued"]]
        + [m["spent"]]
        for m in months
    ]
    labels = [r[0] for r in rows]
    chart = {
        "type": "bar",
        "stacked": True,
        "labels": labels,
        "datasets": [
            {"label": label, "data": [m[c] for m in months], "stack": "issued"} for c, label in cats
        ]
        + [{"label": _("Spent"), "data": [m["spent"] for m in months], "stack": "spent"}],
    }
    return [
        Figure("points_issued", _("Points issued"), issued),
        Figure("points_spent", _("Points spent"), spent),
        Figure("good_deeds", _("Good deeds shared"), sum(m["deeds"] for m in months)),
        Table("points_by_month", _("Points by category and month"), columns, rows, chart),
    ]


@metric_provider(order=50)
def merchants(ctx: MetricContext) -> list:
    """Merchants of the alliance (approved), town-wide: merchants belong to the town."""
    n = Merchant.objects.filter(town_id=ctx.town_id, status=Merchant.Status.APPROVED).count()
    note = _("town-wide") if ctx.community_id else ""
    return [Figure("merchants", _("Merchants in the alliance"), n, note)]
