"""The report workflow: file, accept, reject, assign, rectify, close, publish.

Moves (anything else raises IllegalTransition, 409)::

    submitted → accepted | rejected
    accepted  → assigned | rejected
    assigned  → rectified   (with an after photo)
    rectified → closed

Each move runs in one transaction with the report row locked
(``select_for_update``; SQLite's IMMEDIATE transaction serializes writers),
writes one ``CaseEvent`` (who, when, from → to, note) and tells the reporter.
Acceptance awards ``uncivil_report_accepted`` to the reporter once (key derived
from the report); rejecting an accepted report reverses that award and takes
down the post published for it, so a rejected report keeps nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpoints.accounts.models import Role, Town, User
from civicpoints.accounts.scope import covers, require_covers, require_staff, town_of
from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.core.imaging import photo_prepare
from civicpoints.core.photos import photo_process, photos_process
from civicpoints.integrity import services as integrity
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import message, notify
from civicpoints.points import services as points
from civicpoints.points.errors import CapReached, NotAResident, RuleNotInForce, UnknownRule
from civicpoints.posts import services as post_services
from civicpoints.reports.errors import AlreadyPublished, IllegalTransition
from civicpoints.reports.models import (
    BODY_MAX,
    MAX_PHOTOS,
    NOTE_MAX,
    PLACE_MAX,
    CaseEvent,
    CaseStatus,
    PhotoKind,
    Report,
    ReportCategory,
    ReportPhoto,
)

AWARD_RULE = "uncivil_report_accepted"

MOVES: dict[str, set[str]] = {
    CaseStatus.SUBMITTED: {CaseStatus.ACCEPTED, CaseStatus.REJECTED},
    CaseStatus.ACCEPTED: {CaseStatus.ASSIGNED, CaseStatus.REJECTED},
    CaseStatus.ASSIGNED: {CaseStatus.RECTIFIED},
    CaseStatus.RECTIFIED: {CaseStatus.CLOSED},
}

DEFAULT_CATEGORIES = (
    ("litter", "乱扔垃圾", "Litter"),
    ("small_ads", "乱贴小广告", "Illegal small ads"),
    ("parking", "乱停车", "Parking"),
    ("noise", "噪音扰民", "Noise"),
    ("public_damage", "损坏公物", "Damage to public property"),
    ("other", "其他", "Other"),
)


def categories_ensure_defaults(town_id: int | None = None) -> list[ReportCategory]:
    """Create the six default categories in town ``town_id`` if missing (idempotent);
    returns them in order. Without a town: in every town (town by town). Subscribed to
    ``accounts.hooks.town_created``: a new town starts with them."""
    from civicpoints.accounts.models import Town

    if town_id is None:
        return [
            c
            for pk in Town.objects.order_by("pk").values_list("pk", flat=True)
            for c in categories_ensure_defaults(pk)
        ]
    return [
        ReportCategory.objects.get_or_create(
            town_id=town_id, code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": i}
        )[0]
        for i, (code, zh, en) in enumerate(DEFAULT_CATEGORIES)
    ]


def town_categories_open(town: Town) -> None:
    """A new town's default report categories (subscribed to ``accounts.hooks.town_created``)."""
    categories_ensure_defaults(town.pk)


def _text(value: str, *, field: str, max_len: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field, code="required")
    if len(value) > max_len:
        raise InvalidInput(
            _("At most %(n)d characters.") % {"n": max_len}, field=field, code="too_long"
        )
    return value


def _save_photos(report: Report, prepared, kind: str) -> list[ReportPhoto]:
    out = []
    for prep in prepared:
        p, pub = prep.processed, prep.public
        row = ReportPhoto(
            town_id=report.town_id,
            report=report,
            kind=kind,
            blurred=[r.as_dict() for r in pub.regions],
        )
        row.image.save(p.photo.name, p.photo, save=False)
        row.thumbnail.save(p.thumbnail.name, p.thumbnail, save=False)
        row.public_image.save(pub.photo.name, pub.photo, save=False)
        row.public_thumbnail.save(pub.thumbnail.name, pub.thumbnail, save=False)
        row.save()
        out.append(row)
    return out


def _photo_files(rows: Iterable[ReportPhoto]) -> list[dict]:
    """The stored files of report photos, for the published post (public renditions included)."""
    return [
        {
            "image": p.image.name,
            "thumbnail": p.thumbnail.name,
            "public_image": p.public_image.name,
            "public_thumbnail": p.public_thumbnail.name,
            "blurred": p.blurred,
        }
        for p in rows
    ]


