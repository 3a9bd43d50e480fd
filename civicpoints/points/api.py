"""Points API: my history, the rule catalog, leaderboards; the staff desk's awards and
adjustments. (``GET /me/points``, which adds my daily rank, is composed in
``civicpoints.portal.api``.)"""

import uuid
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictInt

from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.accounts.scope import resident_for_staff
from civicpoints.core.bounds import Limit, ObjectId
from civicpoints.core.schemas import ErrorOut
from civicpoints.points import selectors, services
from civicpoints.points.models import PointRule, PointTransaction

router = Router(tags=["points"])
staff_router = Router(tags=["staff"])


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
    def resolve_kind_label(obj: PointTransaction) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_cause(obj: PointTransaction) -> str | None:
        if obj.cause_type is None:
            return None
        return f"{obj.cause_type.app_label}.{obj.cause_type.model}:{obj.cause_id}"

    @staticmethod
    def resolve_created_at(obj: PointTransaction) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_local_date(obj: PointTransaction) -> str:
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
def rules(request: HttpRequest, category: str | None = None) -> QuerySet[PointRule]:
    """The rule catalog in force today, in catalog order; filter by ``category`` code."""
    qs = PointRule.objects.in_force()
    if category:
        qs = qs.filter(category=category)
    return qs


@router.get("/me/transactions", response=list[TransactionOut])
@paginate
def my_transactions(request: AuthedHttpRequest) -> QuerySet[PointTransaction]:
    """My ledger rows, newest first (limit/offset paging)."""
    return selectors.history(request.user)


@router.get("/leaderboard", response=LeaderboardOut)
def leaderboard(
    request: AuthedHttpRequest,
    scope: Literal["town", "community"] = "town",
    period: Literal["today", "week", "month", "year", "all"] = "all",
    limit: Limit = 100,
) -> selectors.Leaderboard:
    """Top residents of my town or community by points earned in the period (local
    days), ties sharing a rank (1, 2, 2, 4), plus my own rank even outside the top."""
    return selectors.leaderboard(request.user, scope=scope, period=period, limit=limit)


class StaffAwardIn(Schema):
    rule: str = Field(..., description="Rule code from the catalog, e.g. voluntary_patrol.")
    note: str = Field("", max_length=200)
    idempotency_key: str = Field(
        default_factory=lambda: uuid.uuid4().hex,
        min_length=8,
        max_length=100,
        description="Repeat the same key to retry safely; the first award is returned.",
    )


class StaffAdjustIn(Schema):
    points: StrictInt = Field(
        ...,
        ge=-100_000,
        le=100_000,
        description="Signed whole points, non-zero, |points| ≤ 100000.",
    )
    reason: str = Field(..., max_length=200)
    idempotency_key: str = Field(
        default_factory=lambda: uuid.uuid4().hex, min_length=8, max_length=100
    )


class LedgerRowOut(Schema):
    id: int
    kind: str
    points: int
    balance_after: int
    rule: str | None = Field(None, alias="rule.code")
    memo: str
    created_at: str
    local_date: str
    replayed: bool = False

    @staticmethod
    def resolve_created_at(obj: PointTransaction) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_local_date(obj: PointTransaction) -> str:
        return obj.local_date.isoformat()

    @staticmethod
    def resolve_replayed(obj: PointTransaction) -> bool:
        return not getattr(obj, "created", True)


@staff_router.post(
    "/residents/{int:resident_id}/awards",
    response={201: LedgerRowOut, 200: LedgerRowOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def staff_award(
    request: AuthedHttpRequest, resident_id: ObjectId, payload: StaffAwardIn
) -> Status[PointTransaction]:
    """Award a catalog rule by hand (after a patrol, at the office). 201 new, 200 replay."""
    resident = resident_for_staff(request.user, resident_id)
    row = services.points_award_by_staff(
        actor=request.user,
        resident=resident,
        rule_code=payload.rule,
        note=payload.note,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201 if row.created else 200, row)


@staff_router.post(
    "/residents/{int:resident_id}/adjustments",
    response={201: LedgerRowOut, 200: LedgerRowOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def staff_adjust(
    request: AuthedHttpRequest, resident_id: ObjectId, payload: StaffAdjustIn
) -> Status[PointTransaction]:
    """Correct a balance by ``points`` with a required reason (kept on the ledger row)."""
    resident = resident_for_staff(request.user, resident_id)
    row = services.points_adjust(
        actor=request.user,
        resident=resident,
        points=payload.points,
        reason=payload.reason,
        idempotency_key=f"adjust:{payload.idempotency_key}",
    )
    return Status(201 if row.created else 200, row)
