from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "civicpoints.merchants"
    label = "merchants"
    verbose_name = _("Merchant alliance")
