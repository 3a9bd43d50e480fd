from django.urls import path, re_path

from civicpoints.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    re_path(r"^export/(?P<key>[a-z0-9_]+)\.(?P<fmt>csv|xlsx)$", views.export_view, name="export"),
    path("figures/", views.public_view, name="public"),
    path("district/", views.district_view, name="district"),
    path("exports/", views.exports_view, name="exports"),
    path("exports/<int:job_id>/", views.export_download_view, name="export_download"),
]
