"""Dashboard pages: the staff dashboard with exports, and the public headline figures."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import DomainError, OutOfScope
from civicpoints.core.forms import add_domain_error
from civicpoints.dashboard import selectors, services
from civicpoints.dashboard.district import FIGURE_KEYS, district_overview, figure_labels
from civicpoints.dashboard.exports import table_csv, table_xlsx
from civicpoints.dashboard.forms import RangeForm
from civicpoints.dashboard.models import ExportJob, ExportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(request):
    """(form, MetricContext or None, town) from the GET filter; errors land on the form.

    Staff read their own town; a district admin reads the town ``?town=<code>`` of
    their district, read-only."""
    town = selectors.dashboard_town_for(request.user, request.GET.get("town"))
    form = RangeForm(request.GET or None, user=request.user, town=town)
    if form.is_bound and not form.is_valid():
        return form, None, town
    data = form.cleaned_data if form.is_bound else {}
    community = data.get("community")
    try:
        ctx = selectors.dashboard_context(
            request.user,
            start=data.get("start"),
            end=data.get("end"),
            community_id=community.pk if community else None,
            town_code=town.code,
        )
    except DomainError as exc:
        if exc.status == 422:
            add_domain_error(form, exc)
            return form, None, town
        raise
    return form, ctx, town


@login_required
def dashboard_view(request):
    """The staff dashboard of my town (``?start=&end=&community=``); for a district
    admin the dashboard of ``?town=<code>`` of their district, read-only: no exports,
    no links to pages that act."""
    form, ctx, town = _context(request)
    figures, tables = selectors.dashboard_figures(ctx) if ctx else ([], [])
    charts = [(f"chart-{t.key}", t.chart) for t in tables if t.chart]
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "form": form,
            "ctx": ctx,
            "town": town,
            "read_only": request.user.is_district_admin,
            "figures": figures,
            "tables": tables,
            "charts": charts,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def district_view(request):
    """``/dashboard/district/``: the district admin's towns side by side, this year to
    date against the same days of last year, each linking to its read-only dashboard.
    403 ``district_admin_only`` for anyone else."""
    columns = district_overview(request.user)
    labels = figure_labels()
    rows = [(labels[key], [c.figures[i] for c in columns]) for i, key in enumerate(FIGURE_KEYS)]
    return render(
        request,
        "dashboard/district.html",
        {"district": request.user.district, "columns": columns, "rows": rows},
    )


def _large_town(town_id: int) -> bool:
    """Exports of a town past ``EXPORT_INLINE_MAX_RESIDENTS`` residents go through the
    task queue instead of holding the request."""
    from django.conf import settings

    from civicpoints.accounts.models import Role, User

    return (
        User.objects.filter(town_id=town_id, role=Role.RESIDENT).count()
        > settings.EXPORT_INLINE_MAX_RESIDENTS
    )


@login_required
def export_view(request, key: str, fmt: str):
    """``/dashboard/export/<table key>.<csv|xlsx>?start=&end=&community=``: the file at
    once for a small town; for a large one the export is queued (the same one once)
    and the staff member is sent to ``/dashboard/exports/`` to download it when ready."""
    if request.user.is_district_admin:
        # an export of a large town is queued (a write): district admins only read
        raise OutOfScope(code="read_only")
    form, ctx, _town = _context(request)
    if ctx is None:
        return HttpResponse(str(form.errors), status=422, content_type="text/plain")
    if _large_town(ctx.town_id):
        services.export_request(actor=request.user, key=key, fmt=fmt, ctx=ctx)
        messages.info(request, _("The export is being prepared; it appears here when ready."))
        return redirect("dashboard:exports")
    _figures, tables = selectors.dashboard_figures(ctx)
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        raise Http404
    name = f"{key}_{ctx.start:%Y%m%d}-{ctx.end:%Y%m%d}.{fmt}"
    if fmt == "csv":
        resp = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    else:
        resp = HttpResponse(table_xlsx(table), content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


def public_view(request):
    """Public headline figures of the town (``?town=<code>``; default the first town)."""
    town = selectors.public_town(request.GET.get("town"))
    return render(request, "dashboard/public.html", {"h": selectors.public_headline(town)})


@login_required
def exports_view(request):
    """My queued exports, newest first, with a download link once ready."""
    require_staff(request.user)
    jobs = (
        ExportJob.objects.for_town(request.user.town_id)
        .filter(requested_by=request.user)
        .defer("content")
    )
    return render(request, "dashboard/exports.html", {"jobs": jobs.order_by("-created_at")[:30]})


@login_required
def export_download_view(request, job_id: int):
    """Download one of my ready exports (404 for anyone else's)."""
    require_staff(request.user)
    job = get_object_or_404(
        ExportJob, pk=job_id, requested_by=request.user, status=ExportStatus.READY
    )
    content_type = "text/csv; charset=utf-8" if job.fmt == "csv" else XLSX
    resp = HttpResponse(bytes(job.content or b""), content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{job.file_name}"'
    return resp
