from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "civicpoints.sharing"
    label = "sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        from civicpoints.points.automatic import register_automatic
        from civicpoints.sharing.services import SHARE_RULE

        register_automatic(SHARE_RULE)  # a new reader through a share link
