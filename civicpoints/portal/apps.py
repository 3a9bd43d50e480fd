from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The entry pages that compose several apps: home, my profile, the leaderboard URL
    and the staff desk's page of one resident. It sits at the top with the URLconf and
    the API root, so it may import any app; no app imports it."""

    name = "civicpoints.portal"
    label = "portal"
    verbose_name = _("Portal")
