"""Who may fetch an event's photos (``core.media`` guard): those who may see the event
(``selectors.events_for``: signed-in people of its town or community; drafts
only to the staff who manage them)."""

from __future__ import annotations

from civicpoints.core.media import PRIVATE, media_guard
from civicpoints.events import selectors
from civicpoints.events.models import EventPhoto


@media_guard("events/")
def event_photo_access(user, name: str) -> str | None:
    """PRIVATE when ``user`` may see the event whose record holds ``name``; else None."""
    if not user.is_authenticated:
        return None
    event_ids = EventPhoto.objects.filter(image=name).values("event_id")
    if selectors.events_for(user).filter(pk__in=event_ids).exists():
        return PRIVATE
    return None
