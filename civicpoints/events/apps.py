from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "civicpoints.events"
    label = "events"
    verbose_name = _("Events and volunteering")

    def ready(self) -> None:
        from civicpoints.events.held import signup_record_released_award
        from civicpoints.integrity.hooks import held_award_issued
        from civicpoints.points.hooks import award_released

        held_award_issued.subscribe(signup_record_released_award)
        award_released.subscribe(signup_record_released_award)  # confirmed past a budget
