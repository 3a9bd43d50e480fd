"""Which rules the platform awards by itself (no staff member involved).

The ledger knows no domain, so the apps that award a rule on their own register its
code here in their ``AppConfig.ready()``: articles (``article_reading``), engagement
(check-in, quiz, pledge, survey), posts (a section's default award on approval,
``good_deed_post``). A rule is shown as automatic only when its code is registered
and it does not require confirmation (``is_automatic``); every other rule is one
that staff award (the staff desk lists them), whatever its flags say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from civicpoints.points.models import PointRule

_AUTOMATIC: set[str] = set()


def register_automatic(*codes: str) -> None:
    """Declare that the calling app awards rules ``codes`` by itself."""
    _AUTOMATIC.update(codes)


def automatic_codes() -> frozenset[str]:
    """Every rule code some code path awards without a staff member."""
    return frozenset(_AUTOMATIC)


def is_automatic(rule: PointRule) -> bool:
    """True when ``rule`` is earned by doing the thing on the platform, with no staff
    member: its code is registered and it does not require confirmation."""
    return rule.code in _AUTOMATIC and not rule.requires_confirmation
