from django.urls import path

from civicpoints.events import views

app_name = "events"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create_view, name="create"),
    path("statement/", views.statement_view, name="statement"),
    path("statement/<int:resident_id>/", views.staff_statement_view, name="staff_statement"),
    path("<int:event_id>/", views.detail_view, name="detail"),
    path("<int:event_id>/edit/", views.edit_view, name="edit"),
    path("<int:event_id>/photos/", views.photo_view, name="photo"),
    path("<int:event_id>/sign-up/", views.sign_up_view, name="sign_up"),
    path("<int:event_id>/cancel-sign-up/", views.cancel_sign_up_view, name="cancel_sign_up"),
    path("<int:event_id>/event.ics", views.ics_view, name="ics"),
    path("<int:event_id>/scan/", views.scan_view, name="scan"),
    path("<int:event_id>/manage/", views.manage_view, name="manage"),
    path("<int:event_id>/publish/", views.publish_view, name="publish"),
    path("<int:event_id>/complete/", views.complete_view, name="complete"),
    path("<int:event_id>/cancel/", views.cancel_view, name="cancel"),
    path("<int:event_id>/summary/", views.summary_view, name="summary"),
    path("<int:event_id>/card-scan/", views.card_scan_view, name="card_scan"),
    path("<int:event_id>/screen/", views.screen_view, name="screen"),
]
