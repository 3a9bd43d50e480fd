"""Resident pages of the ledger: the rule catalog and my history.

(Home, my profile and the staff desk's resident page compose several apps and live
in ``civicpoints.portal``; leaderboards are the rankings app's.)
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.points import selectors


def rules_view(request: HttpRequest) -> HttpResponse:
    # A callable: the template calls it only when its cached fragment (60 s, per
    # language) has expired, so a rule edited by staff shows within a minute.
    return render(request, "points/rules.html", {"groups": selectors.rules_by_category})


@login_required
def history_view(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.history(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "points/history.html", {"page": page})
