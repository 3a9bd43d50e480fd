from django.db.models import QuerySet

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.errors import OutOfScope
from civicpoints.notifications.models import Broadcast, DeliveryFailure, Notification


def inbox(user: User) -> QuerySet[Notification]:
    """``user``'s notifications, newest first."""
    return (
        Notification.objects.for_town(user.town_id)
        .filter(recipient=user)
        .order_by("-created_at", "-pk")
    )


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread."""
    return Notification.objects.for_town(user.town_id).filter(recipient=user).unread().count()


def delivery_failures(actor: User) -> QuerySet[DeliveryFailure]:
    """Deliveries the SMS/WeChat channels gave up on in ``actor``'s town, newest first.

    Raises: OutOfScope — ``actor`` is not a town admin.
    """
    if actor.role != Role.TOWN_ADMIN:
        raise OutOfScope()
    return (
        DeliveryFailure.objects.filter(town_id=town_of(actor))
        .select_related("notification", "notification__recipient")
        .order_by("-failed_at", "-pk")
    )


def broadcasts_for(actor: User) -> QuerySet[Broadcast]:
    """Broadcasts to the communities/grids ``actor`` may send to, newest first
    (town admins: the town's; community staff: their community's; grid workers:
    their grid's)."""
    qs = Broadcast.objects.filter(town_id=town_of(actor)).select_related(
        "community", "grid", "sender"
    )
    if actor.role == Role.TOWN_ADMIN:
        return qs
    if actor.role == Role.COMMUNITY_STAFF and actor.community_id:
        return qs.filter(community_id=actor.community_id)
    if actor.role == Role.GRID_WORKER and actor.grid_id:
        return qs.filter(grid_id=actor.grid_id)
    return qs.none()
