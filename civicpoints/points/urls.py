from django.urls import path

from civicpoints.points import views

app_name = "points"
urlpatterns = [
    path("rules/", views.rules_view, name="rules"),
    path("rules/<int:rule_id>/", views.rule_view, name="rule"),
    path("points/history/", views.history_view, name="history"),
    path(
        "points/staff/adjustments/",
        views.pending_adjustments_view,
        name="pending_adjustments",
    ),
    path(
        "points/staff/adjustments/<int:adjustment_id>/decide/",
        views.adjustment_decide_view,
        name="adjustment_decide",
    ),
    path("points/budgets/", views.budgets_view, name="budgets"),
    path(
        "points/budgets/queued/<int:queued_id>/decide/",
        views.queued_award_decide_view,
        name="queued_award_decide",
    ),
]
