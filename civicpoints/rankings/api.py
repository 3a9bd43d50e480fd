"""Rankings API: the daily ranking with change arrows, household boards, honours."""

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema

from civicpoints.core.bounds import Limit, LocalDate
from civicpoints.rankings import selectors, services

router = Router(tags=["rankings"])


class DailyRowOut(Schema):
    rank: int
    resident_id: int
    nickname: str
    community: str
    points: int = Field(..., description="Points earned up to the end of the day.")
    day_points: int = Field(..., description="Points earned on the day itself.")
    change: int | None = Field(
        None, description="Places gained since the day before (negative: lost); null if new."
    )


class DailyBoardOut(Schema):
    day: dt.date | None = Field(
        None, description="Local day of the snapshot; null before the first."
    )
    scope: str
    rows: list[DailyRowOut]
    mine: DailyRowOut | None


class HouseholdRowOut(Schema):
    rank: int
    household_id: int
    name: str
    community: str
    points: int


class HouseholdBoardOut(Schema):
    scope: str
    period: str
    rows: list[HouseholdRowOut]
    my_rank: int | None
    my_points: int


class HonourOut(Schema):
    id: int
    kind: str
    kind_label: str
    community: str = Field(..., alias="community.name")
    period_start: dt.date
    holder: str
    points: int
    status: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_holder(obj) -> str:
        return obj.resident.nickname if obj.resident_id else obj.household.name


class HonourPeriodIn(Schema):
    kind: Literal["civic_star", "civilized_household"]
    period_start: LocalDate = Field(..., description="First local day of the month / 1 January.")


class PublishedOut(Schema):
    published: int


@router.get("/rankings/daily", response=DailyBoardOut)
def daily(
    request,
    scope: Literal["town", "community"] = "town",
    day: LocalDate | None = None,
    limit: Limit = 100,
):
    """The daily ranking (latest snapshot, or local ``day``) of my town or community:
    competition ranks (1, 2, 2, 4), the change against the day before, and my own row
    even outside the top ``limit``."""
    return selectors.daily_board(request.user, scope=scope, day=day, limit=limit)


@router.get("/rankings/households", response=HouseholdBoardOut)
def households(
    request,
    scope: Literal["town", "community"] = "town",
    period: Literal["today", "week", "month", "year", "all"] = "all",
    limit: Limit = 100,
):
    """Households by the points their active members earned in the period, and mine."""
    return selectors.household_leaderboard(request.user, scope=scope, period=period, limit=limit)


@router.get("/honours", response=list[HonourOut])
def honour_roll(request):
    """The published honours of my town, newest period first."""
    return list(selectors.honour_roll(request.user.town_id)[:200])


@router.post("/staff/honours/evaluate", response=list[HonourOut])
def evaluate(request, body: HonourPeriodIn):
    """Staff: propose the honours of a finished month/year in my scope (drafts).
    Errors: 403 ``staff_only``; 422 ``invalid`` / ``period_not_over`` (field period_start)."""
    return services.honours_evaluate(actor=request.user, **body.dict())


@router.post("/staff/honours/publish", response=PublishedOut)
def publish(request, body: HonourPeriodIn):
    """Staff: publish the drafts of the period in my scope; 404 ``no_drafts`` if none."""
    return {"published": services.honours_publish(actor=request.user, **body.dict())}
