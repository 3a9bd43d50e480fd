from django.db.models import QuerySet

from civicpoints.accounts.models import User
from civicpoints.notifications.models import Notification


def inbox(user: User) -> QuerySet[Notification]:
    """``user``'s notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread."""
    return Notification.objects.filter(recipient=user).unread().count()
