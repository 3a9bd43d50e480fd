"""The dispute figures on the staff dashboard (counts only, never the parties)."""

from django.db.models import Count
from django.utils.translation import gettext as _

from civicpoints.core.metrics import Figure, MetricContext, Table, metric_provider
from civicpoints.disputes.models import Dispute, DisputeCategory
from civicpoints.disputes.selectors import disputes_year_on_year, shift_year


@metric_provider(order=60)
def disputes(ctx: MetricContext) -> list:
    """Disputes in the range against the same range a year earlier, by category."""
    yoy = disputes_year_on_year(
        town_id=ctx.town_id, start=ctx.start, end=ctx.end, community_id=ctx.community_id
    )
    qs = Dispute.objects.filter(town_id=ctx.town_id)
    if ctx.community_id:
        qs = qs.filter(community_id=ctx.community_id)

    def by_category(start, end):
        return dict(
            qs.filter(occurred_on__range=(start, end))
            .values_list("category")
            .annotate(n=Count("pk"))
        )

    now = by_category(ctx.start, ctx.end)
    before = by_category(shift_year(ctx.start, -1), shift_year(ctx.end, -1))
    rows = [[str(label), before.get(c, 0), now.get(c, 0)] for c, label in DisputeCategory.choices]
    chart = {
        "type": "bar",
        "stacked": False,
        "labels": [r[0] for r in rows],
        "datasets": [
            {"label": _("A year earlier"), "data": [r[1] for r in rows]},
            {"label": _("In the range"), "data": [r[2] for r in rows]},
        ],
    }
    return [
        Figure("disputes", _("Disputes in the range"), yoy.current),
        Figure("disputes_previous", _("Disputes a year earlier"), yoy.previous),
        Figure("disputes_yoy_percent", _("Disputes year on year (%)"), yoy.change_percent),
        Table(
            "disputes_by_category",
            _("Disputes by category, year on year"),
            [_("Category"), _("A year earlier"), _("In the range")],
            rows,
            chart,
        ),
    ]
