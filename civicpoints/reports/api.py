"""Reports API: file a report (multipart with photos), my reports, the staff queue and the
workflow moves. The reporter's identity is only ever returned to staff covering them."""

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from civicpoints.accounts.models import User
from civicpoints.accounts.scope import require_staff
from civicpoints.core.bounds import ObjectId
from civicpoints.core.errors import InvalidInput
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.core.schemas import ErrorOut
from civicpoints.posts.api import PostOut
from civicpoints.reports import selectors, services

router = Router(tags=["reports"])


class CategoryOut(Schema):
    id: int
    code: str
    name: str


class EventOut(Schema):
    from_status: str
    to_status: str
    note: str
    at: str

    @staticmethod
    def resolve_at(obj) -> str:
        return obj.at.isoformat()


class ReportOut(Schema):
    id: int
    category: str = Field(..., alias="category.code")
    place: str
    body: str = Field(..., description="Plain text; escape before showing.")
    status: str = Field(
        ..., description="submitted | accepted | assigned | rectified | closed | rejected"
    )
    reject_reason: str
    responsible_party: str
    assignee: str | None = Field(None, alias="assignee.nickname")
    published_post_id: int | None
    awarded_points: int | None
    age_seconds: int
    is_overdue: bool
    photos: list[dict]
    events: list[EventOut]
    created_at: str

    @staticmethod
    def resolve_awarded_points(obj) -> int | None:
        return obj.award.points if obj.award_id else None

    @staticmethod
    def resolve_age_seconds(obj) -> int:
        return int(obj.age.total_seconds())

    @staticmethod
    def resolve_photos(obj, context) -> list[dict]:
        # Faces and plates blurred; staff handling the case (not the reporter) get the original.
        request = (context or {}).get("request")
        user = getattr(request, "user", None)
        staff = (
            user is not None
            and user.is_authenticated
            and user.is_community_staff
            and user.pk != obj.reporter_id
        )
        return [
            {
                "kind": p.kind,
                "url": p.public_url,
                "thumbnail_url": p.public_thumbnail_url,
                "blurred": len(p.blurred),
                **({"original_url": p.image.url} if staff else {}),
            }
            for p in obj.photos.all()
        ]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())

    @staticmethod
    def resolve_created_at(obj) -> str:
        return obj.created_at.isoformat()


class ReportIn(Schema):
    category: str = Field(..., description="Category code, e.g. litter.")
    place: str
    body: str


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


class AssignIn(Schema):
    assignee_id: ObjectId | None = Field(None, description="A grid worker of the community.")
    responsible_party: str = ""
    note: str = ""


class PublishIn(Schema):
    title: str
    body: str = Field(..., description="Reviewed text; must not identify the reporter.")


@router.get("/report-categories", response=list[CategoryOut], auth=None)
def categories(request):
    """Active report categories."""
    return selectors.categories_active(request.user)


@router.post("/reports", response={201: ReportOut, 403: ErrorOut, 422: ErrorOut})
def file_report(request, payload: Form[ReportIn], photos: File[list[UploadedFile] | None] = None):
    """File a report (multipart: fields + up to 9 ``photos``); the case starts ``submitted``."""
    category = selectors.categories_active(request.user).filter(code=payload.category).first()
    if category is None:
        raise InvalidInput(field="category", code="invalid_choice")
    report = services.report_file(
        reporter=request.user,
        category=category,
        place=payload.place,
        body=payload.body,
        photos=photos or [],
    )
    return Status(201, report)


@router.get("/reports/mine", response=list[ReportOut])
@paginate(BoundedLimitOffsetPagination)
def mine(request):
    """My reports, newest first, with their record (paged: ``{"items", "count"}``)."""
    return selectors.my_reports(request.user).prefetch_related("photos", "events")


@router.get("/reports/{int:report_id}", response={200: ReportOut, 404: ErrorOut})
def get_report(request, report_id: ObjectId):
    """A case, to its reporter, its assignee or staff covering the reporter."""
    return selectors.report_for_viewer(request.user, report_id)


@router.get("/staff/reports", response={200: list[ReportOut], 403: ErrorOut}, tags=["staff"])
@paginate(BoundedLimitOffsetPagination)
def queue(request, status: str | None = None):
    """Cases in my scope, oldest first (open ones unless ``status`` is given); paged."""
    require_staff(request.user)
    return selectors.staff_queue(request.user, status=status).prefetch_related("photos", "events")


_MOVE = {200: ReportOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _report(request, report_id):
    return selectors.report_for_viewer(request.user, report_id)


@router.post("/staff/reports/{int:report_id}/accept", response=_MOVE, tags=["staff"])
def accept(request, report_id: ObjectId, payload: NoteIn):
    """submitted → accepted; awards the reporter once."""
    return services.report_accept(
        actor=request.user, report=_report(request, report_id), note=payload.note
    )


@router.post("/staff/reports/{int:report_id}/reject", response=_MOVE, tags=["staff"])
def reject(request, report_id: ObjectId, payload: ReasonIn):
    """submitted/accepted → rejected, with a reason; no points."""
    return services.report_reject(
        actor=request.user, report=_report(request, report_id), reason=payload.reason
    )


@router.post("/staff/reports/{int:report_id}/assign", response=_MOVE, tags=["staff"])
def assign(request, report_id: ObjectId, payload: AssignIn):
    """accepted → assigned, to a grid worker or a named responsible party."""
    assignee = None
    if payload.assignee_id is not None:
        assignee = User.objects.filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise InvalidInput(field="assignee", code="invalid_assignee")
    return services.report_assign(
        actor=request.user,
        report=_report(request, report_id),
        assignee=assignee,
        responsible_party=payload.responsible_party,
        note=payload.note,
    )


@router.post("/staff/reports/{int:report_id}/rectify", response=_MOVE, tags=["staff"])
def rectify(request, report_id: ObjectId, after_photo: File[UploadedFile], note: Form[str] = ""):
    """assigned → rectified, with an after photo (multipart)."""
    return services.report_rectify(
        actor=request.user, report=_report(request, report_id), after_photo=after_photo, note=note
    )


@router.post("/staff/reports/{int:report_id}/close", response=_MOVE, tags=["staff"])
def close(request, report_id: ObjectId, payload: NoteIn):
    """rectified → closed."""
    return services.report_close(
        actor=request.user, report=_report(request, report_id), note=payload.note
    )


@router.post(
    "/staff/reports/{int:report_id}/publish",
    response={201: PostOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["staff"],
)
def publish(request, report_id: ObjectId, payload: PublishIn):
    """Publish an accepted case in the uncivil-behaviour section, without the reporter."""
    post = services.report_publish(
        actor=request.user,
        report=_report(request, report_id),
        title=payload.title,
        body=payload.body,
    )
    return Status(201, post)
