"""The events side of ``integrity.hooks.held_award_issued``: an attendance award held by a
flag (a late check-in) was written once staff cleared it; count it on the sign-up
(subscribed in ``EventsConfig.ready``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import F

from civicpoints.events.models import SignUp


def signup_record_released_award(held) -> None:
    if held.subject_type_id != ContentType.objects.get_for_model(SignUp).pk:
        return
    SignUp.objects.filter(pk=held.subject_id).update(
        points_awarded=F("points_awarded") + held.transaction.points, award_note=""
    )
