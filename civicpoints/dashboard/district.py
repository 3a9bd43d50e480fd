"""The district page: each town of a district side by side, year on year (issue 14, item 6).

For every town of the district admin's district: this year to date (1 January to
the town's own today) against the same days of last year — registered residents,
participants, points issued and spent, good deeds, merchants, disputes. The points
and good deeds come from the nightly daily figures (``DailyFigure``) plus the rows
not counted yet, exactly as on the town's dashboard; participants of the current
year from ``ResidentActivity`` plus today's rows. Reading only: a district admin acts
in no town.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from civicpoints.accounts.models import Town, User
from civicpoints.accounts.services import district_towns
from civicpoints.core.metrics import MetricContext
from civicpoints.core.timeutil import local_midnight, town_today
from civicpoints.dashboard.providers import participants_in, points_by_month, registered_by_end
from civicpoints.disputes.selectors import disputes_year_on_year, shift_year
from civicpoints.merchants.models import Merchant

#: The figures compared, in the order shown: (key, label).
FIGURE_KEYS = (
    "residents",
    "participants",
    "points_issued",
    "points_spent",
    "good_deeds",
    "merchants",
    "disputes",
)


def figure_labels() -> dict[str, str]:
    """The figures' labels in the active language."""
    return {
        "residents": _("Registered residents"),
        "participants": _("Participants (earned points in the range)"),
        "points_issued": _("Points issued"),
        "points_spent": _("Points spent"),
        "good_deeds": _("Good deeds shared"),
        "merchants": _("Merchants in the alliance"),
        "disputes": _("Disputes"),
    }


@dataclass(frozen=True)
class Compared:
    """One figure this year to date and over the same days of last year."""

    key: str
    label: str
    current: int
    previous: int

    @property
    def change_percent(self) -> int | None:
        """(current − previous) / previous × 100, whole percent; None when previous is 0."""
        if not self.previous:
            return None
        return round((self.current - self.previous) * 100 / self.previous)


@dataclass(frozen=True)
class TownColumn:
    """One town of the district: its ranges (local dates) and its compared figures."""

    town: Town
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    figures: list[Compared]


def _merchants_by(ctx: MetricContext) -> int:
    """Merchants approved now that had joined the alliance by the end of the range."""
    return Merchant.objects.filter(
        town_id=ctx.town_id,
        status=Merchant.Status.APPROVED,
        created_at__lt=local_midnight(ctx.end + dt.timedelta(days=1), ctx),
    ).count()


def _figures(ctx: MetricContext) -> dict[str, int]:
    months = points_by_month(ctx)
    return {
        "residents": registered_by_end(ctx),
        "participants": participants_in(ctx),
        "points_issued": sum(m["issued"] for m in months),
        "points_spent": sum(m["spent"] for m in months),
        "good_deeds": sum(m["deeds"] for m in months),
        "merchants": _merchants_by(ctx),
    }


def town_column(town: Town, *, today: dt.date | None = None) -> TownColumn:
    """``town``'s figures this year to date (1 January to ``today``, default the
    town's own today) against the same local dates a year earlier."""
    end = today or town_today(town)
    start = end.replace(month=1, day=1)
    now = MetricContext(town.pk, None, start, end, time_zone=town.time_zone)
    before = MetricContext(
        town.pk, None, shift_year(start, -1), shift_year(end, -1), time_zone=town.time_zone
    )
    current, previous = _figures(now), _figures(before)
    disputes = disputes_year_on_year(town_id=town.pk, start=start, end=end)
    current["disputes"], previous["disputes"] = disputes.current, disputes.previous
    labels = figure_labels()
    return TownColumn(
        town=town,
        start=start,
        end=end,
        previous_start=before.start,
        previous_end=before.end,
        figures=[Compared(k, labels[k], current[k], previous[k]) for k in FIGURE_KEYS],
    )


def district_overview(actor: User, *, today: dt.date | None = None) -> list[TownColumn]:
    """Every town of ``actor``'s district, by name, with its compared figures.

    Args:
        actor: a district admin.
        today: the local date to treat as today in every town (default: each town's own).

    Raises OutOfScope (code ``district_admin_only``) for anyone else.
    """
    return [town_column(town, today=today) for town in district_towns(actor)]
