from django.urls import path

from civicpoints.points import views
from civicpoints.rankings.views import board_view

app_name = "points"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("rules/", views.rules_view, name="rules"),
    path("points/history/", views.history_view, name="history"),
    # the leaderboard page lives in the rankings app; the URL name stays
    path("leaderboard/", board_view, name="leaderboard"),
]
