"""Dashboard API: the staff figures as JSON, and the public headline."""

import datetime as dt

from ninja import Field, Router, Schema

from civicpoints.core.bounds import LocalDate, ObjectId
from civicpoints.dashboard import selectors
from civicpoints.dashboard.district import district_overview

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


class ComparedOut(Schema):
    key: str
    label: str
    current: int = Field(description="This year to date (points, or a count).")
    previous: int = Field(description="The same local dates of last year.")
    change_percent: int | None = Field(
        None, description="Year on year, whole percent; null when last year was 0."
    )


class TownColumnOut(Schema):
    code: str
    name: str
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    figures: list[ComparedOut]


class DistrictOut(Schema):
    code: str
    name: str
    towns: list[TownColumnOut]


@router.get("/staff/dashboard", response=DashboardOut)
def dashboard(
    request,
    start: LocalDate | None = None,
    end: LocalDate | None = None,
    community: ObjectId | None = None,
    town: str | None = None,
):
    """Staff: every dashboard figure and table for my scope over local dates [start, end]
    (default: this year to date). Community staff always get their own community. A
    district admin reads the town ``town`` (its code) of their district.
    Errors: 403 ``staff_only``; 404 (field community, or field town for a district
    admin naming no town of their district); 422 ``range_reversed`` /
    ``range_too_long`` (field start)."""
    ctx = selectors.dashboard_context(
        request.user, start=start, end=end, community_id=community, town_code=town
    )
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


@router.get("/staff/district", response=DistrictOut)
def district(request):
    """District admin: each town of my district side by side — registered residents,
    participants, points issued and spent, good deeds, merchants, disputes — this year
    to date (each town's own local dates) against the same dates of last year.
    Errors: 403 ``district_admin_only``."""
    columns = district_overview(request.user)
    d = request.user.district
    return {
        "code": d.code,
        "name": d.name,
        "towns": [
            {
                "code": c.town.code,
                "name": c.town.name,
                "start": c.start,
                "end": c.end,
                "previous_start": c.previous_start,
                "previous_end": c.previous_end,
                "figures": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "current": f.current,
                        "previous": f.previous,
                        "change_percent": f.change_percent,
                    }
                    for f in c.figures
                ],
            }
            for c in columns
        ],
    }
