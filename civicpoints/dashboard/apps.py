from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "civicpoints.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self):
        from civicpoints.dashboard import providers  # noqa: F401 - registers the built-ins
