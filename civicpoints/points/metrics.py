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
