"""Resident pages of the ledger: the rule catalog and my history.

(Home, my profile and the staff desk's resident page compose several apps and live
in ``civicpoints.portal``; leaderboards are the rankings app's.)
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.accounts.scope import require_staff
from civicpoints.points import selectors, services


def rules_view(request: HttpRequest) -> HttpResponse:
    # A callable: the template calls it only when its cached fragment (60 s, per
    # language) has expired, so a rule edited by staff shows within a minute.
    return render(request, "points/rules.html", {"groups": selectors.rules_by_category})


@login_required
def history_view(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.history(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "points/history.html", {"page": page})


@login_required
def pending_adjustments_view(request: AuthedHttpRequest) -> HttpResponse:
    """Staff desk: adjustments above the town's threshold waiting for my confirmation."""
    require_staff(request.user)
    rows = selectors.pending_adjustments_for(request.user)[:200]
    return render(request, "points/pending_adjustments.html", {"rows": rows})


@login_required
@require_POST
def adjustment_decide_view(request: AuthedHttpRequest, adjustment_id: int) -> HttpResponse:
    """Confirm (``decision=confirm``) or refuse another staff member's adjustment."""
    if request.POST.get("decision") == "confirm":
        services.adjustment_confirm(actor=request.user, adjustment_id=adjustment_id)
        messages.success(request, _("Adjustment confirmed: the points are booked."))
    else:
        services.adjustment_refuse(
            actor=request.user, adjustment_id=adjustment_id, note=request.POST.get("note", "")
        )
        messages.success(request, _("Adjustment refused: nothing was booked."))
    return redirect("points:pending_adjustments")
