"""Every change to events and sign-ups: organize, sign up, check in/out, complete, cancel.

Locking: every service that changes places, the waitlist or attendance locks the
``Event`` row first (``select_for_update``; SQLite's IMMEDIATE transactions
serialize writers anyway), then the sign-up rows it touches. The event row
carries ``confirmed_count`` under ``CHECK (confirmed_count <= capacity)`` and
hands out ``queue_no`` (the waitlist order), so two sign-ups can never both take
the last place, and the waitlist is first come, first served.

Points move only through ``points_award`` / ``points_reverse``; every ledger row
points at the ``SignUp`` it is for, under a key derived from (event, sign-up,
hour), so completing an event twice awards once.

The one import path for callers is ``civicpoints.events.services``; the code
lives in sub-domain modules: ``organizing`` (create, publish, update, photos,
summary, cancel; who may organize), ``signup`` (sign-up, cancel, waitlist),
``checkin`` (check-in/out by code and card), ``awards`` (completion and its
points), ``reminders``; ``_common`` holds the private helpers they share.
"""

from civicpoints.events.services._common import ACTIVE
from civicpoints.events.services.awards import CompletionResult, event_complete
from civicpoints.events.services.checkin import (
    CHECK_IN_OPENS_BEFORE,
    event_check_in_by_card,
    event_check_in_by_code,
    event_check_out_by_card,
    event_check_out_by_code,
)
from civicpoints.events.services.organizing import (
    MAX_CAPACITY,
    MAX_PHOTOS,
    CancelResult,
    can_organize,
    event_cancel,
    event_create,
    event_photo_add,
    event_publish,
    event_summary_set,
    event_update,
    require_organizer,
)
from civicpoints.events.services.reminders import events_send_reminders
from civicpoints.events.services.signup import event_sign_up, event_sign_up_cancel

__all__ = [
    "ACTIVE",
    "CHECK_IN_OPENS_BEFORE",
    "CancelResult",
    "CompletionResult",
    "MAX_CAPACITY",
    "MAX_PHOTOS",
    "can_organize",
    "event_cancel",
    "event_check_in_by_card",
    "event_check_in_by_code",
    "event_check_out_by_card",
    "event_check_out_by_code",
    "event_complete",
    "event_create",
    "event_photo_add",
    "event_publish",
    "event_sign_up",
    "event_sign_up_cancel",
    "event_summary_set",
    "event_update",
    "events_send_reminders",
    "require_organizer",
]
