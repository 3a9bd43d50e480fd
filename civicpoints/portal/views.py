"""Entry pages that compose several apps (so they live above all of them).

- ``home_view``: balance, points today, my rank in the latest daily ranking, recent
  ledger rows and the services grid for my role.
- ``profile_view``: my account with my balance and my household's points.
- ``staff_resident_view`` (+ award / adjust): the staff desk's page of one resident —
  identity from ``accounts``, balance, history and the award forms from ``points``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.accounts.models import User
from civicpoints.accounts.scope import require_staff, resident_for_staff, town_of
from civicpoints.accounts.selectors import wechat_bound
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.points import selectors as points
from civicpoints.points import services as point_services
from civicpoints.points.expiry import expiry_notice
from civicpoints.points.forms import AdjustForm, AwardForm
from civicpoints.portal.search import KINDS, Hit, site_search, title_html
from civicpoints.rankings.selectors import my_daily_rank


@login_required
def home_view(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    if user.is_district_admin:  # no town: their place is the district page
        return redirect("dashboard:district")
    if user.town_id is None:  # the platform operator: no town, their place is /admin/
        return redirect("admin:index")
    return render(
        request,
        "portal/home.html",
        {
            "account": points.account_for(user),
            "today": points.points_today(user),
            "rank": my_daily_rank(user),
            "recent": points.group_rows(points.history(user)[:8])[:5],
            "expiry": expiry_notice(user),
        },
    )


@login_required
def profile_view(request: AuthedHttpRequest) -> HttpResponse:
    household = request.user.household
    return render(
        request,
        "portal/profile.html",
        {
            "account": points.account_for(request.user),
            "household_points": points.household_points(household) if household else None,
            "wechat_bound": wechat_bound(request.user),
        },
    )


# --- the staff desk's page of one resident ------------------------------------


def _staff(request: AuthedHttpRequest) -> User:
    require_staff(request.user)
    return request.user


def _resident_page(
    request: HttpRequest,
    resident: User,
    award_form: AwardForm | None = None,
    adjust_form: AdjustForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = Paginator(points.history(resident), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/staff_resident.html",
        {
            "resident": resident,
            "account": points.account_for(resident),
            "rows": rows,
            "award_form": award_form or AwardForm(town_id=resident.town_id),
            "adjust_form": adjust_form or AdjustForm(),
        },
        status=status,
    )


@login_required
def staff_resident_view(request: AuthedHttpRequest, resident_id: int) -> HttpResponse:
    resident = resident_for_staff(_staff(request), resident_id)
    return _resident_page(request, resident)


@login_required
@require_POST
def staff_award_view(request: AuthedHttpRequest, resident_id: int) -> HttpResponse:
    actor = _staff(request)
    resident = resident_for_staff(actor, resident_id)
    form = AwardForm(request.POST, town_id=resident.town_id)
    if form.is_valid():
        d = form.cleaned_data
        try:
            row = point_services.points_award_by_staff(
                actor=actor,
                resident=resident,
                rule_code=d["rule"],
                note=d["note"],
                idempotency_key=d["nonce"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Awarded %(points)d points.") % {"points": row.points})
            return redirect("portal:staff_resident", resident_id=resident.pk)
    return _resident_page(request, resident, award_form=form, status=422)


@login_required
@require_POST
def staff_adjust_view(request: AuthedHttpRequest, resident_id: int) -> HttpResponse:
    actor = _staff(request)
    resident = resident_for_staff(actor, resident_id)
    form = AdjustForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        needs_second = abs(d["points"]) > point_services.confirm_threshold(town_of(resident))
        try:
            if needs_second:
                point_services.adjustment_request(
                    actor=actor,
                    resident=resident,
                    points=d["points"],
                    reason=d["reason"],
                    idempotency_key=f"adjust-request:{d['nonce']}",
                )
            else:
                point_services.points_adjust(
                    actor=actor,
                    resident=resident,
                    points=d["points"],
                    reason=d["reason"],
                    idempotency_key=f"adjust:{d['nonce']}",
                )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if needs_second:
                messages.success(
                    request,
                    _("Filed: another staff member must confirm this adjustment before it counts."),
                )
            else:
                messages.success(request, _("Balance adjusted."))
            return redirect("portal:staff_resident", resident_id=resident.pk)
    return _resident_page(request, resident, adjust_form=form, status=422)


SEARCH_PAGE = 10
KIND_LABELS = {
    "post": gettext_lazy("Posts"),
    "article": gettext_lazy("Articles"),
    "event": gettext_lazy("Events"),
}  # results per page


@login_required
def search_view(request: AuthedHttpRequest) -> HttpResponse:
    """``GET /search/?q=&kind=&page=``: posts, articles and events of my town that match
    ``q`` (Chinese words or phrases, ≤ 50 characters), best first, 10 a page, each with
    its title and a snippet, the matches marked (``portal.search``). An empty ``q``
    shows the box only; a bad one shows the reason under the box (never a 500)."""
    q = request.GET.get("q", "")
    kind = request.GET.get("kind") or None
    if kind not in (None, *KINDS):
        kind = None
    hits: list[Hit] = []
    error = ""
    if q.strip():
        try:
            hits = site_search(request.user, q, kind=kind)
        except DomainError as exc:
            error = str(exc.detail)
    page = Paginator(hits, SEARCH_PAGE).get_page(request.GET.get("page"))
    base = urlencode({"q": q, **({"kind": kind} if kind else {})})
    return render(
        request,
        "portal/search.html",
        {
            "q": q,
            "kind": kind,
            "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
            "page": page,
            "rows": [(h, title_html(h, q).html(), h.snippet.html()) for h in page],
            "count": len(hits),
            "error": error,
            "searched": bool(q.strip()) and not error,
            "pager_query": base,
            "chip_query": urlencode({"q": q}),
        },
    )
