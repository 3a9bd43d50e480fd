"""Staff pages of the integrity queue: open flags per community, a flag, clear or uphold it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.integrity import selectors, services
from civicpoints.integrity.forms import DecisionForm
from civicpoints.integrity.models import FlagStatus


@login_required
def queue_view(request):
    require_staff(request.user)
    status = request.GET.get("status") or FlagStatus.OPEN
    page = Paginator(selectors.flag_queue(request.user, status=status), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "integrity/queue.html",
        {"page": page, "status": status, "statuses": FlagStatus.choices},
    )


def _detail(request, flag, form, status=200):
    return render(
        request,
        "integrity/detail.html",
        {
            "flag": flag,
            "form": form,
            "held": selectors.held_awards_about(flag.subject) if flag.subject else [],
            "open": flag.status == FlagStatus.OPEN,
        },
        status=status,
    )


@login_required
def flag_view(request, pk: int):
    require_staff(request.user)
    return _detail(request, selectors.flag_for_staff(request.user, pk), DecisionForm())


@login_required
@require_POST
def decide_view(request, pk: int, decision: str):
    require_staff(request.user)
    flag = selectors.flag_for_staff(request.user, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        act = services.flag_clear if decision == "clear" else services.flag_uphold
        try:
            act(actor=request.user, flag=flag, why=form.cleaned_data["why"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("Flag cleared.") if decision == "clear" else _("Flag upheld.")
            )
            return redirect("integrity:flag", pk=flag.pk)
    return _detail(request, flag, form, status=422)
