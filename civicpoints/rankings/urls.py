from django.urls import path

from civicpoints.rankings import views

app_name = "rankings"
urlpatterns = [
    path("honours/", views.honours_view, name="honours"),
    path("staff/honours/", views.staff_honours_view, name="staff_honours"),
    path("staff/whatif/", views.whatif_view, name="whatif"),
]
