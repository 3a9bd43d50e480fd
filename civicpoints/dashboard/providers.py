"""The dashboard's built-in figures: residents, activity, the points ledger, merchants.

Registered on import (``DashboardConfig.ready``). Every figure is a SQL
aggregate over the scope (town or community) and the local date range: the
days the nightly ``dashboard.daily_figures`` job has counted come from its
tables (``dashboard.models``), the rest — today, and anything written since
the job ran — from the ledger, so the figures are exact either way.
"""

from __future__ import annotations

import datetime as dt
from itertools import chain
from typing import Any

from django.db.models import Case, Count, F, Max, OuterRef, Subquery, Sum, When
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Role, User
from civicpoints.core.metrics import Figure, MetricContext, Table, metric_provider
from civicpoints.core.timeutil import local_midnight, town_today
from civicpoints.dashboard.models import DailyFigure, FiguresMark, ResidentActivity
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


def _mark(ctx: MetricContext) -> FiguresMark | None:
    """How far the nightly job has counted this town (None: not yet)."""
    return FiguresMark.objects.filter(town_id=ctx.town_id).first()


def _live(ctx: MetricContext, mark: FiguresMark, start: dt.date) -> tuple:
    """The scope's ledger rows from ``start`` to the end of the range that the
    pre-aggregated tables do not hold yet, in two parts that do not overlap:
    the days after the mark (today's rows, usually) as a queryset, and the rows
    written since the job ran for days it had counted (a backfill; usually
    none) as a list of dicts.
    """
    # one range (two lower bounds would let SQLite start from the wrong one)
    first = max(start, mark.through_day + dt.timedelta(days=1))
    after = ledger(ctx).filter(local_date__range=(first, ctx.end))
    # Found by id alone, the one condition that is cheap on every engine: SQLite
    # without table statistics (and PostgreSQL before its first ANALYZE) would
    # rather walk a date or town index through all of the town's rows. The town
    # is compared as "town_id + 0" (no index), dates and community in Python.
    fields = ("resident_id", "local_date", "rule_id", "counts_as_earned", "kind", "points")
    since_job = [
        dict(zip(fields, r, strict=True))
        for r in PointTransaction.objects.filter(pk__gt=mark.last_id)
        .alias(town_key=F("town_id") + 0)
        .filter(town_key=ctx.town_id)
        .order_by()
        .values_list(*fields)
        if start <= r[1] <= min(mark.through_day, ctx.end)
    ]
    if ctx.community_id and since_job:
        inside = set(
            User.objects.filter(
                pk__in={r["resident_id"] for r in since_job}, community_id=ctx.community_id
            ).values_list("pk", flat=True)
        )
        since_job = [r for r in since_job if r["resident_id"] in inside]
    return after, since_job


def _activity(ctx: MetricContext):
    qs = ResidentActivity.objects.filter(town_id=ctx.town_id)
    if ctx.community_id:
        qs = qs.filter(community_id=ctx.community_id)
    return qs


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None or (b is not None and b > a) else a


def _live_last_days(ctx: MetricContext, mark: FiguresMark, start: dt.date) -> tuple[dict, dict]:
    """Of the residents with live rows: ``(live, known)``, each resident id ->
    (last day with a row, last day with an earned row), from the live rows and
    as ``ResidentActivity`` of the scope has them counted (absent: not counted).
    The counted days come in the same query, by primary key, per resident."""
    after, since_job = _live(ctx, mark, start)
    counted = _activity(ctx).filter(resident_id=OuterRef("resident_id"))
    live: dict = {}
    known: dict = {}
    for rid, last, last_earned, k_active, k_earned in (
        after.values("resident_id")
        .annotate(
            last=Max("local_date"),
            last_earned=Max(Case(When(counts_as_earned=True, then="local_date"))),
            k_active=Subquery(counted.values("last_active_on")[:1]),
            k_earned=Subquery(counted.values("last_earned_on")[:1]),
        )
        .values_list("resident_id", "last", "last_earned", "k_active", "k_earned")
        .order_by()
    ):
        live[rid] = (last, last_earned)
        if k_active is not None:
            known[rid] = (k_active, k_earned)
    late = [(r["resident_id"], r["local_date"], r["counts_as_earned"]) for r in since_job]
    for rid, day, earned in late:
        old = live.get(rid, (None, None))
        live[rid] = (_later(old[0], day), _later(old[1], day if earned else None))
    missing = sorted({rid for rid, _d, _e in late} - known.keys())
    known.update(
        (rid, (active, earned_on))
        for rid, active, earned_on in _activity(ctx)
        .filter(resident_id__in=missing)
        .values_list("resident_id", "last_active_on", "last_earned_on")
    )
    return live, known


