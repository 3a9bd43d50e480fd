"""Integrity API for staff: the flag queue of my community (town), one flag, clear or uphold."""

import datetime as dt

from ninja import Router, Schema
from ninja.pagination import paginate

from civicpoints.accounts.scope import require_staff
from civicpoints.core.bounds import ObjectId
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.integrity import selectors, services
from civicpoints.integrity.models import FlagStatus

router = Router(tags=["integrity"])


class FlagOut(Schema):
    id: int
    kind: str
    status: str
    reason: str
    evidence: dict
    community_id: int | None
    resident_id: int | None
    subject_url: str
    created_at: dt.datetime
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_note: str


class DecisionIn(Schema):
    why: str


@router.get("/integrity/flags", response=list[FlagOut])
@paginate(BoundedLimitOffsetPagination)
def flag_list(request, status: str = FlagStatus.OPEN):
    """Flags in my scope with ``status`` (open | cleared | upheld; open: oldest first).

    Staff only (403 ``staff_only``). ``kind``: photo_repeat | late_check_in |
    registration_burst | like_ring; ``evidence`` is what the detector saw."""
    require_staff(request.user)
    return selectors.flag_queue(request.user, status=status)


@router.get("/integrity/flags/{int:flag_id}", response=FlagOut)
def flag_get(request, flag_id: ObjectId):
    """One flag; 404 outside my community (town)."""
    require_staff(request.user)
    return selectors.flag_for_staff(request.user, flag_id)


@router.post("/integrity/flags/{int:flag_id}/clear", response=FlagOut)
def flag_clear(request, flag_id: ObjectId, body: DecisionIn):
    """A false flag, in one step: ``why`` recorded; the subject's held awards are given
    once no other flag on it is open. 422 (field why), 404, 409 ``flag_decided``."""
    require_staff(request.user)
    flag = selectors.flag_for_staff(request.user, flag_id)
    return services.flag_clear(actor=request.user, flag=flag, why=body.why)


@router.post("/integrity/flags/{int:flag_id}/uphold", response=FlagOut)
def flag_uphold(request, flag_id: ObjectId, body: DecisionIn):
    """The flag is right: ``why`` recorded; the subject's held awards are withheld.
    422 (field why), 404, 409 ``flag_decided``."""
    require_staff(request.user)
    flag = selectors.flag_for_staff(request.user, flag_id)
    return services.flag_uphold(actor=request.user, flag=flag, why=body.why)
