from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "civicpoints.reports"
    label = "reports"
    verbose_name = _("Reports of uncivil behaviour")

    def ready(self) -> None:
        from civicpoints.accounts.hooks import town_created
        from civicpoints.reports.services import town_categories_open

        town_created.subscribe(town_categories_open)
        from civicpoints.integrity.hooks import held_award_issued
        from civicpoints.points.hooks import award_released
        from civicpoints.reports.held import report_record_released_award

        held_award_issued.subscribe(report_record_released_award)
        award_released.subscribe(report_record_released_award)  # confirmed past a budget
