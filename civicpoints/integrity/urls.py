from django.urls import path, re_path

from civicpoints.integrity import views

app_name = "integrity"
urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("<int:pk>/", views.flag_view, name="flag"),
    re_path(r"^(?P<pk>\d+)/(?P<decision>clear|uphold)/$", views.decide_view, name="decide"),
]
