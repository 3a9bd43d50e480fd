"""Errors the event services raise; each has a stable ``code`` clients branch on."""

from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import Conflict, InvalidInput, NotFound, OutOfScope


class EventNotFound(NotFound):
    code = "event_not_found"
    default_detail = _("There is no such event.")


class NotYourEvent(OutOfScope):
    """The staff member's community (or town) does not organize this event."""

    code = "not_your_event"
    default_detail = _("This event is organized by another community.")


class NotEligible(OutOfScope):
    code = "not_eligible"
    default_detail = _("This event is open to residents of its community only.")


class EventNotOpen(Conflict):
    code = "event_not_open"
    default_detail = _("This event is not open for sign-up.")


class SignUpClosed(Conflict):
    code = "signup_closed"
    default_detail = _("The sign-up deadline has passed.")


class TooLateToCancel(Conflict):
    code = "too_late_to_cancel"
    default_detail = _("The event has started; the sign-up can no longer be cancelled.")


class NotSignedUp(Conflict):
    code = "not_signed_up"
    default_detail = _("You have no confirmed place on this event, and it takes no walk-ins.")


class NotCheckedIn(Conflict):
    code = "not_checked_in"
    default_detail = _("Check in before checking out.")


class CheckInClosed(Conflict):
    code = "check_in_closed"
    default_detail = _("Check-in opens an hour before the start and closes at the end.")


class CodeExpired(InvalidInput):
    code = "code_expired"
    default_detail = _("This check-in code has expired; scan the code on the screen again.")


class InvalidCode(InvalidInput):
    code = "invalid_code"
    default_detail = _("This is not a check-in code of this event.")


class WrongStatus(Conflict):
    code = "wrong_status"
    default_detail = _("The event is not in a state that allows this.")
