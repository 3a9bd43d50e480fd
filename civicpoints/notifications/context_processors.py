from civicpoints.notifications.selectors import unread_count


def unread_notifications(request):
    """``unread_notifications``: the badge count for the logged-in user (0 otherwise)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user)}
