"""Errors of posts and moderation; each has a stable ``code``."""

from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import Conflict, InvalidInput, OutOfScope


class IllegalMove(Conflict):
    """A workflow move not allowed from the current state (409)."""

    code = "illegal_move"
    default_detail = _("This cannot be done in the current state.")


class OwnContent(OutOfScope):
    code = "own_content"
    default_detail = _("Nobody reviews or decides on their own post.")


class SameDecider(OutOfScope):
    code = "same_decider"
    default_detail = _("A different staff member must decide on this appeal.")


class AlreadyAppealed(Conflict):
    code = "already_appealed"
    default_detail = _("This decision has already been appealed once.")


class RuleNotClaimable(InvalidInput):
    code = "rule_not_claimable"
    default_detail = _("Points cannot be claimed for this rule on a post.")
