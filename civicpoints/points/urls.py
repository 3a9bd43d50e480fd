from django.urls import path

from civicpoints.points import views

app_name = "points"
urlpatterns = [
    path("rules/", views.rules_view, name="rules"),
    path("points/history/", views.history_view, name="history"),
    path("points/budgets/", views.budgets_view, name="budgets"),
]
