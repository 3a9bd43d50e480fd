"""An event as an iCalendar (.ics) file, built with the ``icalendar`` library (RFC 5545)."""

from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from civicpoints.events.models import Event, EventStatus


def event_ics(event: Event, *, url: str = "") -> bytes:
    """The .ics bytes of ``event`` (one VEVENT; times in UTC; cancelled events say so).

    Args:
        url: the absolute address of the event page, put in URL and DESCRIPTION.
    """
    cal = Calendar()
    cal.add("prodid", "-//civicpoints//events//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    ve = VEvent()
    ve.add("uid", f"event-{event.pk}@civicpoints")
    ve.add("dtstamp", timezone.now())
    ve.add("dtstart", event.starts_at)
    ve.add("dtend", event.ends_at)
    ve.add("summary", event.title)
    ve.add("location", event.place)
    description = event.description
    if url:
        ve.add("url", url)
        description = f"{description}\n\n{url}".strip()
    if description:
        ve.add("description", description)
    ve.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    cal.add_component(ve)
    return cal.to_ical()
