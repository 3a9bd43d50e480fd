"""Points API: my history, the rule catalog, leaderboards; the staff desk's awards and
adjustments. (``GET /me/points``, which adds my daily rank, is composed in
``civicpoints.portal.api``.)"""

from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictInt

from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.accounts.scope import require_staff, resident_for_staff, town_of
from civicpoints.core.bounds import Limit, ObjectId
from civicpoints.core.schemas import ErrorOut
from civicpoints.points import selectors, services
from civicpoints.points.models import PendingAdjustment, PointRule, PointTransaction

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
def rules(
    request: HttpRequest, category: str | None = None, town: str | None = None
) -> QuerySet[PointRule]:
    """The rule catalog in force today, in catalog order; filter by ``category`` code.

    Each town has its own catalog: the signed-in person's town's; for a visitor the
    town of ``town`` (its code), else the first town."""
    qs = PointRule.objects.for_town(selectors.catalog_town_id(request.user, town)).in_force()
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
        ...,
        min_length=8,
        max_length=100,
        description=(
            "Required; a new random key per award. Repeat it to retry safely: the first "
            "award is returned; the same key with another rule or resident is 409."
        ),
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
        ...,
        min_length=8,
        max_length=100,
        description=(
            "Required; a new random key per adjustment. Repeat it to retry safely; the "
            "same key with other points or another resident is 409."
        ),
    )


class PendingAdjustmentOut(Schema):
    """A manual adjustment above the town's threshold and its second-person decision."""

    id: int
    resident_id: int
    points: int
    reason: str
    status: str = Field(..., description="pending, confirmed or refused.")
    requested_by_id: int
    requested_at: str
    decided_by_id: int | None = None
    ledger_row_id: int | None = None

    @staticmethod
    def resolve_requested_at(obj: PendingAdjustment) -> str:
        return obj.requested_at.isoformat()


class RefuseIn(Schema):
    note: str = Field("", max_length=200)


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
    response={
        201: LedgerRowOut,
        200: LedgerRowOut,
        202: PendingAdjustmentOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
)
def staff_adjust(
    request: AuthedHttpRequest, resident_id: ObjectId, payload: StaffAdjustIn
) -> Status[PointTransaction | PendingAdjustment]:
    """Correct a balance by ``points`` with a required reason (kept on the ledger row).

    201/200: written (a replay is 200). 202: more than the town's threshold
    (``Town.manual_points_confirm_above``): a pending adjustment is filed and
    another staff member confirms it (``POST /staff/adjustments/{id}/confirm``).
    409 ``manual_daily_limit``: the actor's daily limit of manual points (by role).
    """
    resident = resident_for_staff(request.user, resident_id)
    if abs(payload.points) > services.confirm_threshold(town_of(resident)):
        pending = services.adjustment_request(
            actor=request.user,
            resident=resident,
            points=payload.points,
            reason=payload.reason,
            idempotency_key=f"adjust-request:{payload.idempotency_key}",
        )
        return Status(202, pending)
    row = services.points_adjust(
        actor=request.user,
        resident=resident,
        points=payload.points,
        reason=payload.reason,
        idempotency_key=f"adjust:{payload.idempotency_key}",
    )
    return Status(201 if row.created else 200, row)


@staff_router.get("/adjustments/pending", response=list[PendingAdjustmentOut])
def pending_adjustments(request: AuthedHttpRequest) -> list[PendingAdjustment]:
    """Adjustments waiting for a second staff member that I may decide (not my own), oldest
    first, at most 200."""
    require_staff(request.user)
    return list(selectors.pending_adjustments_for(request.user)[:200])


@staff_router.post(
    "/adjustments/{int:adjustment_id}/confirm",
    response={200: PendingAdjustmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def confirm_adjustment(request: AuthedHttpRequest, adjustment_id: ObjectId) -> PendingAdjustment:
    """Confirm another staff member's adjustment: the ledger row is written (idempotent)."""
    return services.adjustment_confirm(actor=request.user, adjustment_id=adjustment_id)


@staff_router.post(
    "/adjustments/{int:adjustment_id}/refuse",
    response={200: PendingAdjustmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def refuse_adjustment(
    request: AuthedHttpRequest, adjustment_id: ObjectId, payload: RefuseIn
) -> PendingAdjustment:
    """Refuse another staff member's adjustment: nothing reaches the ledger."""
    return services.adjustment_refuse(
        actor=request.user, adjustment_id=adjustment_id, note=payload.note
    )


class ExpiryOut(Schema):
    enabled: bool = Field(..., description="The town's points expiry is on (off by default).")
    next_expiry_on: str | None = Field(
        None, description="The next local date (31 Dec) at whose end points expire."
    )
    points_expiring: int = Field(
        0,
        description=(
            "My points that expire then if I spend or earn nothing more (oldest spent "
            "first); 0 when none."
        ),
    )
    reminder_due: bool = Field(
        False, description="True within 30 days of the expiry date when points expire."
    )


@router.get("/me/points/expiry", response=ExpiryOut)
def my_expiry(request: AuthedHttpRequest) -> dict[str, object]:
    """My town's points expiry and what of mine it takes at the next expiry date
    (``points.expiry``; residents; 403 ``no_town`` for the platform operator)."""
    from civicpoints.points import expiry

    policy = expiry.policy_for(town_of(request.user))
    expires_on = expiry.next_expiry(policy)
    if expires_on is None:
        return {"enabled": False}
    account = selectors.account_for(request.user)
    due = expiry.expiring_points(
        request.user.pk,
        balance=account.balance,
        cutoff=expiry.cutoff_for(expires_on, policy.years_kept),
    )
    return {
        "enabled": True,
        "next_expiry_on": expires_on.isoformat(),
        "points_expiring": due,
        "reminder_due": expiry.expiry_notice(request.user) is not None,
    }
