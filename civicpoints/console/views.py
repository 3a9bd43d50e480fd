"""The town console: pages for town admins to run their town (communities and grids,
staff accounts, households; merchants through the alliance's own town pages).

Thin: each POST names an action, calls one service from ``accounts.services`` and
redirects; errors land on the form's field.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.accounts import selectors, services
from civicpoints.accounts.card import resident_card_token
from civicpoints.accounts.models import Community, Grid, ImportJob, User
from civicpoints.accounts.scope import require_town_admin
from civicpoints.accounts.services import imports
from civicpoints.console.forms import (
    CardsForm,
    GridForm,
    HouseholdForm,
    ImportForm,
    MemberForm,
    NameForm,
    StaffForm,
    StaffInviteForm,
)
from civicpoints.core.errors import DomainError, InvalidInput
from civicpoints.core.exports import rows_csv, rows_xlsx
from civicpoints.core.forms import add_domain_error
from civicpoints.core.qr import qr_svg
from civicpoints.merchants import selectors as merchant_selectors
from civicpoints.merchants.models import Merchant
from civicpoints.points.budgets import queued_awards


def _base_qs(request) -> str:
    """The request's query without ``page``, ready for ``?{base_qs}page=N``."""
    query = request.GET.copy()
    query.pop("page", None)
    return f"{query.urlencode()}&" if query else ""


def _admin(request):
    require_town_admin(request.user)
    return request.user


@login_required
def index_view(request):
    actor = _admin(request)
    return render(
        request,
        "console/index.html",
        {
            "communities": selectors.town_communities(actor).count(),
            "staff": selectors.town_staff(actor).filter(is_active=True).count(),
            "households": selectors.town_households(actor).count(),
            "pending_merchants": merchant_selectors.merchants_for_admin(actor.town_id)
            .filter(status=Merchant.Status.PENDING)
            .count(),
            "waiting": queued_awards(actor).count(),
        },
    )


@login_required
def communities_view(request):
    actor = _admin(request)
    community_form = NameForm(prefix="community")
    grid_form = GridForm(prefix="grid", town_id=actor.town_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "community_create":
                community_form = NameForm(request.POST, prefix="community")
                if community_form.is_valid():
                    services.community_create(actor=actor, **community_form.cleaned_data)
                    messages.success(request, _("Community added."))
                    return redirect("console:communities")
            elif action == "grid_create":
                grid_form = GridForm(request.POST, prefix="grid", town_id=actor.town_id)
                if grid_form.is_valid():
                    d = grid_form.cleaned_data
                    services.grid_create(
                        actor=actor, community_id=d["community"].pk, name=d["name"]
                    )
                    messages.success(request, _("Grid added."))
                    return redirect("console:communities")
            elif action in ("community_rename", "grid_rename"):
                rename = services.community_rename if action == "community_rename" else None
                target = request.POST.get("id")
                if rename:
                    rename(actor=actor, community_id=target, name=request.POST.get("name", ""))
                else:
                    services.grid_rename(
                        actor=actor, grid_id=target, name=request.POST.get("name", "")
                    )
                messages.success(request, _("Renamed."))
                return redirect("console:communities")
        except DomainError as exc:
            if exc.status == 404:
                raise
            if action == "community_create":
                add_domain_error(community_form, exc)
            elif action == "grid_create":
                add_domain_error(grid_form, exc)
            else:  # a rename in the list: no form of its own
                messages.error(request, str(exc.detail))
    return render(
        request,
        "console/communities.html",
        {
            "communities": selectors.town_communities(actor),
            "community_form": community_form,
            "grid_form": grid_form,
        },
    )


@login_required
def staff_view(request):
    actor = _admin(request)
    form = StaffInviteForm(request.POST or None, town_id=actor.town_id)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = services.staff_invite(
                actor=actor,
                mobile=d["mobile"],
                nickname=d["nickname"],
                role=d["role"],
                community_id=d["community"].pk if d["community"] else None,
                grid_id=d["grid"].pk if d["grid"] else None,
            )
        except DomainError as exc:
            add_domain_error(form, _field_for_form(exc))
        else:
            messages.success(
                request,
                _("%(name)s was invited; a one-time password went to %(mobile)s by SMS.")
                % {"name": person.nickname, "mobile": person.masked_mobile},
            )
            return redirect("console:staff")
    page = Paginator(selectors.town_staff(actor), 50).get_page(request.GET.get("page"))
    move_form = StaffForm(town_id=actor.town_id, prefix="move")
    return render(
        request, "console/staff.html", {"form": form, "page": page, "move_form": move_form}
    )


def _field_for_form(exc: DomainError) -> DomainError:
    """Services name ``community_id``/``grid_id``; the forms call them ``community``/``grid``."""
    if exc.field in ("community_id", "grid_id"):
        exc.field = exc.field.removesuffix("_id")
    return exc


@login_required
@require_POST
def staff_move_view(request, user_id: int):
    actor = _admin(request)
    form = StaffForm(request.POST, town_id=actor.town_id, prefix="move")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("console:staff")
    d = form.cleaned_data
    try:
        services.staff_move(
            actor=actor,
            user_id=user_id,
            role=d["role"],
            community_id=d["community"].pk if d["community"] else None,
            grid_id=d["grid"].pk if d["grid"] else None,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Role and scope changed."))
    return redirect("console:staff")


@login_required
@require_POST
def staff_active_view(request, user_id: int):
    actor = _admin(request)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(actor=actor, user_id=user_id, active=active)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.detail))
    else:
        messages.success(
            request, _("Account reactivated.") if active else _("Account deactivated.")
        )
    return redirect("console:staff")