def _residents_since(
    ctx: MetricContext, live: dict | None, known: dict, since: dt.date, *, earned: bool
) -> int:
    """Residents of the scope with a ledger row (``earned``: one that counts as
    earned) from ``since`` to the end of the range.

    Ranges that end today or later (``live`` given: resident -> last live days)
    count the last days per resident in ``ResidentActivity`` and add the live
    residents not counted there (``known``: their last days as counted);
    earlier ranges count the ledger.
    """
    if live is None:
        rows = ledger(ctx).filter(local_date__range=(since, ctx.end))
        rows = rows.earned() if earned else rows
        return rows.values("resident_id").distinct().count()
    field = "last_earned_on" if earned else "last_active_on"
    i = 1 if earned else 0
    counted = _activity(ctx).filter(**{f"{field}__gte": since}).count()
    extra = sum(
        1
        for rid, days in live.items()
        if days[i] is not None
        and days[i] >= since
        and (rid not in known or known[rid][i] is None or known[rid][i] < since)
    )
    return counted + extra


def registered_by_end(ctx: MetricContext) -> int:
    """Active residents of the scope who had joined by the end of the range's last day."""
    joined_before = local_midnight(ctx.end + dt.timedelta(days=1), ctx)
    return residents(ctx).filter(date_joined__lt=joined_before).count()


def _live_days(ctx: MetricContext, since: dt.date) -> tuple[dict | None, dict]:
    mark = _mark(ctx)
    if mark is not None and ctx.end >= town_today(ctx):
        return _live_last_days(ctx, mark, since)
    return None, {}


def participants_in(ctx: MetricContext) -> int:
    """Residents of the scope with a row that counts as earned in the range (ranges
    ending today read the nightly ``ResidentActivity`` plus today's live rows)."""
    live, known = _live_days(ctx, ctx.start)
    return _residents_since(ctx, live, known, ctx.start, earned=True)


@metric_provider(order=10)
def participation(ctx: MetricContext) -> list:
    """Registered residents, participants in the range, active in the last 7 / 30 days."""
    registered = registered_by_end(ctx)
    live, known = _live_days(ctx, min(ctx.start, ctx.end - dt.timedelta(days=29)))
    participants = _residents_since(ctx, live, known, ctx.start, earned=True)

    def active(days: int) -> int:
        since = ctx.end - dt.timedelta(days=days - 1)
        return _residents_since(ctx, live, known, since, earned=False)

    return [
        Figure("residents", _("Registered residents"), registered),
        Figure("participants", _("Participants (earned points in the range)"), participants),
        Figure("active_7", _("Active in the last 7 days of the range"), active(7)),
        Figure("active_30", _("Active in the last 30 days of the range"), active(30)),
    ]


_CATEGORY_COLUMNS = {
    RuleCategory.FAMILY_NEIGHBOURHOOD: "issued_family_neighbourhood",
    RuleCategory.GOVERNANCE_VIRTUE: "issued_governance_virtue",
    RuleCategory.COMMUNITY_CONSTRUCTION: "issued_community_construction",
    "other": "issued_other",
}


def points_by_month(ctx: MetricContext) -> list[dict]:
    """Per local month of the range: points issued per rule category, adjustments, spent.

    ``issued`` counts rows that count as earned (awards and adjustments, net of
    their reversals); ``spent`` is the points taken by spends net of their
    refunds, so issued − spent over all time equals the sum of balances.
    ``deeds``: good-deed awards minus their reversals, each on its own day.
    Days the nightly job has counted come from ``DailyFigure`` (one row per
    community and day); the rest from the ledger, grouped in SQL by day and
    rule; both are folded into months here.
    """
    empty = {c: 0 for c in RuleCategory.values} | {"other": 0, "issued": 0, "spent": 0}
    months: dict[dt.date, dict] = {}

    def month_of(day: dt.date) -> dict:
        key = day.replace(day=1)
        return months.setdefault(key, {"month": key, **empty, "deeds": 0})

    mark = _mark(ctx)
    if mark is not None and ctx.start <= mark.through_day:
        daily = DailyFigure.objects.filter(
            town_id=ctx.town_id, day__range=(ctx.start, min(ctx.end, mark.through_day))
        )
        if ctx.community_id:
            daily = daily.filter(community_id=ctx.community_id)
        sums = {c: Sum(col) for c, col in _CATEGORY_COLUMNS.items()}
        day_rows: list[dict[str, Any]] = [
            dict(d)
            for d in daily.values("day")
            .annotate(**sums, spent_=Sum("spent"), deeds_=Sum("deeds"))
            .order_by()
        ]
        for d in day_rows:
            m = month_of(d["day"])
            for c in _CATEGORY_COLUMNS:
                m[c] += d[c]
                m["issued"] += d[c]
            m["spent"] += d["spent_"]
            m["deeds"] += d["deeds_"]

    town_rules = PointRule.objects.for_town(ctx.town_id)
    category_of = dict(town_rules.values_list("pk", "category"))
    deed_rule = town_rules.filter(code=GOOD_DEED_RULE).values_list("pk", flat=True).first()
    keys = ("local_date", "rule_id", "counts_as_earned", "kind")
    if mark is None:  # the job never ran: the whole range from the ledger
        grouped, rows = ledger(ctx).filter(local_date__range=(ctx.start, ctx.end)), []
    else:
        grouped, since_job = _live(ctx, mark, ctx.start)
        rows = [r | {"n": 1} for r in since_job]
    groups = chain(
        grouped.values(*keys).annotate(points=Sum("points"), n=Count("pk")).order_by(), rows
    )
    for g in groups:
        m = month_of(g["local_date"])
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
