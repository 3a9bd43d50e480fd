from django.urls import path, re_path

from civicpoints.reports import views

app_name = "reports"
urlpatterns = [
    path("new/", views.new_view, name="new"),
    path("mine/", views.mine_view, name="mine"),
    path("<int:report_id>/", views.detail_view, name="detail"),
    re_path(
        r"^(?P<report_id>\d+)/(?P<move>accept|reject|assign|rectify|close|publish)/$",
        views.move_view,
        name="move",
    ),
    path("staff/queue/", views.queue_view, name="queue"),
]
