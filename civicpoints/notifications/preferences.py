"""Per-person choice of channels per kind of message (the inbox always gets it).

Defaults, when a person never chose: WeChat on for every kind; SMS on for the
kinds the town texts at all (``settings.NOTIFICATION_SMS_KINDS``; empty = every
kind). That setting stays the upper bound: SMS costs the town money, so a person
can switch a kind's SMS off but not on where the town texts nothing of that kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from civicpoints.notifications.models import Medium, NotificationKind, NotificationPreference


def sms_offered(kind: str) -> bool:
    """True when the town sends ``kind`` by SMS at all (``NOTIFICATION_SMS_KINDS``)."""
    kinds = settings.NOTIFICATION_SMS_KINDS
    return not kinds or kind in kinds


@dataclass
class Choice:
    """One line of the preferences page / API: a kind and its two switches."""

    kind: str
    label: str
    sms: bool
    wechat: bool
    sms_offered: bool


def choices_for(user_id: int, town_id: int | None) -> list[Choice]:
    """Every kind with the choice of person ``user_id`` of town ``town_id`` (or the
    default), in the kinds' order. The saved choices are read by user and town
    (DESIGN.md invariant 9); someone without a town (the platform operator) gets the
    defaults."""
    saved = {
        p.kind: p for p in NotificationPreference.objects.for_town(town_id).filter(user_id=user_id)
    }
    out = []
    for kind, label in NotificationKind.choices:
        offered = sms_offered(kind)
        pref = saved.get(kind)
        out.append(
            Choice(
                kind=kind,
                label=str(label),
                sms=offered and (pref.sms if pref else True),
                wechat=pref.wechat if pref else True,
                sms_offered=offered,
            )
        )
    return out


def allows(user_id: int, kind: str, medium: str) -> bool:
    """May a message of ``kind`` go to ``user_id`` by ``medium`` (``Medium``)?
    One indexed lookup; a medium the person cannot choose is allowed."""
    if medium not in Medium.values:
        return True
    pref = NotificationPreference.objects.filter(user_id=user_id, kind=kind).first()
    if pref is None:
        return True
    return bool(pref.sms if medium == Medium.SMS else pref.wechat)


def blocked_for(notes: list, medium: str) -> set[tuple[int, str]]:
    """The (user id, kind) pairs among ``notes`` whose recipient switched ``medium``
    off for that kind: one query for a batch (``tasks.deliver_notifications``)."""
    if medium not in Medium.values or not notes:
        return set()
    rows = NotificationPreference.objects.filter(
        user_id__in={n.recipient_id for n in notes},
        kind__in={n.kind for n in notes},
        **{medium: False},
    )
    return set(rows.values_list("user_id", "kind"))
