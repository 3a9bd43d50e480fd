"""Points API: my balance and history, the rule catalog, leaderboards."""

from typing import Literal

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from civicpoints.points import selectors
from civicpoints.points.models import PointRule

router = Router(tags=["points"])


class RuleOut(Schema):
    code: str
    category: str
    category_label: str
    name: str = Field(..., description="In the request's language (zh-hans default, en).")
    name_zh: str
    name_en: str
    description: str
    points: int
    daily_limit: int | None = Field(None, description="Most awards per local day.")
    period: str | None
    period_limit: int | None
    requires_confirmation: bool
    claimable: bool

    @staticmethod
    def resolve_category_label(obj: PointRule) -> str:
        return str(obj.get_category_display())


class BalanceOut(Schema):
    balance: int = Field(..., description="Points available to spend.")
    lifetime_earned: int = Field(..., description="Points ever earned, net of reversals.")
    points_today: int = Field(..., description="Earned today (the town's local day).")
    rank_town: int | None = Field(
        None, description="Rank in the town's latest daily ranking (None: not ranked yet)."
    )


class TransactionOut(Schema):
    id: int
    kind: str
    kind_label: str
    points: int
    balance_after: int
    rule_code: str | None = Field(None, alias="rule.code")
    rule_name: str | None = Field(None, alias="rule.name")
    cause: str | None = Field(None, description="app.model:id of the source object")
    memo: str
    created_at: str
    local_date: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_cause(obj) -> str | None:
        if not obj.cause_type_id:
            return None
        return f"{obj.cause_type.app_label}.{obj.cause_type.model}:{obj.cause_id}"

    @staticmethod
    def resolve_created_at(obj) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_local_date(obj) -> str:
        return obj.local_date.isoformat()


class LeaderboardRowOut(Schema):
    rank: int
    resident_id: int
    nickname: str
    community: str
    points: int


class LeaderboardOut(Schema):
    scope: str
    period: str
    rows: list[LeaderboardRowOut]
    my_rank: int | None
    my_points: int


@router.get("/rules", response=list[RuleOut], auth=None)
def rules(request, category: str | None = None):
    """The rule catalog in force today, in catalog order; filter by ``category`` code."""
    qs = PointRule.objects.in_force()
    if category:
        qs = qs.filter(category=category)
    return qs


@router.get("/me/points", response=BalanceOut)
def my_points(request):
    """My balance, lifetime earned, points earned today (local day) and my town rank in
    the latest daily ranking (points earned to the end of that local day)."""
    from civicpoints.rankings.selectors import my_daily_rank

    account = selectors.account_for(request.user)
    mine = my_daily_rank(request.user)
    return {
        "balance": account.balance,
        "lifetime_earned": account.lifetime_earned,
        "points_today": selectors.points_today(request.user),
        "rank_town": mine.rank if mine else None,
    }


@router.get("/me/transactions", response=list[TransactionOut])
@paginate
def my_transactions(request):
    """My ledger rows, newest first (limit/offset paging)."""
    return selectors.history(request.user)


@router.get("/leaderboard", response=LeaderboardOut)
def leaderboard(
    request,
    scope: Literal["town", "community"] = "town",
    period: Literal["today", "week", "month", "year", "all"] = "all",
    limit: int = 100,
):
    """Top residents of my town or community by points earned in the period (local
    days), ties sharing a rank (1, 2, 2, 4), plus my own rank even outside the top."""
    return selectors.leaderboard(request.user, scope=scope, period=period, limit=limit)