def report_file(
    *, reporter: User, category: ReportCategory, place: str, body: str, photos: Sequence = ()
) -> Report:
    """A resident reports uncivil behaviour in their community; the case starts ``submitted``.

    Args:
        place: where (≤ 120 characters); body: what happened (≤ 2,000 characters);
        photos: up to 9 uploads, cleaned by ``posts.photos`` (EXIF/GPS removed).

    Raises: OutOfScope (code ``residents_only``), InvalidInput (``category``,
        ``place``, ``body``, ``photos``), PhotoRefused.
    """
    if reporter.role != Role.RESIDENT or reporter.community_id is None:
        raise OutOfScope(
            _("Only residents of a community can file reports."), code="residents_only"
        )
    if not category.is_active or category.town_id != town_of(reporter):
        # another town's categories are not a choice (each town has its own)
        raise InvalidInput(_("No such choice."), field="category", code="invalid_choice")
    place = _text(place, field="place", max_len=PLACE_MAX)
    body = _text(body, field="body", max_len=BODY_MAX)
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)d photos.") % {"n": MAX_PHOTOS}, field="photos", code="too_many_photos"
        )
    processed = [photo_prepare(p) for p in photos_process(photos)]
    with transaction.atomic():
        report = Report.objects.create(
            town_id=town_of(reporter),
            community_id=reporter.community_id,
            reporter=reporter,
            category=category,
            place=place,
            body=body,
        )
        rows = _save_photos(report, processed, PhotoKind.EVIDENCE)
        integrity.photos_check(
            subject=report,
            uploader=reporter,
            community_id=report.community_id,
            subject_url=reverse("reports:detail", args=[report.pk]),
            photos=[
                (p.fingerprint, row.thumbnail.name or "")
                for p, row in zip(processed, rows, strict=True)
            ],
        )
        CaseEvent.objects.create(
            town_id=report.town_id, report=report, actor=reporter, to_status=CaseStatus.SUBMITTED
        )
    return report


def _require_case_staff(actor: User, report: Report) -> None:
    """Staff whose scope (``accounts.scope``) covers the reporter; not the reporter themself."""
    require_staff(actor)
    if actor.pk == report.reporter_id:
        raise OutOfScope(code="own_report")
    require_covers(actor, report.reporter)


def _move(
    report: Report, *, actor: User, to: str, note: str = "", check=None, apply=None
) -> Report:
    """Lock, check the move is allowed, apply it, record it, tell the reporter."""
    with transaction.atomic():
        report = (
            Report.objects.for_town(report.town_id)
            .select_for_update()
            .select_related("reporter")
            .get(pk=report.pk)
        )
        if check:
            check(report)
        if to not in MOVES.get(report.status, set()):
            raise IllegalTransition(field="status")
        before = report.status
        report.status = to
        report.updated_at = timezone.now()
        extra = apply(report) if apply else None
        report.save()
        CaseEvent.objects.create(
            town_id=report.town_id,
            report=report,
            actor=actor,
            from_status=before,
            to_status=to,
            note=note,
        )
        notify(
            recipient=report.reporter,
            kind=NotificationKind.REPORT_UPDATED,
            title=message(
                gettext_lazy("Your report #%(id)d: %(status)s"),
                id=report.pk,
                status=CaseStatus(report.status).label,
            ),
            body=note or (extra or ""),
            url=reverse("reports:detail", args=[report.pk]),
        )
    return report


def report_accept(*, actor: User, report: Report, note: str = "") -> Report:
    """Accept a submitted report and award the reporter ``uncivil_report_accepted`` once.

    A reached daily cap (3 a day) or a rule out of force accepts without points.

    Raises: OutOfScope (scope), IllegalTransition (not submitted), InvalidInput (``note``).
    """
    note = _text(note, field="note", max_len=NOTE_MAX, required=False)
    _require_case_staff(actor, report)

    def apply(r: Report) -> str:
        try:
            rule = points.rule_get(AWARD_RULE, town_id=r.town_id)
            # Held while an integrity flag on the report (a repeated photo) is open.
            r.award = integrity.award_or_hold(
                subject=r, resident=r.reporter, rule=rule, cause=r, actor=actor
            )
        except (CapReached, RuleNotInForce, NotAResident, UnknownRule) as exc:
            return str(exc.detail)
        if r.award is None:
            return _("The points wait for a staff decision on an integrity flag.")
        return ""

    return _move(report, actor=actor, to=CaseStatus.ACCEPTED, note=note, apply=apply)


def report_reject(*, actor: User, report: Report, reason: str) -> Report:
    """Reject a submitted or accepted report with a reason the reporter sees.

    A decision undoes what the case earned and published (invariant 5): the
    acceptance award (``uncivil_report_accepted``) is reversed by a
    compensating row, and a post published for the case is taken down
    (``posts.services.post_withdraw_for_report``) — in the same transaction.

    Raises: InvalidInput (``reason`` empty), OutOfScope, IllegalTransition,
        InsufficientPoints (the reporter spent the award; nothing is written —
        settle with an adjustment first).
    """
    reason = _text(reason, field="reason", max_len=NOTE_MAX)
    _require_case_staff(actor, report)

    def apply(r: Report) -> None:
        r.reject_reason = reason
        if r.award is not None:
            points.points_reverse(original=r.award, actor=actor, memo=reason, cause=r)
        if r.published_post is not None:
            post_services.post_withdraw_for_report(
                actor=actor, post=r.published_post, reason=reason
            )
        integrity.held_awards_withhold(subject=r)

    return _move(report, actor=actor, to=CaseStatus.REJECTED, note=reason, apply=apply)


