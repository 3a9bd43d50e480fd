from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
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


@login_required
def preferences_view(request):
    """My channels per kind of message (SMS, WeChat); the inbox always gets them."""
    from civicpoints.notifications.preferences import choices_for

    if request.method == "POST":
        choices = {
            c.kind: {
                "sms": f"sms:{c.kind}" in request.POST,
                "wechat": f"wechat:{c.kind}" in request.POST,
            }
            for c in choices_for(request.user.pk, request.user.town_id)
        }
        services.preferences_set(user=request.user, choices=choices)
        messages.success(request, _("Your message settings are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"choices": choices_for(request.user.pk, request.user.town_id)},
    )


@login_required
def broadcast_view(request):
    """Staff: tell every resident of a community or grid in their scope (inbox, then
    SMS/WeChat by each one's settings); "preview" shows how many it reaches."""
    from civicpoints.accounts.scope import require_staff
    from civicpoints.notifications.forms import BroadcastForm

    require_staff(request.user)
    form = BroadcastForm(request.POST or None, actor=request.user)
    reach = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            community_id, grid_id = form.ids()
            try:
                if "send" in request.POST:
                    sent = services.broadcast_send(
                        actor=request.user,
                        community_id=community_id,
                        grid_id=grid_id,
                        title=form.cleaned_data["title"],
                        body=form.cleaned_data["body"],
                        idempotency_key=form.cleaned_data["nonce"],
                    )
                    messages.success(
                        request,
                        _("Sent to %(n)s residents.") % {"n": intcomma(sent.recipients)},
                    )
                    return redirect("notifications:broadcast")
                community, grid = services.broadcast_target(
                    actor=request.user, community_id=community_id, grid_id=grid_id
                )
                reach = services.broadcast_audience(community, grid).count()
            except DomainError as exc:
                add_domain_error(form, exc)
                status = 422
        else:
            status = 422
    return render(
        request,
        "notifications/broadcast.html",
        {"form": form, "reach": reach, "sent": selectors.broadcasts_for(request.user)[:20]},
        status=status,
    )
