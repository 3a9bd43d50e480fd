"""Pages for reports: file one, my reports, a case; the staff queue and the workflow moves."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.integrity import selectors as integrity_selectors
from civicpoints.reports import selectors, services
from civicpoints.reports.forms import (
    AssignForm,
    NoteForm,
    PublishForm,
    RectifyForm,
    RejectForm,
    ReportForm,
)
from civicpoints.reports.models import CaseStatus, PhotoKind


@login_required
def new_view(request):
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        categories=selectors.categories_active(request.user),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.report_file(
                reporter=request.user,
                category=d["category"],
                place=d["place"],
                body=d["body"],
                photos=d["photos"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Thank you! Your report was filed; we will keep you told."))
            return redirect("reports:detail", report_id=report.pk)
    return render(request, "reports/new.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def mine_view(request):
    return render(request, "reports/mine.html", {"reports": selectors.my_reports(request.user)})


def _case(request, report, forms=None, status=200):
    user = request.user
    staff = user.is_community_staff and user.pk != report.reporter_id
    forms = forms or {}
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "events": report.events.select_related("actor"),
            "photos": report.photos.all(),
            "staff": staff,
            # the report's flags and its after-photos' (a repeated "after" photo)
            "flags": integrity_selectors.flags_about(
                report, *report.photos.filter(kind=PhotoKind.AFTER)
            )
            if staff
            else (),
            "can_rectify": staff or user.pk == report.assignee_id,
            "note_form": forms.get("note") or NoteForm(),
            "reject_form": forms.get("reject") or RejectForm(),
            "assign_form": forms.get("assign") or AssignForm(community_id=report.community_id),
            "rectify_form": forms.get("rectify") or RectifyForm(),
            "publish_form": forms.get("publish")
            or PublishForm(initial={"title": report.category.name, "body": report.body}),
            "S": CaseStatus,
        },
        status=status,
    )


@login_required
def detail_view(request, report_id):
    return _case(request, selectors.report_for_viewer(request.user, report_id))


@login_required
@require_POST
def move_view(request, report_id, move):
    """One workflow move; the service checks scope and whether the move is allowed."""
    report = selectors.report_for_viewer(request.user, report_id)
    actor = request.user
    form_key, form = {
        "accept": ("note", NoteForm(request.POST)),
        "reject": ("reject", RejectForm(request.POST)),
        "assign": ("assign", AssignForm(request.POST, community_id=report.community_id)),
        "rectify": ("rectify", RectifyForm(request.POST, request.FILES)),
        "close": ("note", NoteForm(request.POST)),
        "publish": ("publish", PublishForm(request.POST)),
    }[move]
    if form.is_valid():
        d = form.cleaned_data
        try:
            if move == "accept":
                services.report_accept(actor=actor, report=report, note=d["note"])
            elif move == "reject":
                services.report_reject(actor=actor, report=report, reason=d["reason"])
            elif move == "assign":
                services.report_assign(
                    actor=actor,
                    report=report,
                    assignee=d["assignee"],
                    responsible_party=d["responsible_party"],
                    note=d["note"],
                )
            elif move == "rectify":
                services.report_rectify(
                    actor=actor, report=report, after_photo=d["after_photo"], note=d["note"]
                )
            elif move == "close":
                services.report_close(actor=actor, report=report, note=d["note"])
            else:
                post = services.report_publish(
                    actor=actor, report=report, title=d["title"], body=d["body"]
                )
                messages.success(request, _("Published in the square."))
                return redirect("posts:detail", post_id=post.pk)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Case updated; the reporter has been told."))
            return redirect("reports:detail", report_id=report.pk)
    report.refresh_from_db()
    return _case(request, report, forms={form_key: form}, status=422)


@login_required
def queue_view(request):
    require_staff(request.user)
    status = request.GET.get("status") or None
    return render(
        request,
        "reports/queue.html",
        {
            "reports": selectors.staff_queue(request.user, status=status)[:200],
            "status": status,
            "statuses": CaseStatus.choices,
            "assigned": selectors.assigned_to(request.user)[:100],
        },
    )
