"""Every change to integrity flags: raise, hold awards, decide (clear or uphold), record origins.

Detection lives next to the data it reads — photo repeats here (every domain
hands its uploads in), late check-ins in ``events``, like and share rings in
``posts``, registration bursts here (through ``accounts.hooks``) — and every
detector ends in ``flag_raise``. A flag holds the awards of its subject
(``award_or_hold``) until staff decide: **clear** (a false flag, with why: the
held awards are written to the ledger now) or **uphold** (with why: they are
withheld for good). Nothing is deleted; the decision is recorded on the flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.hooks import RegistrationOrigin
from civicpoints.accounts.locks import lock_person
from civicpoints.accounts.models import User
from civicpoints.accounts.scope import town_of
from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.core.imaging import NEAR_DISTANCE, Fingerprint, fingerprint_distance
from civicpoints.core.origin import origin_hash
from civicpoints.integrity.errors import AlreadyDecided
from civicpoints.integrity.hooks import held_award_issued
from civicpoints.integrity.models import (
    REASON_MAX,
    Flag,
    FlagKind,
    FlagStatus,
    HeldAward,
    HeldStatus,
    PhotoFingerprint,
)
from civicpoints.integrity.models import (
    RegistrationOrigin as Origin,
)
from civicpoints.integrity.selectors import flag_for_staff
from civicpoints.points import services as points
from civicpoints.points.errors import CapReached, NotAResident, RuleNotInForce
from civicpoints.points.models import PointRule, PointTransaction

# Registration bursts: this many self-registrations from one address or one device
# within the window (the new one included) flag the new one.
BURST_COUNT = 5
BURST_WINDOW = dt.timedelta(hours=1)


def _ct(obj: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(obj)


def flag_raise(
    *,
    kind: str,
    subject: models.Model,
    town_id: int,
    community_id: int | None,
    resident: User | None,
    reason: str,
    evidence: dict,
    subject_url: str = "",
    once: bool = False,
) -> Flag | None:
    """Open a flag about ``subject`` (or add to its open flag of the same kind).

    Args:
        kind: a ``FlagKind``; reason: one line for the queue (≤ 300 characters);
        evidence: JSON the queue shows (what matched, counts, ids, links);
        once: True for detectors that rerun over the same data (rings, bursts):
            a subject flagged once for ``kind``, whatever the decision, is not
            flagged again.

    Returns: the open flag, or None when ``once`` found an earlier one.
    Runs in the caller's transaction (a savepoint guards the unique open flag).
    """
    existing = Flag.objects.filter(kind=kind).about(subject)
    if once and existing.exists():
        return None
    flag = existing.filter(status=FlagStatus.OPEN).first()
    if flag is not None:
        items = flag.evidence.setdefault("more", [])
        items.append(evidence)
        flag.save(update_fields=["evidence"])
        return flag
    try:
        with transaction.atomic():
            return Flag.objects.create(
                town_id=town_id,
                community_id=community_id,
                kind=kind,
                subject_type=_ct(subject),
                subject_id=str(subject.pk),
                subject_url=subject_url[:200],
                resident=resident,
                reason=reason[:REASON_MAX],
                evidence=evidence,
            )
    except IntegrityError:  # a concurrent detector opened it first
        return existing.filter(status=FlagStatus.OPEN).first()


# ---------------------------------------------------------------- photos


def photos_check(
    *,
    subject: models.Model,
    uploader: User,
    community_id: int | None,
    subject_url: str,
    photos: Sequence[tuple[Fingerprint, str]],
) -> Flag | None:
    """Record the fingerprints of photos just uploaded for ``subject`` and flag near repeats.

    Args:
        photos: (fingerprint, stored thumbnail name) per photo, in upload order.

    Each photo is compared with every earlier fingerprint of the town (any
    resident's, any post or report; not ``subject``'s own): at most
    ``core.imaging.NEAR_DISTANCE`` bits apart (whole photo or its centred crops,
    so resized, recompressed and edge-cropped copies match) is a repeat. A plain
    picture (near-uniform) is neither stored nor compared. One
    ``photo_repeat`` flag per subject lists, per repeated photo, the closest
    earlier one with its post or report, uploader, time and distance.

    Cost: one scan of the town's fingerprints (16-hex-digit pairs) per upload, in Python.
    """
    if not photos:
        return None
    ct = _ct(subject)
    earlier = list(
        PhotoFingerprint.objects.filter(town_id=town_of(uploader))
        .exclude(subject_type=ct, subject_id=str(subject.pk))
        .select_related("uploader")
        .only(
            "hashes",
            "subject_url",
            "thumbnail",
            "created_at",
            "subject_type",
            "subject_id",
            "uploader__nickname",
            "uploader_id",
        )
    )
    numbered = [(i, fp, thumb) for i, (fp, thumb) in enumerate(photos) if not fp.plain]
    if not numbered:
        return None
    known = [(e, Fingerprint.parse(e.hashes)) for e in earlier]
    matches: list[dict[str, Any]] = []
    for i, fp, thumb in numbered:
        best, best_d = None, NEAR_DISTANCE + 1
        for e, efp in known:
            d = fingerprint_distance(fp, efp)
            if d < best_d:
                best, best_d = e, d
        if best is not None:
            matches.append(
                {
                    "photo": i + 1,
                    "thumbnail_url": default_storage.url(thumb) if thumb else "",
                    "distance": best_d,
                    "earlier": {
                        "url": best.subject_url,
                        "kind": best.subject_type.model,
                        "id": best.subject_id,
                        "thumbnail_url": default_storage.url(best.thumbnail)
                        if best.thumbnail
                        else "",
                        "uploader": best.uploader.nickname,
                        "same_resident": best.uploader_id == uploader.pk,
                        "at": best.created_at.isoformat(),
                    },
                }
            )
    PhotoFingerprint.objects.bulk_create(
        PhotoFingerprint(
            town_id=town_of(uploader),
            community_id=community_id,
            uploader=uploader,
            subject_type=ct,
            subject_id=str(subject.pk),
            subject_url=subject_url[:200],
            thumbnail=thumb[:200],
            hashes=fp.serialize(),
        )
        for _i, fp, thumb in numbered
    )
    if not matches:
        return None
    same = all(m["earlier"]["same_resident"] for m in matches)
    reason = (
        _("%(n)d photo(s) repeat an earlier photo of the same resident.")
        if same
        else _("%(n)d photo(s) repeat an earlier photo.")
    ) % {"n": len(matches)}
    return flag_raise(
        kind=FlagKind.PHOTO_REPEAT,
        subject=subject,
        town_id=town_of(uploader),
        community_id=community_id,
        resident=uploader,
        reason=reason,
        evidence={"matches": matches},
        subject_url=subject_url,
    )


# ---------------------------------------------------------------- registrations


def registration_record(origin: RegistrationOrigin) -> None:
    """Subscriber of ``accounts.hooks.resident_registered_from``: keep the origin (hashed)
    and flag the account when its address or device registered ``BURST_COUNT`` or more
    accounts in the town within ``BURST_WINDOW`` (itself included)."""
    user = origin.user
    addr = origin_hash(origin.address, purpose="address")
    dev = origin_hash(origin.device, purpose="device")
    now = timezone.now()
    Origin.objects.create(
        town_id=town_of(user), user=user, address_hash=addr, device_hash=dev, created_at=now
    )
    recent = Origin.objects.filter(town_id=town_of(user), created_at__gte=now - BURST_WINDOW)
    for what, value, field in (("address", addr, "address_hash"), ("device", dev, "device_hash")):
        if not value:
            continue
        ids = list(recent.filter(**{field: value}).values_list("user_id", flat=True)[:50])
        if len(ids) >= BURST_COUNT:
            flag_raise(
                kind=FlagKind.REGISTRATION_BURST,
                subject=user,
                town_id=town_of(user),
                community_id=user.community_id,
                resident=user,
                reason=_("%(n)d accounts registered from one %(what)s within %(minutes)d minutes.")
                % {
                    "n": len(ids),
                    "what": _("address") if what == "address" else _("device"),
                    "minutes": BURST_WINDOW.seconds // 60,
                },
                evidence={"same": what, "accounts": sorted(ids), "window_seconds": 3600},
                once=True,
            )
            return


# ---------------------------------------------------------------- held awards


def award_or_hold(
    *,
    subject: models.Model,
    resident: User,
    rule: PointRule,
    cause: models.Model | None = None,
    idempotency_key: str | None = None,
    actor: User | None = None,
    memo: str = "",
    at: dt.datetime | None = None,
    also: models.Model | None = None,
) -> PointTransaction | None:
    """``points.points_award`` — unless ``subject`` (or ``also``) has an open flag: then
    the award is held (a ``HeldAward``, once per key) and None is returned.

    Same arguments and errors as ``points_award``; ``also``: a second thing whose
    flags hold the award too (an attendance award: subject the sign-up, ``also``
    its event, whose record photos are checked for repeats). Call it inside the
    caller's transaction, after locking ``subject`` (and ``also``) as the caller's
    lock order says: it locks the open flags it finds (docs/CONVENTIONS.md, "Lock
    order"). A held award is written when staff clear the last open flag on
    ``subject`` and ``also`` (``flag_clear``) and withheld when one is upheld.
    """
    # Lock the open flags (lock order 3, after the caller's domain rows; pk order): a
    # clear that committed first has dropped its flag from the set (PostgreSQL re-checks
    # ``status`` on the locked row); one that comes later waits for this transaction and
    # then finds the held award (``_decide``). Without the lock an award could be held
    # just as its last flag is cleared, and stay held with no open flag.
    about = Q(subject_type=_ct(subject), subject_id=str(subject.pk))
    if also is not None:
        about |= Q(subject_type=_ct(also), subject_id=str(also.pk))
    flagged = list(
        Flag.objects.for_town(subject.town_id)  # type: ignore[attr-defined]  # subjects have a town
        .open()
        .filter(about)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk")
    )
    if flagged:
        key = idempotency_key or points.award_key(rule=rule, resident=resident, cause=cause)
        HeldAward.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "town_id": town_of(resident),
                "subject_type": _ct(subject),
                "subject_id": str(subject.pk),
                "also_type": _ct(also) if also is not None else None,
                "also_id": str(also.pk) if also is not None else "",
                "resident": resident,
                "rule": rule,
                "cause_type": _ct(cause) if cause is not None else None,
                "cause_id": str(cause.pk) if cause is not None else "",
                "actor": actor,
                "memo": memo[:200],
            },
        )
        return None
    return points.points_award(
        resident=resident,
        rule=rule,
        cause=cause,
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
        at=at,
    )


def _why(why: str) -> str:
    why = (why or "").strip()
    if not why:
        raise InvalidInput(_("Say why."), field="why", code="required")
    if len(why) > REASON_MAX:
        raise InvalidInput(
            _("At most %(n)d characters.") % {"n": REASON_MAX}, field="why", code="too_long"
        )
    return why


def _decide(actor: User, flag: Flag, status: str, why: str) -> Flag:
    why = _why(why)
    if not actor.is_community_staff:
        raise OutOfScope()
    with transaction.atomic():
        flag = flag_for_staff(actor, flag.pk)  # scope: NotFound outside it
        _lock_subject(flag)
        flag = Flag.objects.select_for_update().get(pk=flag.pk)
        if flag.status != FlagStatus.OPEN:
            raise AlreadyDecided(field="status")
        flag.status = status
        flag.decided_by = actor
        flag.decided_at = timezone.now()
        flag.decision_note = why
        flag.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        held = HeldAward.objects.select_for_update(of=("self",)).filter(
            Q(subject_type_id=flag.subject_type_id, subject_id=flag.subject_id)
            | Q(also_type_id=flag.subject_type_id, also_id=flag.subject_id),
            status=HeldStatus.HELD,
        )
        if status == FlagStatus.UPHELD:
            held.update(status=HeldStatus.WITHHELD, settled_at=flag.decided_at)
        else:
            for h in held.select_related("resident", "rule", "cause_type").order_by("pk"):
                if not _still_flagged(h):
                    _issue(h, actor)
    return flag


def _lock_subject(flag: Flag) -> None:
    """Lock the row the flag is about before the flag itself (docs/CONVENTIONS.md, "Lock
    order": the domain's row, then the rows under it — flags, held awards).

    Every award path locks its subject (``post_approve`` the post, ``report_accept`` the
    report, ``event_complete`` the event and then its sign-ups) before ``award_or_hold``
    locks the open flags; the release then writes back onto that row (the
    ``held_award_issued`` subscribers). Taking it first here keeps the two paths in one
    order, so they wait for each other instead of deadlocking. A person (registration
    bursts) is locked as every person is (``lock_person``). A subject row gone: nothing
    to lock.
    """
    model = flag.subject_type.model_class()
    if model is None:
        return
    if model is User:
        lock_person(int(flag.subject_id))
        return
    # FOR NO KEY UPDATE: it waits for the award paths' locks, not for rows that merely
    # point at the subject (a comment's foreign-key check).
    rows = model._default_manager.select_for_update(no_key=True).filter(pk=flag.subject_id)
    list(rows.values_list("pk"))


def _still_flagged(h: HeldAward) -> bool:
    """An open flag on the held award's subject or on its ``also`` thing."""
    where = Q(subject_type_id=h.subject_type_id, subject_id=h.subject_id)
    if h.also_type_id is not None:
        where |= Q(subject_type_id=h.also_type_id, subject_id=h.also_id)
    return Flag.objects.for_town(h.town_id).open().filter(where).exists()


def _issue(h: HeldAward, actor: User) -> None:
    cause = None
    if h.cause_type is not None:
        cause = h.cause_type.get_object_for_this_type(pk=h.cause_id)
    h.settled_at = timezone.now()
    try:
        with transaction.atomic():
            row = points.points_award(
                resident=h.resident,
                rule=PointRule.objects.get(pk=h.rule_id),
                cause=cause,
                idempotency_key=h.idempotency_key,
                actor=h.actor or actor,
                memo=h.memo,
            )
    except (CapReached, RuleNotInForce, NotAResident) as exc:
        h.status = HeldStatus.WITHHELD
        h.memo = str(exc.detail)[:200]
        h.save(update_fields=["status", "memo", "settled_at"])
        return
    h.status = HeldStatus.ISSUED
    h.transaction = row
    h.save(update_fields=["status", "transaction", "settled_at"])
    held_award_issued.send(h)


def flag_clear(*, actor: User, flag: Flag, why: str) -> Flag:
    """A false flag: record why; once no flag on the subject is open, its held awards are
    written to the ledger (now, under today's caps; an award the ledger refuses is
    withheld with the ledger's message).

    Raises: InvalidInput (field ``why``: empty or > 300 characters), NotFound (outside
    the actor's community or town), OutOfScope (not staff), AlreadyDecided (409).
    """
    return _decide(actor, flag, FlagStatus.CLEARED, why)


def flag_uphold(*, actor: User, flag: Flag, why: str) -> Flag:
    """The flag is right: record why; the subject's held awards are withheld for good.

    Nothing else changes: taking a post down or rejecting a report is its own
    decision on its own screen. Raises as ``flag_clear``.
    """
    return _decide(actor, flag, FlagStatus.UPHELD, why)


def held_awards_withhold(*, subject: models.Model) -> int:
    """Withhold the awards still held for ``subject`` (it was rejected, taken down or
    cancelled: nothing is left to award), also those it holds as ``also``. Runs in the
    caller's transaction; returns how many were withheld."""
    ct, pk = _ct(subject), str(subject.pk)
    return HeldAward.objects.filter(
        Q(subject_type=ct, subject_id=pk) | Q(also_type=ct, also_id=pk),
        status=HeldStatus.HELD,
    ).update(status=HeldStatus.WITHHELD, settled_at=timezone.now())
