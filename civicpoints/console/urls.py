from django.urls import path, register_converter

from civicpoints.console import views


class _Format:
    regex = "xlsx|csv"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(_Format, "fmt")

app_name = "console"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("communities/", views.communities_view, name="communities"),
    path("staff/", views.staff_view, name="staff"),
    path("staff/<int:user_id>/move/", views.staff_move_view, name="staff_move"),
    path("staff/<int:user_id>/active/", views.staff_active_view, name="staff_active"),
    path("households/", views.households_view, name="households"),
    path("households/<int:household_id>/", views.household_view, name="household"),
    path("import/", views.import_view, name="import"),
    path(
        "import/template.<fmt:fmt>",
        views.import_template_view,
        name="import_template",
    ),
    path("import/<int:job_id>/", views.import_job_view, name="import_job"),
    path("import/<int:job_id>/step/", views.import_step_view, name="import_step"),
    path("cards/", views.cards_view, name="cards"),
    path("points-expiry/", views.points_expiry_view, name="points_expiry"),
    path("rules/", views.rules_view, name="rules"),
    path("rules/<int:rule_id>/", views.rule_edit_view, name="rule_edit"),
    path("queue/", views.queue_view, name="queue"),
]
