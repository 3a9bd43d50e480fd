"""Notifications API: my inbox, unread count, marking read."""

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool

from civicpoints.core.bounds import ObjectId
from civicpoints.core.schemas import ErrorOut
from civicpoints.notifications import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: str
    read: bool

    @staticmethod
    def resolve_created_at(obj) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_read(obj) -> bool:
        return obj.read_at is not None


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


@router.get("/notifications", response=list[NotificationOut])
@paginate
def inbox(request):
    """My notifications, newest first."""
    return selectors.inbox(request.user)


@router.get("/notifications/unread-count", response=UnreadOut)
def unread(request):
    """How many of my notifications are unread."""
    return {"unread": selectors.unread_count(request.user)}


@router.post("/notifications/{int:notification_id}/read", response=NotificationOut)
def mark_read(request, notification_id: ObjectId):
    """Mark one notification read (404 if it is not mine)."""
    return services.notification_mark_read(user=request.user, notification_id=notification_id)


@router.post("/notifications/read-all", response=MarkedOut)
def mark_all_read(request):
    """Mark all my notifications read; returns how many changed."""
    return {"marked": services.notifications_mark_all_read(user=request.user)}


class PreferenceOut(Schema):
    kind: str
    label: str = Field(..., description="The kind's name in the request's language.")
    sms: bool = Field(..., description="Also sent by SMS.")
    wechat: bool = Field(..., description="Also sent by WeChat.")
    sms_offered: bool = Field(
        ..., description="False when the town sends this kind by SMS to nobody."
    )


class Switches(Schema):
    sms: StrictBool | None = None
    wechat: StrictBool | None = None


class PreferencesIn(Schema):
    preferences: dict[str, Switches] = Field(
        ...,
        description=(
            'Kinds to change: {"post_approved": {"sms": false, "wechat": true}, …}; kinds '
            "left out keep their setting. The inbox always gets every kind."
        ),
    )


@router.get("/notifications/preferences", response=list[PreferenceOut])
def preferences(request):
    """My channels per kind of message (defaults where I never chose)."""
    from civicpoints.notifications.preferences import choices_for

    return choices_for(request.user.pk, request.user.town_id)


@router.put("/notifications/preferences", response={200: list[PreferenceOut], 422: ErrorOut})
def preferences_put(request, payload: PreferencesIn):
    """Change my channels per kind; returns every kind. 422 (field ``kind``) for an
    unknown kind."""
    choices = {
        kind: {k: v for k, v in sw.dict().items() if v is not None}
        for kind, sw in payload.preferences.items()
    }
    return services.preferences_set(user=request.user, choices=choices)


class BroadcastIn(Schema):
    community_id: ObjectId | None = Field(
        None, description="The community (or give grid_id for one grid)."
    )
    grid_id: ObjectId | None = None
    title: str = Field(..., max_length=60)
    body: str = Field(..., max_length=500)
    idempotency_key: str = Field(
        ...,
        min_length=8,
        max_length=60,
        description="A new random key per broadcast; a repeat returns the first, sends nothing.",
    )


class BroadcastOut(Schema):
    id: int
    community_id: int
    grid_id: int | None
    title: str
    body: str
    recipients: int = Field(..., description="Active residents it reached.")
    created_at: str

    @staticmethod
    def resolve_created_at(obj) -> str:
        return obj.created_at.isoformat()


class ReachOut(Schema):
    recipients: int = Field(..., description="Active residents a broadcast would reach now.")


@router.get(
    "/notifications/broadcasts/preview", response={200: ReachOut, 403: ErrorOut, 404: ErrorOut}
)
def broadcast_preview(
    request, community_id: ObjectId | None = None, grid_id: ObjectId | None = None
):
    """Staff: how many residents a broadcast to the community or grid would reach
    (403 outside my scope, 404 no such one in my town, 422 neither given)."""
    community, grid = services.broadcast_target(
        actor=request.user, community_id=community_id, grid_id=grid_id
    )
    return {"recipients": services.broadcast_audience(community, grid).count()}


@router.post(
    "/notifications/broadcasts",
    response={201: BroadcastOut, 200: BroadcastOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def broadcast(request, payload: BroadcastIn):
    """Staff: send a broadcast to every active resident of a community or grid in my
    scope (inbox always; SMS/WeChat by each resident's settings, queued after
    commit). 201 when sent, 200 for a repeat of the same idempotency_key."""
    sent = services.broadcast_send(
        actor=request.user,
        community_id=payload.community_id,
        grid_id=payload.grid_id,
        title=payload.title,
        body=payload.body,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201 if sent.created else 200, sent)
