"""The town console's API (town admins only; anyone else gets 403 ``town_admin_only``).

Everything is inside the admin's own town: ids of another town answer 404. Errors are
``{code, detail, field}`` with the field named as in the request body.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicpoints.accounts import selectors, services
from civicpoints.accounts.scope import require_town_admin
from civicpoints.core.bounds import Count, LocalDate, ObjectId
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.core.schemas import ErrorOut
from civicpoints.points import budgets, governance

router = Router(tags=["town console"])

StaffRole = Literal["community_staff", "grid_worker", "town_admin"]
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class GridOut(Schema):
    id: int
    name: str


class CommunityOut(Schema):
    id: int
    name: str
    residents: int = 0
    grids: list[GridOut]

    @staticmethod
    def resolve_grids(obj):
        return list(obj.grids.all())


class NameIn(Schema):
    name: str


class StaffOut(Schema):
    id: int
    nickname: str
    mobile: str
    role: str
    community_id: int | None
    grid_id: int | None
    is_active: bool


class StaffInviteIn(Schema):
    mobile: str
    nickname: str
    role: StaffRole
    community_id: ObjectId | None = None
    grid_id: ObjectId | None = None


class StaffMoveIn(Schema):
    role: StaffRole
    community_id: ObjectId | None = None
    grid_id: ObjectId | None = None


class StaffActiveIn(Schema):
    active: bool


class HouseholdOut(Schema):
    id: int
    name: str
    community_id: int
    head_id: int | None
    members_count: int = 0


class HouseholdIn(Schema):
    community_id: ObjectId
    name: str


class MemberOut(Schema):
    id: int
    nickname: str
    mobile: str


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]


class HeadIn(Schema):
    resident_id: ObjectId


class MoveIn(Schema):
    household_id: ObjectId | None = None


def _community(actor, community_id):
    return selectors.town_communities(actor).get(pk=community_id)


@router.get("/communities", response={200: list[CommunityOut], 403: ErrorOut})
def communities(request):
    """My town's communities with their grids and resident counts, by name."""
    require_town_admin(request.user)
    return list(selectors.town_communities(request.user))


@router.post("/communities", response={201: CommunityOut, **ERRORS})
def community_create(request, body: NameIn):
    """Add a community. 422 (field ``name``) empty/too long; 409 ``name_taken``."""
    c = services.community_create(actor=request.user, name=body.name)
    return Status(201, _community(request.user, c.pk))


@router.patch("/communities/{int:community_id}", response={200: CommunityOut, **ERRORS})
def community_rename(request, community_id: ObjectId, body: NameIn):
    """Rename a community of my town. 404 outside it; 409 ``name_taken``."""
    services.community_rename(actor=request.user, community_id=community_id, name=body.name)
    return _community(request.user, community_id)


@router.post("/communities/{int:community_id}/grids", response={201: GridOut, **ERRORS})
def grid_create(request, community_id: ObjectId, body: NameIn):
    """Add a grid to a community of my town. 404 outside it; 409 ``name_taken``."""
    return Status(
        201, services.grid_create(actor=request.user, community_id=community_id, name=body.name)
    )


@router.patch("/grids/{int:grid_id}", response={200: GridOut, **ERRORS})
def grid_rename(request, grid_id: ObjectId, body: NameIn):
    """Rename a grid of my town. 404 outside it; 409 ``name_taken``."""
    return services.grid_rename(actor=request.user, grid_id=grid_id, name=body.name)


@router.get("/staff", response={200: list[StaffOut], 403: ErrorOut})
@paginate(BoundedLimitOffsetPagination)
def staff(request):
    """Staff accounts of my town (full mobile numbers: the admin covers them)."""
    require_town_admin(request.user)
    return selectors.town_staff(request.user)


@router.post("/staff", response={201: StaffOut, **ERRORS})
def staff_invite(request, body: StaffInviteIn):
    """Invite a staff member by mobile: the account is created with the role and scope,
    and a one-time password goes out by SMS (never in the response). 422 names
    ``mobile``, ``nickname``, ``role``, ``community_id`` or ``grid_id``; 409
    ``mobile_taken``."""
    return Status(201, services.staff_invite(actor=request.user, **body.dict()))


