"""The ledger's one outward hook: apps above it hear of every new ledger row.

The ledger knows no domain and sends no message (docs/CONVENTIONS.md, "Layers"):
``points`` never imports the inbox. An app that must react to a new row — the inbox
telling a resident about a staff-confirmed award, a reversal or an adjustment —
subscribes once at start-up, in its ``AppConfig.ready()``::

    from civicpoints.points.hooks import ledger_row_written

    ledger_row_written.subscribe(tell_resident)

Contract for a subscriber ``f(row: PointTransaction) -> None``:

- it is called inside the ledger's transaction, right after the row is inserted
  (``row.pk``, ``row.balance_after``, ``row.resident``, ``row.rule`` and
  ``row.reverses`` are set, no query needed), and only for a row really written —
  never for a replayed request;
- it may write in that transaction (an inbox row); anything that leaves the
  process (SMS, WeChat) goes through ``transaction.on_commit``, so a rolled-back
  change tells nobody;
- an exception it raises rolls the ledger row back with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicpoints.core.hooks import Hook

if TYPE_CHECKING:
    from civicpoints.points.models import PointTransaction, QueuedAward

ledger_row_written: Hook[PointTransaction] = Hook(
    "points.ledger_row_written", "A ledger row was written (inside its transaction)."
)

# ``award_released``: an award that waited (a ``QueuedAward`` past a ``confirm``
# budget) was confirmed by a town admin and written; sent inside that transaction
# with the QueuedAward (``transaction`` set; ``subject_type_id``/``subject_id`` name
# its cause). Posts, reports and events record the row on their object, as they do
# for awards held by integrity flags.
award_released: Hook[QueuedAward] = Hook(
    "points.award_released", "A queued award past a budget was confirmed and written."
)
