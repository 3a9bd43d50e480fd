"""Hooks of the integrity app, for the domain apps above it (see ``core.hooks``).

``held_award_issued``: a held award (``HeldAward``) was written to the ledger
after staff cleared the last open flag on its subject; sent inside that
transaction with the ``HeldAward`` (``transaction`` set). Subscribers record the
row on their own object: posts (``Post.award``), reports (``Report.award``),
events (``SignUp.points_awarded``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicpoints.core.hooks import Hook

if TYPE_CHECKING:
    from civicpoints.integrity.models import HeldAward

held_award_issued: Hook[HeldAward] = Hook(
    "integrity.held_award_issued", "A held award was issued after its flags were cleared."
)
