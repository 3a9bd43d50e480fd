from django.urls import path

from civicpoints.disputes import views

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list_view, name="list"),
    path("new/", views.dispute_new_view, name="new"),
    path("<int:pk>/", views.dispute_detail_view, name="detail"),
]
