"""Entry URLs. The paths are the ones residents and staff already know (home at ``/``,
my profile and the staff desk's resident page under ``/accounts/``): moving the views
here changed their code's place, not their address."""

from django.urls import path

from civicpoints.portal import views
from civicpoints.rankings.views import board_view

app_name = "portal"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("search/", views.search_view, name="search"),
    path("accounts/profile/", views.profile_view, name="profile"),
    path(
        "accounts/staff/residents/<int:resident_id>/",
        views.staff_resident_view,
        name="staff_resident",
    ),
    path(
        "accounts/staff/residents/<int:resident_id>/award/",
        views.staff_award_view,
        name="staff_award",
    ),
    path(
        "accounts/staff/residents/<int:resident_id>/adjust/",
        views.staff_adjust_view,
        name="staff_adjust",
    ),
    # the leaderboard page is the rankings app's; its address is a top-level one
    path("leaderboard/", board_view, name="leaderboard"),
]
