from django.urls import path

from civicpoints.engagement import views

app_name = "engagement"
urlpatterns = [
    path("", views.hub_view, name="hub"),
    path("check-in/", views.check_in_view, name="check_in"),
    path("pledge/", views.pledge_view, name="pledge"),
    path("quizzes/<int:quiz_id>/", views.quiz_view, name="quiz"),
    path("surveys/<int:survey_id>/", views.survey_view, name="survey"),
    path("staff/", views.staff_view, name="staff"),
    path("staff/quizzes/<int:quiz_id>/", views.staff_quiz_view, name="staff_quiz"),
    path("staff/surveys/<int:survey_id>/", views.staff_survey_view, name="staff_survey"),
]
