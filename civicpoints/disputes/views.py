"""Staff pages of the dispute log (community staff and town admins only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Community, Role
from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.disputes import selectors, services
from civicpoints.disputes.forms import DisputeForm, OutcomeForm


def _communities(user):
    qs = Community.objects.for_town(user.town_id)
    if user.role == Role.TOWN_ADMIN:
        return qs.order_by("name")
    return qs.filter(pk=user.community_id)


@login_required
def dispute_list_view(request):
    require_staff(request.user)
    page = Paginator(selectors.disputes_in_scope(request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "disputes/list.html", {"page": page})


@login_required
def dispute_new_view(request):
    require_staff(request.user)
    form = DisputeForm(request.POST or None, communities=_communities(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_record(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Dispute recorded."))
            return redirect("disputes:list")
    return render(request, "disputes/form.html", {"form": form})


@login_required
def dispute_detail_view(request, pk: int):
    require_staff(request.user)
    dispute = selectors.dispute_for_staff(request.user, pk)
    form = OutcomeForm(
        request.POST or None,
        initial={
            "outcome": dispute.outcome,
            "outcome_notes": dispute.outcome_notes,
            "resolved_on": dispute.resolved_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_update_outcome(
                actor=request.user, dispute=dispute, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Outcome saved."))
            return redirect("disputes:detail", pk=dispute.pk)
    return render(request, "disputes/detail.html", {"dispute": dispute, "form": form})
