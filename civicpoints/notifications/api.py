"""Notifications API: my inbox, unread count, marking read."""

from ninja import Router, Schema
from ninja.pagination import paginate

from civicpoints.core.bounds import ObjectId
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
