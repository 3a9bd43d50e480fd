"""Dashboard pages: the staff dashboard with exports, and the public headline figures."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.dashboard import selectors
from civicpoints.dashboard.exports import table_csv, table_xlsx
from civicpoints.dashboard.forms import RangeForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(request):
    """(form, MetricContext or None) from the GET filter; errors land on the form."""
    require_staff(request.user)
    form = RangeForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    community = data.get("community")
    try:
        ctx = selectors.dashboard_context(
            request.user,
            start=data.get("start"),
            end=data.get("end"),
            community_id=community.pk if community else None,
        )
    except DomainError as exc:
        if exc.status == 422:
            add_domain_error(form, exc)
            return form, None
        raise
    return form, ctx


@login_required
def dashboard_view(request):
    form, ctx = _context(request)
    figures, tables = selectors.dashboard_figures(ctx) if ctx else ([], [])
    charts = [(f"chart-{t.key}", t.chart) for t in tables if t.chart]
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "form": form,
            "ctx": ctx,
            "figures": figures,
            "tables": tables,
            "charts": charts,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def export_view(request, key: str, fmt: str):
    """``/dashboard/export/<table key>.<csv|xlsx>?start=&end=&community=``."""
    form, ctx = _context(request)
    if ctx is None:
        return HttpResponse(str(form.errors), status=422, content_type="text/plain")
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
