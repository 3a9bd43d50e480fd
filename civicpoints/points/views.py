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

from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.accounts.models import Role
from civicpoints.core.errors import DomainError, NotFound, OutOfScope
from civicpoints.core.forms import add_domain_error
from civicpoints.points import selectors
from civicpoints.points import services as points_services
from civicpoints.points.models import IssuanceBudget


def rules_view(request: HttpRequest) -> HttpResponse:
    # A callable: the template calls it only when its cached fragment (60 s, per
    # language) has expired, so a rule edited by staff shows within a minute.
    return render(request, "points/rules.html", {"groups": selectors.rules_by_category})


@login_required
def history_view(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.history(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "points/history.html", {"page": page})


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
                    rule=points_services.rule_get(d["rule"]) if d["rule"] else None,
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
            "rows": budgets.budget_overview(town_id=request.user.town_id),
            "queued": QueuedAward.objects.filter(
                town_id=request.user.town_id, status=QueuedStatus.PENDING
            ).select_related("resident", "rule")[:200],
            "form": form,
        },
        status=status,
    )
