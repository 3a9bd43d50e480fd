from django.urls import path

from civicpoints.articles import views

app_name = "articles"
urlpatterns = [
    path("", views.article_list_view, name="list"),
    path("<int:article_id>/", views.article_detail_view, name="detail"),
    path("staff/", views.staff_list_view, name="staff_list"),
    path("staff/new/", views.staff_new_view, name="staff_new"),
    path("staff/<int:article_id>/", views.staff_edit_view, name="staff_edit"),
    path("staff/<int:article_id>/publish/", views.staff_publish_view, name="staff_publish"),
]
