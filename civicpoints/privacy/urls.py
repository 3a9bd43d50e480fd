from django.urls import path

from civicpoints.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.privacy_view, name="privacy"),
    path("export/", views.export_view, name="export"),
]
