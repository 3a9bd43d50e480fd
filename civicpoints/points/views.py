"""Resident pages of the ledger: the rule catalog and my history.

(Home, my profile and the staff desk's resident page compose several apps and live
in ``civicpoints.portal``; leaderboards are the rankings app's.)
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.accounts.models import Role
from civicpoints.accounts.scope import require_staff, town_of
from civicpoints.core.errors import DomainError, NotFound, OutOfScope
from civicpoints.core.forms import add_domain_error
from civicpoints.points import selectors, services
from civicpoints.points.models import IssuanceBudget, PointRule


def rules_view(request: HttpRequest) -> HttpResponse:
    """The catalog of the viewer's town (a visitor: ``?town=<code>``, else the first
    town), by category; each rule links to its page with its history."""
    town_id = selectors.catalog_town_id(request.user, request.GET.get("town"))

    # A callable: the template calls it only when its cached fragment (60 s, per
    # language and town) has expired, so a rule edited by staff shows within a minute.
    def groups() -> list[tuple[str, list[PointRule]]]:
        return selectors.rules_by_category(town_id)

    return render(request, "points/rules.html", {"groups": groups, "town_id": town_id})


@require_safe
def rule_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    """One rule: as it stands today and its history — every version with the local date
    it took effect, why, and who changed it (nickname only). A visitor may open any
    town's rule (the catalogs are public, as ``rules_view``'s ``?town=``); a signed-in
    person of a town only their own town's (another town's answers 404)."""
    from civicpoints.points.governance import rule_history

    rules = PointRule.objects.all()
    town_id = getattr(request.user, "town_id", None)
    if town_id is not None:  # a person of a town (not a visitor, operator or district)
        rules = PointRule.objects.for_town(town_id)
    rule = rules.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(field="rule")
    return render(request, "points/rule.html", {"rule": rule, "versions": rule_history(rule)})


@login_required
def history_view(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.history(request.user), 20).get_page(request.GET.get("page"))
    from civicpoints.points.expiry import expiry_notice

    return render(
        request,
        "points/history.html",
        {
            "page": page,
            "lines": selectors.group_rows(page),
            "expiry": expiry_notice(request.user),
        },
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


def _require_town_admin(request: AuthedHttpRequest) -> None:
    if request.user.role != Role.TOWN_ADMIN:
        raise OutOfScope(code="town_admin_only")


def _budgets_page(
    request: AuthedHttpRequest,
    form: Any,
    decide_form: Any = None,
    decide_for: int | None = None,
    status: int = 200,
) -> HttpResponse:
    from civicpoints.points import budgets
    from civicpoints.points.models import QueuedAward, QueuedStatus

    return render(
        request,
        "points/budgets.html",
        {
            "rows": budgets.budget_overview(town_id=town_of(request.user)),
            "queued": QueuedAward.objects.filter(
                town_id=town_of(request.user), status=QueuedStatus.PENDING
            ).select_related("resident", "rule", "actor")[:200],
            "form": form,
            "decide_form": decide_form,
            "decide_for": decide_for,
        },
        status=status,
    )


@login_required
def budgets_view(request: AuthedHttpRequest) -> HttpResponse:
    """Town admins: the town's monthly points budgets with use and forecast; set one;
    the awards waiting past a ``confirm`` budget (decided at ``queued_award_decide``)."""
    from civicpoints.points import budgets
    from civicpoints.points.forms import BudgetForm

    _require_town_admin(request)
    form = BudgetForm(request.POST or None, town_id=town_of(request.user))
    status = 200
    if request.method == "POST":
        try:
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
                    rule=(
                        services.rule_get(d["rule"], town_id=town_of(request.user))
                        if d["rule"]
                        else None
                    ),
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
    return _budgets_page(request, form, status=status)


@login_required
@require_POST
def queued_award_decide_view(request: AuthedHttpRequest, queued_id: int) -> HttpResponse:
    """Town admins: confirm (with why) or refuse an award waiting past a budget.

    Its own URL so the audit log records which queued award was decided.
    Errors (no reason given, decided already) re-render the budgets page with 422;
    another town's award is 404.
    """
    from civicpoints.points import budgets
    from civicpoints.points.forms import BudgetForm, QueuedDecisionForm

    _require_town_admin(request)
    decide = QueuedDecisionForm(request.POST)
    if decide.is_valid():
        d = decide.cleaned_data
        try:
            if d["decision"] == "confirm":
                budgets.queued_award_confirm(actor=request.user, queued_id=queued_id, why=d["why"])
                messages.success(request, _("Award confirmed past the budget."))
            else:
                budgets.queued_award_refuse(actor=request.user, queued_id=queued_id, why=d["why"])
                messages.success(request, _("Award refused: nothing was booked."))
            return redirect("points:budgets")
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_error(decide, exc)
    return _budgets_page(
        request,
        BudgetForm(town_id=town_of(request.user)),
        decide_form=decide,
        decide_for=queued_id,
        status=422,
    )
