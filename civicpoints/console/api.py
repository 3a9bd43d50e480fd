"""The town console's API (town admins only; anyone else gets 403 ``town_admin_only``).

Everything is inside the admin's own town: ids of another town answer 404. Errors are
``{code, detail, field}`` with the field named as in the request body.
"""

from typing import Literal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from civicpoints.accounts import selectors, services
from civicpoints.accounts.scope import require_town_admin
from civicpoints.core.bounds import ObjectId
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.core.schemas import ErrorOut

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
