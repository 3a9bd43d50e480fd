"""Resident pages for points: home, rule catalog, my history (leaderboards: rankings app)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from civicpoints.points import selectors
from civicpoints.rankings.selectors import my_daily_rank


@login_required
def home_view(request):
    user = request.user
    return render(
        request,
        "points/home.html",
        {
            "account": selectors.account_for(user),
            "today": selectors.points_today(user),
            "rank": my_daily_rank(user),
            "recent": selectors.history(user)[:5],
        },
    )


def rules_view(request):
    # A callable: the template calls it only when its cached fragment (60 s, per
    # language) has expired, so a rule edited by staff shows within a minute.
    return render(request, "points/rules.html", {"groups": selectors.rules_by_category})


@login_required
def history_view(request):
    page = Paginator(selectors.history(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "points/history.html", {"page": page})
