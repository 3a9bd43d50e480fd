"""Share links that earn points only for the new readers they bring (issue 15, item 4).

``share_token`` gives a resident their link token for a post, article or event; the
item's page puts it in the address it shares (``?s=<token>``). ``share_visit_record``
is called by that page when someone opens it with a token. The sharer earns the
catalog rule ``share_new_reader`` (1 point, at most 5 a local day in the shipped
catalog) once for each *new reader*:

- a signed-in, active person — a visitor without an account cannot be told apart
  from the same visitor again, so only readers with an account count;
- not the sharer (also a CHECK constraint);
- not someone who had seen the item before (the page says so: e.g. the article was
  already read, the post is their own);
- the first share to bring that reader to that item: one ``ShareVisit`` per reader
  and item (a UNIQUE constraint; a race of two requests writes one row, awards once);
- within the rule's daily cap, counted in local days by the ledger.

A token that does not verify, names no link, or names another item is ignored: the
page opens as without one. The token is ``key:signature`` (``django.core.signing``,
salted), the key a random string bound to the link row: no user id travels.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicpoints.accounts.models import User
from civicpoints.accounts.scope import town_of
from civicpoints.points.errors import CapReached, NotAResident, RuleNotInForce, UnknownRule
from civicpoints.points.models import PointTransaction
from civicpoints.points.services import points_award, rule_get
from civicpoints.sharing.models import ShareLink, ShareOutcome, ShareTarget, ShareVisit

log = logging.getLogger("civicpoints.sharing")

SHARE_RULE = "share_new_reader"
TOKEN_SALT = "civicpoints.sharing.link"  # noqa: S105  # nosec B105 - a signing salt
TOKEN_PARAM = "s"  # noqa: S105  # nosec B105 - the query parameter that carries the token
TOKEN_MAX = 100  # characters; longer values are not looked at


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT)


def share_token(
    *, sharer: User | AnonymousUser, target: str, object_id: int, town_id: int
) -> str | None:
    """The signed token of ``sharer``'s link to the item (the link is created the first
    time), or None for someone who cannot earn by sharing (not an active resident, or
    a resident of another town than the item's: nothing is written into another town).

    Args: target: a ``ShareTarget`` value; object_id: the post, article or event id;
        town_id: the item's town.
    Returns: ``"<key>:<signature>"`` (URL-safe, ~40 characters).
    """
    if not isinstance(sharer, User) or not (sharer.is_active and sharer.is_resident):
        return None
    if sharer.town_id != town_id:  # a resident earns by sharing their own town's items
        return None
    if target not in ShareTarget.values:
        raise ValueError(f"unknown share target {target!r}")
    link = ShareLink.objects.filter(
        town_id=town_id, sharer=sharer, target=target, object_id=object_id
    ).first()
    if link is None:
        try:
            with transaction.atomic():
                link = ShareLink.objects.create(
                    town_id=town_id,
                    sharer=sharer,
                    target=target,
                    object_id=object_id,
                    key=secrets.token_urlsafe(12),
                )
        except IntegrityError:  # the same person's second tab made it first
            link = ShareLink.objects.get(
                town_id=town_id, sharer=sharer, target=target, object_id=object_id
            )
    return _signer().sign(link.key)


def share_link_from_token(token: str | None) -> ShareLink | None:
    """The link a token names, or None when it is missing, too long, tampered with or
    unknown."""
    if not token or len(token) > TOKEN_MAX:
        return None
    try:
        key = _signer().unsign(token)
    except signing.BadSignature:
        return None
    return ShareLink.objects.select_related("sharer").filter(key=key).first()


@dataclass(frozen=True)
class VisitResult:
    """What a visit with a token came to: ``counted`` (a new reader, a ``ShareVisit``
    written), ``outcome`` (a ``ShareOutcome`` value when counted, else why not:
    ``no_token``, ``bad_token``, ``other_item``, ``visitor``, ``sharer``,
    ``seen_before``, ``repeat``), and the ledger row when points were awarded."""

    counted: bool
    outcome: str
    award: PointTransaction | None = None


def share_visit_record(
    *,
    token: str | None,
    reader: User | AnonymousUser,
    target: str,
    object_id: int,
    seen_before: bool = False,
    title: str = "",
) -> VisitResult:
    """``reader`` opened the item (``target``, ``object_id``) through a share link.

    Writes a ``ShareVisit`` when the reader is new (see the module) and awards the
    sharer ``share_new_reader`` through ``points.services.points_award`` with the
    idempotency key ``share:<town>:<target>:<object id>:<reader id>`` (one per reader
    and item, whoever shared), in one transaction with the visit. A reached daily
    cap, a rule switched off or a sharer who is no longer an active resident still
    records the visit (the reader was brought), without points.

    Args: token: the ``s`` query parameter as received (anything); seen_before: the
        page knows the reader had seen the item before (then nothing is recorded);
        title: the item's title, the memo of the award in the sharer's history.
    Returns: a ``VisitResult``. Raises nothing for a bad token (it is ignored).
    """
    link = share_link_from_token(token)
    if not token:
        return VisitResult(False, "no_token")
    if link is None:
        return VisitResult(False, "bad_token")
    if link.target != target or link.object_id != object_id:
        return VisitResult(False, "other_item")
    if not isinstance(reader, User) or not reader.is_active:
        return VisitResult(False, "visitor")
    if reader.pk == link.sharer_id:
        return VisitResult(False, "sharer")
    if seen_before:
        return VisitResult(False, "seen_before")
    if ShareVisit.objects.filter(
        town_id=link.town_id, target=target, object_id=object_id, reader=reader
    ).exists():
        return VisitResult(False, "repeat")
    try:
        with transaction.atomic():
            visit = ShareVisit.objects.create(
                town_id=link.town_id,
                link=link,
                sharer_id=link.sharer_id,
                target=target,
                object_id=object_id,
                reader=reader,
                outcome=ShareOutcome.NOT_ELIGIBLE,
                visited_at=timezone.now(),
            )
            award = _award(link, visit, title)
            if visit.outcome != ShareOutcome.NOT_ELIGIBLE:
                visit.save(update_fields=["outcome"])
    except IntegrityError:  # a parallel request of the same reader counted first
        return VisitResult(False, "repeat")
    return VisitResult(True, visit.outcome, award)


def _award(link: ShareLink, visit: ShareVisit, title: str) -> PointTransaction | None:
    """Award the sharer for ``visit`` inside the caller's transaction; sets ``visit.outcome``."""
    key = f"share:{visit.town_id}:{visit.target}:{visit.object_id}:{visit.reader_id}"
    try:
        with transaction.atomic():  # a refusal leaves the visit standing
            row = points_award(
                resident=link.sharer,
                rule=rule_get(SHARE_RULE, town_id=town_of(link.sharer)),
                cause=visit,
                idempotency_key=key,
                memo=title[:200],
            )
    except CapReached:
        visit.outcome = ShareOutcome.CAP_REACHED
        return None
    except (NotAResident, RuleNotInForce, UnknownRule):
        return None
    visit.outcome = ShareOutcome.AWARDED
    return row
