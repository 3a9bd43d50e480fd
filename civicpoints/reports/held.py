"""The reports side of ``integrity.hooks.held_award_issued``: the acceptance award held by
a flag was written once staff cleared it; record it as the report's award (subscribed in
``ReportsConfig.ready``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from civicpoints.reports.models import Report


def report_record_released_award(held) -> None:
    if held.subject_type_id != ContentType.objects.get_for_model(Report).pk:
        return
    Report.objects.filter(pk=held.subject_id, award__isnull=True).update(award=held.transaction)
