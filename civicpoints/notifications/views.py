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
