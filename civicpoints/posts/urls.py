from django.urls import path

from civicpoints.posts import views

app_name = "posts"
urlpatterns = [
    path("", views.feed_view, name="feed"),
    path("new/", views.new_view, name="new"),
    path("mine/", views.mine_view, name="mine"),
    path("<int:post_id>/", views.detail_view, name="detail"),
    path("<int:post_id>/edit/", views.edit_view, name="edit"),
    path("<int:post_id>/comment/", views.comment_view, name="comment"),
    path("<int:post_id>/like/", views.like_view, name="like"),
    path("<int:post_id>/share/", views.share_view, name="share"),
    path("<int:post_id>/share/record/", views.share_record_view, name="share_record"),
    path("<int:post_id>/qr.svg", views.share_qr_view, name="share_qr"),
    path("<int:post_id>/appeal/", views.appeal_view, name="appeal"),
    path("<int:post_id>/approve/", views.approve_view, name="approve"),
    path("<int:post_id>/reject/", views.reject_view, name="reject"),
    path("<int:post_id>/take-down/", views.take_down_view, name="take_down"),
    path("comments/<int:comment_id>/hide/", views.comment_hide_view, name="comment_hide"),
    path("staff/queue/", views.queue_view, name="queue"),
    path("staff/appeals/<int:appeal_id>/", views.appeal_decide_view, name="appeal_decide"),
]
