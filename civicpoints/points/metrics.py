"""Issuance budgets on the staff dashboard: this month's use and a forecast per budget."""

from django.utils.translation import gettext as _

from civicpoints.core.metrics import Figure, MetricContext, Table, metric_provider
from civicpoints.points.budgets import budget_overview


@metric_provider(order=15)
def issuance_budgets(ctx: MetricContext) -> list[Figure | Table]:
    """Town-wide (budgets are the town's): use in the local month containing ``ctx.end``
    and a straight-line forecast for that month, in points."""
    rows = budget_overview(town_id=ctx.town_id, day=ctx.end)
    if not rows:
        return []
    table = [
        [
            r.budget.rule.name if r.budget.rule else r.budget.get_category_display(),
            r.budget.get_mode_display(),
            r.budget.points,
            r.used,
            r.percent,
            r.forecast,
            r.forecast_percent,
            r.queued,
        ]
        for r in rows
    ]
    return [
        Figure(
            "budgets_over_forecast",
            _("Budgets forecast to run out this month"),
            sum(r.forecast > r.budget.points for r in rows),
            _("town-wide"),
        ),
        Table(
            "issuance_budgets",
            _("Points budgets this month"),
            [
                _("Rule or category"),
                _("Past the budget"),
                _("Budget (points)"),
                _("Used (points)"),
                _("Used (%)"),
                _("Forecast (points)"),
                _("Forecast (%)"),
                _("Awards waiting"),
            ],
            table,
            {
                "type": "bar",
                "stacked": False,
                "labels": [r[0] for r in table],
                "datasets": [
                    {"label": _("Used (points)"), "data": [r[3] for r in table]},
                    {"label": _("Forecast (points)"), "data": [r[5] for r in table]},
                    {"label": _("Budget (points)"), "data": [r[2] for r in table]},
                ],
            },
        ),
    ]


@metric_provider(order=16)
def points_expiry(ctx: MetricContext) -> list[Figure | Table]:
    """Points expired on the period's local days, and those due at the town's next
    expiry date (both for ``ctx.community_id`` when set); nothing while the town's
    expiry policy is off and nothing ever expired."""
    from civicpoints.points import expiry

    expired = expiry.expired_points(
        town_id=ctx.town_id, start=ctx.start, end=ctx.end, community_id=ctx.community_id
    )
    expires_on, due = expiry.points_due_to_expire(
        town_id=ctx.town_id, community_id=ctx.community_id
    )
    if expires_on is None and not expired:
        return []
    figures: list[Figure | Table] = [Figure("points_expired", _("Points expired"), expired)]
    if expires_on is not None:
        figures.append(
            Figure(
                "points_due_to_expire",
                _("Points due to expire"),
                due,
                _("on %(date)s") % {"date": expires_on.isoformat()},
            )
        )
    return figures