@router.patch("/staff/{int:user_id}", response={200: StaffOut, **ERRORS})
def staff_move(request, user_id: ObjectId, body: StaffMoveIn):
    """Change a staff member's role and scope. 404 outside my town; 409 ``own_role``."""
    return services.staff_move(actor=request.user, user_id=user_id, **body.dict())


@router.post("/staff/{int:user_id}/active", response={200: StaffOut, **ERRORS})
def staff_active(request, user_id: ObjectId, body: StaffActiveIn):
    """Deactivate (``active: false``) or reactivate a staff account. 409 ``own_account``."""
    return services.staff_set_active(actor=request.user, user_id=user_id, active=body.active)


@router.get("/households", response={200: list[HouseholdOut], 403: ErrorOut})
@paginate(BoundedLimitOffsetPagination)
def households(request, community_id: ObjectId | None = None, q: str = ""):
    """Households of my town (optionally one community, a name fragment ``q``)."""
    require_town_admin(request.user)
    return selectors.town_households(request.user, community_id=community_id, q=q)


def _household(actor, household_id) -> dict:
    h = selectors.town_households(actor).get(pk=household_id)
    return {
        "id": h.pk,
        "name": h.name,
        "community_id": h.community_id,
        "head_id": h.head_id,
        "members_count": getattr(h, "members_count", 0),
        "members": list(selectors.household_members(h)),
    }


@router.post("/households", response={201: HouseholdDetailOut, **ERRORS})
def household_create(request, body: HouseholdIn):
    """Add a household (e.g. a door number) to a community of my town. 409 ``name_taken``."""
    h = services.household_create(actor=request.user, **body.dict())
    return Status(201, _household(request.user, h.pk))


@router.get("/households/{int:household_id}", response={200: HouseholdDetailOut, **ERRORS})
def household(request, household_id: ObjectId):
    """A household of my town with its members (the head first)."""
    services.household_of_town(request.user, household_id)
    return _household(request.user, household_id)


@router.post("/households/{int:household_id}/head", response={200: HouseholdDetailOut, **ERRORS})
def household_head(request, household_id: ObjectId, body: HeadIn):
    """Make a member the head. 422 (field ``resident_id``) ``not_a_member``."""
    services.household_set_head(
        actor=request.user, household_id=household_id, resident_id=body.resident_id
    )
    return _household(request.user, household_id)


@router.post("/residents/{int:resident_id}/household", response={200: MemberOut, **ERRORS})
def member_move(request, resident_id: ObjectId, body: MoveIn):
    """Move a resident of my town into household ``household_id`` (null: out of any).
    Another community's household moves the resident to that community."""
    return services.household_member_move(
        actor=request.user, resident_id=resident_id, household_id=body.household_id
    )


# --- the rule catalog (rule governance) ----------------------------------------------------


class RuleOut(Schema):
    id: int
    code: str
    category: str
    name_zh: str
    name_en: str
    points: int = Field(description="Points an award grants today.")
    daily_limit: int | None
    period: str | None
    period_limit: int | None
    requires_confirmation: bool
    claimable: bool
    is_active: bool
    automatic: bool = Field(description="Earned on the platform without a staff member.")

    @staticmethod
    def resolve_automatic(obj):
        return obj.is_automatic


class RuleVersionOut(Schema):
    number: int
    effective_from: dt.date = Field(description="Local date the version takes effect.")
    reason: str
    created_by: str | None = Field(description="Nickname; null for the shipped catalog.")
    created_at: dt.datetime
    points: int
    daily_limit: int | None
    period: str | None
    period_limit: int | None
    requires_confirmation: bool
    claimable: bool
    is_active: bool

    @staticmethod
    def resolve_created_by(obj):
        return obj.created_by.nickname if obj.created_by_id else None


class RuleDetailOut(RuleOut):
    versions: list[RuleVersionOut] = Field(description="Newest first.")

    @staticmethod
    def resolve_versions(obj):
        return governance.rule_history(obj)


