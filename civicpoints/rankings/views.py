"""Ranking pages: daily and period leaderboards (residents, households), honour roll."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Town
from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.points.selectors import Period, Scope, leaderboard
from civicpoints.rankings import selectors, services
from civicpoints.rankings.forms import HonourPeriodForm
from civicpoints.rankings.models import Honour

DAILY = "daily"
PERIODS = (DAILY, *Period.CHOICES)
KINDS = ("residents", "households")


@login_required
def board_view(request):
    """``?scope=town|community&period=daily|today|week|month|year|all&kind=residents|households``."""
    scope = request.GET.get("scope")
    scope = scope if scope in Scope.CHOICES else Scope.TOWN
    period = request.GET.get("period")
    period = period if period in PERIODS else DAILY
    kind = request.GET.get("kind")
    kind = kind if kind in KINDS else KINDS[0]
    if kind == "households" and period == DAILY:
        period = Period.ALL
    ctx = {"scope": scope, "period": period, "kind": kind, "periods": PERIODS, "kinds": KINDS}
    if kind == "households":
        ctx["households"] = selectors.household_leaderboard(
            request.user, scope=scope, period=period
        )
    elif period == DAILY:
        ctx["daily"] = selectors.daily_board(request.user, scope=scope)
    else:
        ctx["board"] = leaderboard(request.user, scope=scope, period=period)
    return render(request, "rankings/board.html", ctx)


def honours_view(request):
    """The public honour roll of the viewer's town (or the first town for visitors)."""
    town_id = (
        request.user.town_id
        if request.user.is_authenticated
        else Town.objects.order_by("pk").values_list("pk", flat=True).first()
    )
    roll = selectors.honour_roll(town_id) if town_id is not None else Honour.objects.none()
    return render(request, "rankings/honours.html", {"roll": roll})


@login_required
def staff_honours_view(request):
    """Staff: evaluate a finished month/year into drafts, then publish them."""
    require_staff(request.user)
    form = HonourPeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        try:
            if action == "publish":
                n = services.honours_publish(actor=request.user, **form.cleaned_data)
                messages.success(request, _("%(n)d honour(s) published.") % {"n": n})
            else:
                drafts = services.honours_evaluate(actor=request.user, **form.cleaned_data)
                messages.success(request, _("%(n)d draft(s) proposed.") % {"n": len(drafts)})
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("rankings:staff_honours")
    return render(
        request,
        "rankings/staff_honours.html",
        {"form": form, "honours": selectors.honour_drafts(request.user)[:100]},
    )


@login_required
def whatif_view(request):
    """Town admins: what a rule change would have done over a past period (GET form)."""
    from civicpoints.accounts.models import Role
    from civicpoints.core.errors import OutOfScope
    from civicpoints.points.services import rule_get
    from civicpoints.rankings.forms import WhatIfForm
    from civicpoints.rankings.whatif import rule_change_whatif

    if request.user.role != Role.TOWN_ADMIN:
        raise OutOfScope(code="town_admin_only")
    form = WhatIfForm(request.GET if "rule" in request.GET else None, town_id=request.user.town_id)
    result = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        result = rule_change_whatif(
            town=Town.objects.get(pk=request.user.town_id),
            rule=rule_get(d["rule"], town_id=request.user.town_id),
            start=d["start"],
            end=d["end"],
            points=d["points"],
            daily_limit=d["daily_limit"],
            monthly_budget=d["monthly_budget"],
        )
    return render(
        request,
        "rankings/whatif.html",
        {"form": form, "w": result},
        status=422 if form.is_bound and form.errors else 200,
    )
