from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from civicpoints.audit import selectors


@login_required
def audit_log_view(request):
    """The town's audit log, 50 entries a page (town admins only; others get 403)."""
    entries = selectors.audit_entries_for(request.user)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page})
