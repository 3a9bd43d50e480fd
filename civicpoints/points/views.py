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
from civicpoints.accounts.models import Role
from civicpoints.accounts.scope import require_staff, town_of
from civicpoints.core.errors import DomainError, NotFound, OutOfScope
from civicpoints.core.forms import add_domain_error
from civicpoints.points import selectors, services
from civicpoints.points.models import IssuanceBudget


def rules_view(request: HttpRequest) -> HttpResponse:
    # A callable: the template calls it only when its cached fragment (60 s, per
    # language) has expired, so a rule edited by staff shows within a minute.
    return render(request, "points/rules.html", {"groups": selectors.rules_by_category})


@login_required
def history_view(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.history(request.user), 20).get_page(request.GET.get("page"))
    return render(
        request, "points/history.html", {"page": page, "lines": selectors.group_rows(page)}
    )


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


@login_required
def budgets_view(request: AuthedHttpRequest) -> HttpResponse:
    """Town admins: the town's monthly points budgets with use and forecast; set one;
    confirm or refuse awards waiting past a ``confirm`` budget."""
    from civicpoints.points import budgets
    from civicpoints.points.forms import BudgetForm
    from civicpoints.points.models import QueuedAward, QueuedStatus

    if request.user.role != Role.TOWN_ADMIN:
        raise OutOfScope(code="town_admin_only")
    form = BudgetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            if "queued" in request.POST:
                act = (
                    budgets.queued_award_confirm
                    if request.POST.get("decision") == "confirm"
                    else budgets.queued_award_refuse
                )
                act(actor=request.user, queued_id=request.POST["queued"])
                return redirect("points:budgets")
            if "remove" in request.POST:
                budget = IssuanceBudget.objects.filter(
                    pk=request.POST["remove"] if request.POST["remove"].isdigit() else 0
                ).first()
                if budget is None:
                    raise NotFound()
                budgets.budget_remove(actor=request.user, budget=budget)
                return redirect("points:budgets")
            if form.is_valid():
                d = form.cleaned_data
                budgets.budget_set(
                    actor=request.user,
                    rule=services.rule_get(d["rule"]) if d["rule"] else None,
                    category=d["category"] or "",
                    points=d["points"],
                    mode=d["mode"],
                )
                messages.success(request, _("Budget saved."))
                return redirect("points:budgets")
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_error(form, exc)
        status = 422
    return render(
        request,
        "points/budgets.html",
        {
            "rows": budgets.budget_overview(town_id=town_of(request.user)),
            "queued": QueuedAward.objects.filter(
                town_id=town_of(request.user), status=QueuedStatus.PENDING
            ).select_related("resident", "rule")[:200],
            "form": form,
        },
        status=status,
    )
