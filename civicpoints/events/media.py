"""Who may fetch an event's photos (``core.media`` guard).

Those who may see the event (``selectors.events_for``: signed-in people of its town
or community; drafts only to the staff who manage them) get the public copy of
each record photo (faces and plates blurred, ``core.imaging``); the original and
its thumbnail go only to the staff who may manage the event (``can_organize``) —
except a photo stored before blurring existed, which has no public copy yet
(``manage.py photos_blur`` makes one) and stays visible to the event's audience
as it was.
"""

from __future__ import annotations

from django.db.models import Q

from civicpoints.core.media import PRIVATE, media_guard
from civicpoints.events import selectors
from civicpoints.events.models import EventPhoto
from civicpoints.events.services import can_organize


@media_guard("events/")
def event_photo_access(user, name: str) -> str | None:
    """PRIVATE when ``user`` may see ``name`` (see the module); else None."""
    if not user.is_authenticated:
        return None
    rows = EventPhoto.objects.filter(
        Q(image=name) | Q(thumbnail=name) | Q(public_image=name) | Q(public_thumbnail=name)
    ).select_related("event")
    for row in rows:
        event = row.event
        if can_organize(user, event):
            return PRIVATE
        is_public_copy = name in (row.public_image.name, row.public_thumbnail.name)
        if (is_public_copy or not row.public_image) and (
            selectors.events_for(user).filter(pk=event.pk).exists()
        ):
            return PRIVATE
    return None