def report_assign(
    *,
    actor: User,
    report: Report,
    assignee: User | None = None,
    responsible_party: str = "",
    note: str = "",
) -> Report:
    """Assign an accepted case to a grid worker of its community or a named responsible party.

    Raises: InvalidInput (field ``assignee``: neither given, or not a grid worker
        or staff of the reporter's community), OutOfScope, IllegalTransition.
    """
    responsible_party = _text(
        responsible_party, field="responsible_party", max_len=80, required=False
    )
    note = _text(note, field="note", max_len=NOTE_MAX, required=False)
    _require_case_staff(actor, report)
    if assignee is None and not responsible_party:
        raise InvalidInput(
            _("Choose a grid worker or name the responsible party."),
            field="assignee",
            code="required",
        )
    if assignee is not None and not (
        assignee.role in (Role.GRID_WORKER, Role.COMMUNITY_STAFF)
        and assignee.is_active
        and covers(assignee, report.reporter)
    ):
        raise InvalidInput(
            _("Assign to a grid worker of this community."),
            field="assignee",
            code="invalid_assignee",
        )

    def apply(r: Report) -> None:
        r.assignee, r.responsible_party = assignee, responsible_party

    report = _move(report, actor=actor, to=CaseStatus.ASSIGNED, note=note, apply=apply)
    if assignee is not None:
        notify(
            recipient=assignee,
            kind=NotificationKind.REPORT_UPDATED,
            title=message(gettext_lazy("Report #%(id)d was assigned to you"), id=report.pk),
            url=reverse("reports:detail", args=[report.pk]),
        )
    return report


def report_rectify(*, actor: User, report: Report, after_photo, note: str = "") -> Report:
    """The assignee (or staff of the community) marks the case rectified, with an after photo.

    The after photo is stored like evidence (a public copy with faces and plates
    blurred for the reporter and the square; the original for case staff). When
    the report is published, it is added to its post. Its perceptual hashes go to
    ``integrity.services.photos_check`` with the photo row as subject, so a near
    repeat of any earlier photo of the town — this case's own evidence included
    (the "before" photo sent back as "after") — flags it on the case page and the
    integrity queue with the earlier photo beside it. Rectifying earns no points,
    so no award is held.

    Raises: InvalidInput (field ``after_photo`` missing), PhotoRefused,
        OutOfScope, IllegalTransition (not assigned).
    """
    note = _text(note, field="note", max_len=NOTE_MAX, required=False)
    if after_photo is None:
        raise InvalidInput(_("An after photo is required."), field="after_photo", code="required")
    if actor.pk != report.assignee_id:
        _require_case_staff(actor, report)
    processed = photo_prepare(photo_process(after_photo, field="after_photo"))

    def apply(r: Report) -> None:
        rows = _save_photos(r, [processed], PhotoKind.AFTER)
        integrity.photos_check(
            subject=rows[0],
            uploader=actor,
            community_id=r.community_id,
            subject_url=reverse("reports:detail", args=[r.pk]),
            photos=[(processed.fingerprint, rows[0].thumbnail.name or "")],
        )
        if r.published_post is not None:
            post_services.post_attach_photo_files(
                post=r.published_post,
                photo_files=_photo_files(rows),
            )

    return _move(report, actor=actor, to=CaseStatus.RECTIFIED, note=note, apply=apply)


def report_close(*, actor: User, report: Report, note: str = "") -> Report:
    """Close a rectified case. Raises: OutOfScope, IllegalTransition (not rectified)."""
    note = _text(note, field="note", max_len=NOTE_MAX, required=False)
    _require_case_staff(actor, report)
    return _move(report, actor=actor, to=CaseStatus.CLOSED, note=note)


PUBLISHABLE = (CaseStatus.ACCEPTED, CaseStatus.ASSIGNED, CaseStatus.RECTIFIED, CaseStatus.CLOSED)


def report_publish(*, actor: User, report: Report, title: str, body: str):
    """Publish an accepted report in the uncivil-behaviour section, without the reporter.

    The staff member writes the title and text (reviewing them is publishing
    them); the evidence photos — and the after photo once rectified — are
    shown; the reporter's name, nickname and mobile never are.

    Returns: the published ``posts.Post``.
    Raises: OutOfScope, IllegalTransition (not accepted yet, or rejected),
        AlreadyPublished, InvalidInput (``title``, ``body``).
    """
    _require_case_staff(actor, report)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status not in PUBLISHABLE:
            raise IllegalTransition(field="status")
        if report.published_post_id:
            raise AlreadyPublished()
        post = post_services.post_publish_for_report(
            actor=actor,
            title=title,
            body=body,
            photo_files=_photo_files(report.photos.all()),
        )
        report.published_post = post
        report.save(update_fields=["published_post"])
    return post
