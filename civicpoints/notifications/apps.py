from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "civicpoints.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The ledger does not speak: the inbox listens (points.hooks, docs/CONVENTIONS.md).
        from civicpoints.notifications.ledger import tell_resident
        from civicpoints.points.hooks import ledger_row_written

        ledger_row_written.subscribe(tell_resident)
