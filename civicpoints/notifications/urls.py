from django.urls import path

from civicpoints.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("<int:notification_id>/read/", views.read_view, name="read"),
    path("read-all/", views.read_all_view, name="read_all"),
    path("failures/", views.delivery_failures_view, name="failures"),
    path("preferences/", views.preferences_view, name="preferences"),
    path("broadcast/", views.broadcast_view, name="broadcast"),
]
