"""The inbox's subscription to the ledger (``points.hooks``): what a resident is told
about their points.

Told (kind, title):
- a staff-confirmed award (an award row with an actor): ``points_awarded``,
  "You earned N points: <rule>"; automatic awards (reading an article) stay quiet;
- the reversal of an award: ``points_reversed``, "N points were taken back: <rule>"
  (a refund of a spend — a voucher expiring — is told by the merchants app itself);
- points expired under the town's expiry policy: ``points_expired``, "N points
  expired" (the memo says which);
- a staff adjustment: ``points_awarded`` or ``points_reversed`` by its sign,
  "Your balance was adjusted by ±N points: <reason>".

Subscribed in ``NotificationsConfig.ready()``; runs inside the ledger's transaction,
so the message disappears if the change rolls back, and channels run after commit.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import notify
from civicpoints.points.models import PointTransaction, TransactionKind


def _news(row: PointTransaction) -> tuple[str, object] | None:
    """(kind, title template) for a row worth telling the resident about, else None."""
    if row.kind == TransactionKind.AWARD and row.actor_id is not None:
        return NotificationKind.POINTS_AWARDED, _("You earned %(points)d points: %(rule)s")
    if (
        row.kind == TransactionKind.REVERSAL
        and row.reverses is not None
        and row.reverses.kind == TransactionKind.AWARD
    ):
        return NotificationKind.POINTS_REVERSED, _("%(points)d points were taken back: %(rule)s")
    if row.kind == TransactionKind.EXPIRY:
        return NotificationKind.POINTS_EXPIRED, _("%(points)d points expired")
    if row.kind == TransactionKind.ADJUSTMENT:
        kind = (
            NotificationKind.POINTS_AWARDED if row.points > 0 else NotificationKind.POINTS_REVERSED
        )
        return kind, _("Your balance was adjusted by %(signed)s points: %(memo)s")
    return None


def tell_resident(row: PointTransaction) -> None:
    """Ledger subscriber: put a points message in the resident's inbox when the row is news."""
    news = _news(row)
    if news is None:
        return
    kind, template = news
    notify(
        recipient=row.resident,
        kind=kind,
        title=lambda: (
            str(template)
            % {
                "points": abs(row.points),
                "signed": f"{row.points:+d}",
                "rule": row.rule.name if row.rule else "",
                "memo": row.memo,
            }
        ),
        body=row.memo,
        url=reverse("points:history"),
    )
