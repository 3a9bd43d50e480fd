from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    name = "civicpoints.integrity"
    label = "integrity"
    verbose_name = _("Integrity")

    def ready(self) -> None:
        from civicpoints.accounts.hooks import resident_registered_from
        from civicpoints.integrity.services import registration_record

        resident_registered_from.subscribe(registration_record)
