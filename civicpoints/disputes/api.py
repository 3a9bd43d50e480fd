"""Disputes API for staff: list and record disputes, record the mediation outcome."""

import datetime as dt
from typing import Literal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from civicpoints.accounts.models import Community
from civicpoints.accounts.scope import require_staff
from civicpoints.core.bounds import LocalDate, ObjectId
from civicpoints.core.errors import NotFound
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.disputes import selectors, services

router = Router(tags=["disputes"])

Category = Literal["family", "neighbourhood", "property", "other"]
Outcome = Literal["pending", "resolved", "referred", "unresolved"]


class DisputeOut(Schema):
    id: int
    community_id: int
    category: str
    parties: str
    occurred_on: dt.date
    summary: str
    outcome: str
    outcome_notes: str
    resolved_on: dt.date | None


class DisputeIn(Schema):
    community_id: ObjectId
    category: Category
    parties: str
    occurred_on: LocalDate
    summary: str = ""
    outcome: Outcome = "pending"
    outcome_notes: str = ""
    resolved_on: LocalDate | None = None


class OutcomeIn(Schema):
    outcome: Outcome
    outcome_notes: str = ""
    resolved_on: LocalDate | None = None


@router.get("/disputes", response=list[DisputeOut])
@paginate(BoundedLimitOffsetPagination)
def dispute_list(request):
    """Disputes in my scope, newest first (staff only: 403 ``staff_only``)."""
    require_staff(request.user)
    return selectors.disputes_in_scope(request.user)


@router.post("/disputes", response={201: DisputeOut})
def dispute_create(request, body: DisputeIn):
    """Record a dispute in a community of my scope. 404 (field community) outside it;
    422 naming the field (occurred_on in the future, resolved_on missing …)."""
    require_staff(request.user)
    data = body.dict()
    try:
        community = Community.objects.get(pk=data.pop("community_id"))
    except Community.DoesNotExist:
        raise NotFound(field="community") from None
    return Status(201, services.dispute_record(actor=request.user, community=community, **data))


@router.post("/disputes/{int:dispute_id}/outcome", response=DisputeOut)
def dispute_outcome(request, dispute_id: ObjectId, body: OutcomeIn):
    """Record the mediation outcome of a dispute in my scope (404 outside it)."""
    require_staff(request.user)
    dispute = selectors.dispute_for_staff(request.user, dispute_id)
    return services.dispute_update_outcome(actor=request.user, dispute=dispute, **body.dict())
