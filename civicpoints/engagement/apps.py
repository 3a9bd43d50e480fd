from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "civicpoints.engagement"
    label = "engagement"
    verbose_name = _("Online participation")

    def ready(self) -> None:
        from civicpoints.engagement.services import (
            CHECK_IN_RULE,
            PLEDGE_RULE,
            QUIZ_RULE,
            SURVEY_RULE,
        )
        from civicpoints.points.automatic import register_automatic

        register_automatic(CHECK_IN_RULE, QUIZ_RULE, PLEDGE_RULE, SURVEY_RULE)
