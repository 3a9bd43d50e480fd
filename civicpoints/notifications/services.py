"""Sending and reading notifications. Call ``notify`` inside the transaction of the change."""

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Community, Grid, Role, User
from civicpoints.accounts.scope import require_staff, town_of
from civicpoints.core.errors import Conflict, InvalidInput, NotFound, OutOfScope
from civicpoints.notifications.models import (
    Broadcast,
    DeliveryFailure,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from civicpoints.notifications.tasks import enqueue_batches, enqueue_delivery

Text = str | Callable[[], str]


def in_language_of(recipient: User, text: Text) -> str:
    """``text`` rendered in ``recipient``'s language: a callable is called, and a
    lazy translation is turned into a str, with that language active."""
    with translation.override(recipient.language or None):
        return text() if callable(text) else str(text)


def message(template, /, **params) -> Callable[[], str]:
    """A title or body for ``notify``: ``template`` filled with ``params`` (%-style)
    when it is rendered in the recipient's language.

    ``template`` must be a lazy translation (``gettext_lazy("Tomorrow: %(title)s")``)
    so that the language is chosen at rendering; ``params`` are names, numbers and
    dates taken as given (a lazy value among them is rendered in that language too).
    """
    return lambda: str(template) % params


def notify(
    *, recipient: User, kind: str, title: Text, body: Text = "", url: str = ""
) -> Notification:
    """Put a message in ``recipient``'s inbox and send it out once the transaction commits.

    Call it from inside the service's transaction: if that transaction rolls
    back, the inbox row disappears with it and no channel is ever called.

    Args:
        recipient: the person told.
        kind: a ``NotificationKind`` value.
        title: one line (≤ 120 characters). Pass a callable (``lambda: _("…") %
            {…}``) or a lazy translation: it is rendered with the recipient's
            language (``User.language``) active, so the inbox, SMS and WeChat
            message read in their language, not in the language of whoever
            caused it. A plain str is stored as it is.
        body: optional text, like ``title``; url: optional link inside the site.

    Returns:
        The saved Notification.
    """
    note = Notification.objects.create(
        recipient=recipient,
        town_id=town_of(recipient),
        kind=kind,
        title=in_language_of(recipient, title)[:120],
        body=in_language_of(recipient, body),
        url=url[:300],
    )
    # after commit, one queued delivery per channel (core.tasks): the request only
    # writes rows; SMS and WeChat calls happen in the worker, with retries
    transaction.on_commit(lambda: enqueue_delivery(note))
    return note


@transaction.atomic
def delivery_failure_record(
    *, notification: Notification, channel: str, error: str, attempts: int
) -> DeliveryFailure:
    """Record that ``channel`` gave up on ``notification`` after ``attempts`` tries
    with ``error`` (a provider code, no text or number); a later failure of the same
    pair refreshes the row. Shown to town admins on ``/messages/failures/``."""
    row, _created = DeliveryFailure.objects.update_or_create(
        notification=notification,
        channel=channel,
        defaults={
            "town_id": notification.town_id,
            "error": error[:80],
            "attempts": attempts,
            "failed_at": timezone.now(),
        },
    )
    return row


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read (idempotent).

    Raises: NotFound — no such notification in ``user``'s inbox.
    """
    try:
        note = Notification.objects.get(pk=notification_id, recipient=user)
    except Notification.DoesNotExist:
        raise NotFound() from None
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
        note.refresh_from_db(fields=["read_at"])
    return note


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many changed."""
    return Notification.objects.filter(recipient=user).unread().update(read_at=timezone.now())


# --- preferences ---------------------------------------------------------------


def preferences_set(*, user: User, choices: dict[str, dict[str, bool]]) -> list:
    """Save ``user``'s channels per kind: ``{kind: {"sms": bool, "wechat": bool}}``.
    Kinds left out keep their setting; the inbox always gets every kind. Returns
    the full list (``preferences.Choice``).

    Raises:
        InvalidInput (422, field ``kind``): an unknown kind; (field ``<kind>``): a
            value that is not ``{"sms": bool, "wechat": bool}``.
    """
    from civicpoints.notifications.preferences import choices_for, sms_offered

    known = set(NotificationKind.values)
    for kind, value in choices.items():
        if kind not in known:
            raise InvalidInput(_("Unknown kind of message."), field="kind", code="unknown_kind")
        if not (
            isinstance(value, dict)
            and set(value) <= {"sms", "wechat"}
            and all(isinstance(v, bool) for v in value.values())
        ):
            raise InvalidInput(
                _("Give sms and wechat as true or false."), field=kind, code="invalid_choice"
            )
    town_id = town_of(user)
    with transaction.atomic():
        saved = {
            p.kind: p
            for p in NotificationPreference.objects.select_for_update()
            .for_town(town_id)
            .filter(user=user)
        }
        for kind, value in choices.items():
            pref = saved.get(kind) or NotificationPreference(
                user=user, town_id=town_id, kind=kind, sms=True, wechat=True
            )
            if "sms" in value:
                pref.sms = value["sms"] if sms_offered(kind) else pref.sms
            if "wechat" in value:
                pref.wechat = value["wechat"]
            pref.updated_at = timezone.now()
            pref.save()
    return choices_for(user.pk, town_id)


# --- broadcasts ----------------------------------------------------------------

BROADCAST_TITLE_MAX = 60  # characters
BROADCAST_BODY_MAX = 500  # characters (an SMS carries the first ~70)


def broadcast_target(
    *, actor: User, community_id: int | None, grid_id: int | None
) -> tuple[Community, Grid | None]:
    """The community (and grid) ``actor`` may broadcast to: community staff their
    community or a grid in it, grid workers their own grid, town admins any
    community or grid of their town.

    Raises:
        OutOfScope (403): not staff, or the target lies outside their scope.
        NotFound (404, field ``grid`` / ``community``): no such one in the town.
        InvalidInput (422, field ``community``): neither given.
    """
    require_staff(actor)
    town_id = town_of(actor)
    grid: Grid | None = None
    if grid_id:
        grid = (
            Grid.objects.select_related("community")
            .filter(pk=grid_id, community__town_id=town_id)
            .first()
        )
        if grid is None:
            raise NotFound(field="grid")
        community = grid.community
        if community_id and community.pk != community_id:
            raise InvalidInput(
                _("That grid is not in that community."), field="grid", code="grid_not_in_community"
            )
    elif community_id:
        found = Community.objects.filter(pk=community_id, town_id=town_id).first()
        if found is None:
            raise NotFound(field="community")
        community = found
    else:
        raise InvalidInput(
            _("Choose a community or a grid."), field="community", code="target_required"
        )
    if actor.role == Role.COMMUNITY_STAFF and community.pk != actor.community_id:
        raise OutOfScope(field="community")
    if actor.role == Role.GRID_WORKER and (grid is None or grid.pk != actor.grid_id):
        raise OutOfScope(field="grid")
    return community, grid


def broadcast_audience(community: Community, grid: Grid | None) -> QuerySet[User]:
    """The active residents a broadcast to ``community`` (or only ``grid``) reaches."""
    qs = User.objects.filter(
        role=Role.RESIDENT, is_active=True, town_id=community.town_id, community=community
    )
    return qs.filter(grid=grid) if grid is not None else qs


def broadcast_send(
    *,
    actor: User,
    community_id: int | None,
    grid_id: int | None,
    title: str,
    body: str,
    idempotency_key: str,
) -> Broadcast:
    """Staff tell every active resident of a community or grid: one inbox row each
    (the inbox always), then after commit one queued task per channel per batch of
    recipients (``tasks.enqueue_batches``), each honouring the residents'
    preferences. The ``Broadcast`` row is the audit record (sender, scope, text,
    count); the request is also in the audit log (a staff POST).

    ``idempotency_key`` (the form's nonce, ≤ 60 characters): a repeat returns
    the first broadcast (``created`` False) and sends nothing again.

    Raises:
        as ``broadcast_target``; InvalidInput (422, field ``title`` / ``body``):
        empty, or longer than 60 / 500 characters; Conflict (409, field
        ``idempotency_key``): the insert failed and no broadcast holds the key
        (the sender's key is prefixed with their id, so no one else can take it).
    """
    community, grid = broadcast_target(actor=actor, community_id=community_id, grid_id=grid_id)
    title = " ".join((title or "").split())
    body = (body or "").strip()
    for field, value, limit in (
        ("title", title, BROADCAST_TITLE_MAX),
        ("body", body, BROADCAST_BODY_MAX),
    ):
        if not value:
            raise InvalidInput(_("This field is required."), field=field, code="required")
        if len(value) > limit:
            raise InvalidInput(
                _("At most %(n)d characters.") % {"n": limit}, field=field, code="too_long"
            )
    key = f"{actor.pk}:{(idempotency_key or '')[:60]}"
    first = Broadcast.objects.filter(idempotency_key=key).first()
    if first is not None:
        first.created = False
        return first
    try:
        with transaction.atomic():
            sent = Broadcast.objects.create(
                town_id=community.town_id,
                community=community,
                grid=grid,
                sender=actor,
                title=title,
                body=body,
                recipients=0,
                idempotency_key=key,
            )
            ids: list[int] = []
            people = broadcast_audience(community, grid).order_by("pk").values_list("pk", flat=True)
            batch: list[Notification] = []
            for pk in people.iterator(chunk_size=2000):
                batch.append(
                    Notification(
                        recipient_id=pk,
                        town_id=community.town_id,
                        kind=NotificationKind.BROADCAST,
                        title=title,
                        body=body,
                    )
                )
                if len(batch) >= 1000:
                    ids += [n.pk for n in Notification.objects.bulk_create(batch)]
                    batch = []
            if batch:
                ids += [n.pk for n in Notification.objects.bulk_create(batch)]
            sent.recipients = len(ids)
            sent.save(update_fields=["recipients"])
            transaction.on_commit(lambda: enqueue_batches(ids))
    except IntegrityError:  # the same key raced in
        first = Broadcast.objects.filter(idempotency_key=key).first()
        if first is None:
            raise Conflict(field="idempotency_key") from None
        first.created = False
        return first
    sent.created = True
    return sent
