"""The app's URLs plus the two baseline views (gunicorn runs with ROOT_URLCONF=bench.urls)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/floor", views.floor),
    path("bench/raw-award", views.raw_award),
    path("", include("civicpoints.urls")),
]
