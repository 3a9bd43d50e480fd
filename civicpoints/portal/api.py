"""API operations that compose several apps (the entry layer's share of ``/api/v1/``)."""

from typing import Any

from ninja import Field, Router, Schema

from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.points import selectors as points
from civicpoints.rankings.selectors import my_daily_rank

router = Router(tags=["points"])


class BalanceOut(Schema):
    balance: int = Field(..., description="Points available to spend.")
    lifetime_earned: int = Field(..., description="Points ever earned, net of reversals.")
    points_today: int = Field(..., description="Earned today (the town's local day).")
    rank_town: int | None = Field(
        None, description="Rank in the town's latest daily ranking (None: not ranked yet)."
    )


@router.get("/me/points", response=BalanceOut)
def my_points(request: AuthedHttpRequest) -> dict[str, Any]:
    """My balance and lifetime earned (points), points earned today (the town's local
    day) and my town rank in the latest daily ranking (points earned to the end of that
    local day; None before my first snapshot)."""
    account = points.account_for(request.user)
    mine = my_daily_rank(request.user)
    return {
        "balance": account.balance,
        "lifetime_earned": account.lifetime_earned,
        "points_today": points.points_today(request.user),
        "rank_town": mine.rank if mine else None,
    }
