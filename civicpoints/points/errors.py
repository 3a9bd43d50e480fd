"""Errors the points services raise; each has a stable ``code``."""

from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import Conflict, DomainError, InvalidInput


class InsufficientPoints(DomainError):
    code = "insufficient_points"
    status = 409
    default_detail = _("Not enough points.")


class CapReached(Conflict):
    code = "cap_reached"
    default_detail = _("This rule's limit for the period has been reached.")


class UnknownRule(InvalidInput):
    code = "unknown_rule"
    default_detail = _("There is no such point rule.")


class RuleNotAwardableByHand(InvalidInput):
    code = "automatic_rule"
    default_detail = _(
        "This rule is awarded automatically when residents do the thing; staff cannot award it."
    )


class RuleNotInForce(InvalidInput):
    code = "rule_not_in_force"
    default_detail = _("This point rule is not active today.")


class NotAResident(InvalidInput):
    code = "not_a_resident"
    default_detail = _("Points are kept for active residents only.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_detail = _("This idempotency key was already used for a different request.")


class DailyLimitReached(Conflict):
    code = "manual_daily_limit"
    default_detail = _("You have reached your daily limit of manual points.")


class SecondConfirmationRequired(Conflict):
    code = "second_confirmation_required"
    default_detail = _(
        "This many points need a second staff member's confirmation: file it as a request."
    )


class NotPending(Conflict):
    code = "not_pending"
    default_detail = _("This adjustment was already decided.")


class SameStaffMember(DomainError):
    code = "same_staff_member"
    status = 403
    default_detail = _("Another staff member must confirm your own request.")


class BudgetExhausted(CapReached):
    """Past the town's monthly issuance budget (a ``CapReached``: callers that approve
    without points on a reached cap do the same here)."""

    budget_id: int = 0  # the budget that was past
    code = "budget_exhausted"
    default_detail = _("This month's points budget for this rule is used up.")


class BudgetQueued(CapReached):
    """Past a ``confirm`` budget: the award waits for a town admin (``QueuedAward``)."""

    budget_id: int = 0  # the budget that was past
    code = "budget_queued"
    default_detail = _(
        "This month's points budget for this rule is used up; the award waits for the town "
        "to confirm it."
    )


class AwaitingConfirmation(CapReached):
    """The rule needs a staff member's confirmation and none gave it: the award waits in
    the town's queue (``QueuedAward``, reason ``confirmation``) for a town admin."""

    code = "awaiting_confirmation"
    default_detail = _("This award needs a staff member's confirmation; it waits for the town.")