class RuleChangeIn(Schema):
    """Only the fields given change; the others keep the latest version's value."""

    reason: str = Field(description="Why (required, at most 200 characters).")
    effective_from: LocalDate | None = Field(
        None, description="Local date the change takes effect: today (default) or later."
    )
    points: Count | None = Field(None, description="1 … 10,000 points.")
    daily_limit: Count | None = Field(None, description="Times per local day, 1 … 1,000.")
    period: Literal["week", "month", "year", ""] | None = None
    period_limit: Count | None = Field(None, description="Times per period, 1 … 1,000.")
    requires_confirmation: bool | None = None
    claimable: bool | None = None
    is_active: bool | None = None
    name_zh: str | None = None
    name_en: str | None = None
    description_zh: str | None = None
    description_en: str | None = None


class QueuedAwardOut(Schema):
    id: int
    resident_id: int
    resident: str
    rule: str
    points: int
    reason: str = Field(description="confirmation | budget")
    status: str
    memo: str
    created_at: dt.datetime

    @staticmethod
    def resolve_resident(obj):
        return obj.resident.nickname

    @staticmethod
    def resolve_rule(obj):
        return obj.rule.code

    @staticmethod
    def resolve_points(obj):
        return obj.rule.points


class DecisionIn(Schema):
    why: str = Field(description="Why (required, at most 200 characters).")


@router.get("/rules", response={200: list[RuleOut], 403: ErrorOut})
@paginate(BoundedLimitOffsetPagination)
def rules(request):
    """My town's rule catalog in catalog order (the values in force today)."""
    return governance.town_rules(request.user)


@router.get("/rules/{int:rule_id}", response={200: RuleDetailOut, **ERRORS})
def rule(request, rule_id: ObjectId):
    """One rule of my town with its history (newest version first). 404 outside it."""
    return governance.rule_for_admin(request.user, rule_id)


@router.post("/rules/{int:rule_id}/versions", response={201: RuleVersionOut, **ERRORS})
def rule_change(request, rule_id: ObjectId, body: RuleChangeIn):
    """Change a rule of my town: a new version (who: me; when: now; why: ``reason``; from
    ``effective_from``, a local date, today or later). Fields left out keep their value;
    ``null`` for ``daily_limit`` / ``period_limit`` / ``period`` is sent as given only
    when named. 422 names the field (``reason``, ``effective_from``, a rule field, or
    ``changes`` when nothing changes); 404 outside my town."""
    data = body.dict(exclude_unset=True)
    reason = data.pop("reason")
    effective_from = data.pop("effective_from", None)
    if data.get("period") == "":
        data["period"] = None
    version = governance.rule_change(
        actor=request.user,
        rule_id=rule_id,
        changes=data,
        reason=reason,
        effective_from=effective_from,
    )
    return Status(201, version)


@router.get("/queued-awards", response={200: list[QueuedAwardOut], 403: ErrorOut})
@paginate(BoundedLimitOffsetPagination)
def queued_awards(request):
    """Awards of my town waiting for a decision, oldest first: ``reason`` ``confirmation``
    (the rule needs staff confirmation) or ``budget`` (past a ``confirm`` budget)."""
    return budgets.queued_awards(request.user)


@router.post("/queued-awards/{int:queued_id}/confirm", response={200: QueuedAwardOut, **ERRORS})
def queued_award_confirm(request, queued_id: ObjectId, body: DecisionIn):
    """Confirm a waiting award: the points are written now, me as the confirming staff
    member. ``status`` comes back ``refused`` (with ``memo``) when the ledger refuses it
    (a cap reached meanwhile, the resident closed). 422 names ``why`` (empty, too long)
    or ``status`` (``decided``)."""
    return budgets.queued_award_confirm(actor=request.user, queued_id=queued_id, why=body.why)


@router.post("/queued-awards/{int:queued_id}/refuse", response={200: QueuedAwardOut, **ERRORS})
def queued_award_refuse(request, queued_id: ObjectId, body: DecisionIn):
    """Refuse a waiting award with a reason; nothing reaches the ledger. 422 names
    ``why`` (empty, too long) or ``status`` (decided already)."""
    return budgets.queued_award_refuse(actor=request.user, queued_id=queued_id, why=body.why)