@login_required
def households_view(request):
    actor = _admin(request)
    form = HouseholdForm(request.POST or None, town_id=actor.town_id)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            household = services.household_create(
                actor=actor, community_id=d["community"].pk, name=d["name"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Household added."))
            return redirect("console:household", household_id=household.pk)
    community_id = request.GET.get("community") or None
    try:
        community_id = int(community_id) if community_id else None
    except ValueError:
        community_id = None
    households = selectors.town_households(
        actor, community_id=community_id, q=request.GET.get("q", "")
    )
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "console/households.html",
        {
            "form": form,
            "page": page,
            "communities": selectors.town_communities(actor),
            "community_id": community_id,
            "q": request.GET.get("q", ""),
            "base_qs": _base_qs(request),
        },
    )


@login_required
def household_view(request, household_id: int):
    actor = _admin(request)
    household = services.household_of_town(actor, household_id)
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add" and form.is_valid():
                resident = selectors.town_resident_by_mobile(actor, form.cleaned_data["mobile"])
                if resident is None:
                    raise InvalidInput(
                        _("No resident of your town has this mobile number."),
                        field="mobile",
                        code="unknown_resident",
                    )
                services.household_member_move(
                    actor=actor, resident_id=resident.pk, household_id=household.pk
                )
                messages.success(request, _("Member added."))
                return redirect("console:household", household_id=household.pk)
            if action == "remove":
                services.household_member_move(
                    actor=actor, resident_id=request.POST.get("resident_id"), household_id=None
                )
                messages.success(request, _("Member removed from the household."))
                return redirect("console:household", household_id=household.pk)
            if action == "head":
                services.household_set_head(
                    actor=actor,
                    household_id=household.pk,
                    resident_id=request.POST.get("resident_id"),
                )
                messages.success(request, _("Head of household set."))
                return redirect("console:household", household_id=household.pk)
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_error(form, exc)
    return render(
        request,
        "console/household.html",
        {
            "household": household,
            "members": selectors.household_members(household),
            "form": form,
        },
    )


# --- bulk import of residents and households ----------------------------------------


@login_required
def import_view(request):
    """Upload a residents list; the dry run follows on the job's page."""
    actor = _admin(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > imports.MAX_BYTES:
                raise InvalidInput(
                    _("The file is larger than 20 MB."), field="file", code="too_large"
                )
            job = services.import_job_create(actor=actor, data=upload.read(), filename=upload.name)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("console:import_job", job_id=job.pk)
    jobs = ImportJob.objects.filter(town_id=actor.town_id).order_by("-created_at")[:20]
    return render(request, "console/import.html", {"form": form, "jobs": jobs})


@login_required
def import_template_view(request, fmt: str):
    """The template with its header and two example rows, as .xlsx or .csv."""
    actor = _admin(request)
    grid = Grid.objects.for_town(actor.town_id).select_related("community").order_by("pk").first()
    place = grid.community if grid else Community.objects.for_town(actor.town_id).first()
    rows = services.template_rows(
        community=place.name if place else _("Community"), grid=grid.name if grid else ""
    )
    if fmt == "xlsx":
        response = HttpResponse(
            rows_xlsx(rows, "residents"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(rows_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="residents-template.{fmt}"'
    return response


@login_required
def import_job_view(request, job_id: int):
    """The dry run (what each row will do and why) and the import's progress."""
    actor = _admin(request)
    job = services.import_job_get(actor, job_id)
    plans = services.import_plan(actor=actor, job=job) if job.status != job.Status.DONE else []
    shown = request.GET.get("show", "problems")
    if shown == "problems":
        plans = [p for p in plans if p.action in ("refuse", "update")]
    page = Paginator(plans, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "console/import_job.html",
        {
            "job": job,
            "page": page,
            "shown": shown,
            "batch": imports.BATCH,
            "base_qs": _base_qs(request),
        },
    )


@login_required
@require_POST
def import_step_view(request, job_id: int):
    """Import the next batch; JSON ``{done, total, status, counts}`` for the progress bar
    (the page's script calls it until ``status`` is ``done``). Without the script the
    form posts here with ``all=1`` and every remaining batch runs, then the page reloads."""
    actor = _admin(request)
    job = services.import_job_step(actor=actor, job_id=job_id)
    if request.POST.get("all") == "1":
        while job.status != ImportJob.Status.DONE:
            job = services.import_job_step(actor=actor, job_id=job_id)
        messages.success(request, _("Import finished."))
        return redirect("console:import_job", job_id=job.pk)
    return JsonResponse(
        {"done": job.done, "total": job.total, "status": job.status, "counts": job.counts}
    )


@login_required
def cards_view(request):
    """Printable QR cards of a community's residents, 60 to a page (one print per page)."""
    actor = _admin(request)
    form = CardsForm(request.GET or None, town_id=actor.town_id)
    page = None
    cards: list[tuple[User, str]] = []
    if form.is_valid():
        residents = selectors.residents_search(actor).filter(
            community=form.cleaned_data["community"]
        )
        page = Paginator(residents, 60).get_page(request.GET.get("page"))
        cards = [(p, qr_svg(resident_card_token(p))) for p in page.object_list]
    return render(
        request,
        "console/cards.html",
        {"form": form, "page": page, "cards": cards, "base_qs": _base_qs(request)},
    )


@login_required
def points_expiry_view(request):
    """Town admins: switch the town's points expiry on or off (off by default) and
    see what the next expiry date takes (``points.expiry``)."""
    from civicpoints.console.forms import ExpiryPolicyForm
    from civicpoints.points import expiry

    actor = _admin(request)
    policy = expiry.policy_for(actor.town_id)
    form = ExpiryPolicyForm(
        request.POST or None,
        initial={"enabled": policy.enabled, "years_kept": policy.years_kept},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                expiry.expiry_policy_set(
                    actor=actor,
                    enabled=form.cleaned_data["enabled"],
                    years_kept=form.cleaned_data["years_kept"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Points expiry saved."))
                return redirect("console:points_expiry")
        status = 422
    expires_on, due = expiry.points_due_to_expire(town_id=actor.town_id)
    return render(
        request,
        "console/points_expiry.html",
        {"form": form, "policy": policy, "expires_on": expires_on, "due": due},
        status=status,
    )


# --- the rule catalog (rule governance) ---------------------------------------------------


@login_required
def rules_view(request):
    """The town's rule catalog by category: points, caps, flags, and how many awards
    wait for confirmation; each rule links to its edit page."""
    from civicpoints.points import budgets, governance

    actor = _admin(request)
    rules = list(governance.town_rules(actor))
    return render(
        request,
        "console/rules.html",
        {"rules": rules, "waiting": budgets.queued_awards(actor).count()},
    )


@login_required
def rule_edit_view(request, rule_id: int):
    """Change one rule: a new version with the reason and the day it takes effect; the
    page shows the rule's history below the form."""
    from civicpoints.console.forms import RuleChangeForm
    from civicpoints.core.timeutil import local_date
    from civicpoints.points import governance
    from civicpoints.points.models import VERSIONED_FIELDS

    actor = _admin(request)
    rule = governance.rule_for_admin(actor, rule_id)
    latest = governance.latest_version(rule)
    initial = {f: getattr(latest, f) for f in VERSIONED_FIELDS}
    initial["period"] = initial["period"] or ""
    initial["effective_from"] = max(local_date(), getattr(latest, "effective_from", local_date()))
    form = RuleChangeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                version = governance.rule_change(
                    actor=actor,
                    rule_id=rule.pk,
                    changes=form.changes(latest),
                    reason=form.cleaned_data["reason"],
                    effective_from=form.cleaned_data["effective_from"],
                )
            except InvalidInput as exc:
                if exc.field == "changes":
                    form.add_error(None, exc.detail)
                else:
                    add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Saved as version %(n)d, in force from %(day)s.")
                    % {"n": version.number, "day": version.effective_from.isoformat()},
                )
                return redirect("console:rule_edit", rule_id=rule.pk)
        status = 422
    return render(
        request,
        "console/rule_edit.html",
        {"rule": rule, "form": form, "versions": governance.rule_history(rule)},
        status=status,
    )


@login_required
def queue_view(request):
    """Awards waiting for a town admin: of rules that need staff confirmation, and past a
    ``confirm`` budget. Confirm writes the award (the admin is the confirming staff
    member); either needs a reason; refusing writes nothing."""
    from civicpoints.console.forms import RefuseForm
    from civicpoints.points import budgets

    actor = _admin(request)
    refuse_form = RefuseForm()
    status = 200
    if request.method == "POST":
        queued_id = request.POST.get("queued", "")
        refuse_form = RefuseForm(request.POST)
        try:
            if refuse_form.is_valid():
                why = refuse_form.cleaned_data["why"]
                if request.POST.get("decision") == "confirm":
                    q = budgets.queued_award_confirm(actor=actor, queued_id=queued_id, why=why)
                    if q.status == "confirmed":
                        messages.success(request, _("Confirmed: the points are awarded."))
                    else:
                        messages.warning(request, q.memo)
                else:
                    budgets.queued_award_refuse(actor=actor, queued_id=queued_id, why=why)
                    messages.success(request, _("Refused."))
                return redirect("console:queue")
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_error(refuse_form, exc)
        status = 422
    return render(
        request,
        "console/queue.html",
        {"queued": list(budgets.queued_awards(actor)[:200]), "refuse_form": refuse_form},
        status=status,
    )
