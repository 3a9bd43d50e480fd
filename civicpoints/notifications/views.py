from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from civicpoints.notifications import selectors, services


@login_required
def inbox_view(request):
    page = Paginator(selectors.inbox(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def read_view(request, notification_id):
    note = services.notification_mark_read(user=request.user, notification_id=notification_id)
    return redirect(note.url or "notifications:inbox")


@login_required
@require_POST
def read_all_view(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("notifications:inbox")


@login_required
def delivery_failures_view(request):
    """Town admins: the SMS/WeChat deliveries that failed for good in their town
    (the recipient's number masked; the provider's error code)."""
    failures = selectors.delivery_failures(request.user)
    page = Paginator(failures, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/failures.html", {"page": page})
