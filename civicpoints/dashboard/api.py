"""Dashboard API: the staff figures as JSON, and the public headline."""

import datetime as dt

from ninja import Field, Router, Schema

from civicpoints.core.bounds import LocalDate, ObjectId
from civicpoints.dashboard import selectors

router = Router(tags=["dashboard"])


class FigureOut(Schema):
    key: str
    label: str
    value: int | None
    note: str


class TableOut(Schema):
    key: str
    title: str
    columns: list[str]
    rows: list[list]


class DashboardOut(Schema):
    start: dt.date
    end: dt.date
    community_id: int | None = Field(None, description="null: the whole town")
    figures: list[FigureOut]
    tables: list[TableOut]


class HeadlineOut(Schema):
    town: str
    participants: int
    total_points: int
    good_deeds: int
    disputes_current: int
    disputes_previous: int
    disputes_change_percent: int | None = Field(
        None, description="Year on year, whole percent (−76: down 76 %)."
    )


@router.get("/staff/dashboard", response=DashboardOut)
def dashboard(
    request,
    start: LocalDate | None = None,
    end: LocalDate | None = None,
    community: ObjectId | None = None,
):
    """Staff: every dashboard figure and table for my scope over local dates [start, end]
    (default: this year to date). Community staff always get their own community.
    Errors: 403 ``staff_only``; 404 (field community); 422 ``range_reversed`` /
    ``range_too_long`` (field start)."""
    ctx = selectors.dashboard_context(request.user, start=start, end=end, community_id=community)
    figures, tables = selectors.dashboard_figures(ctx)
    return {
        "start": ctx.start,
        "end": ctx.end,
        "community_id": ctx.community_id,
        "figures": [f.__dict__ for f in figures],
        "tables": [
            {"key": t.key, "title": t.title, "columns": t.columns, "rows": t.rows} for t in tables
        ],
    }


@router.get("/figures", response=HeadlineOut, auth=None)
def figures(request, town: str | None = None):
    """Public: the town's headline figures (participants, points, good deeds, disputes YoY)."""
    h = selectors.public_headline(selectors.public_town(town))
    return {
        "town": h.town.name,
        "participants": h.participants,
        "total_points": h.total_points,
        "good_deeds": h.good_deeds,
        "disputes_current": h.disputes.current,
        "disputes_previous": h.disputes.previous,
        "disputes_change_percent": h.disputes.change_percent,
    }
