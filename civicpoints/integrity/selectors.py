"""Reads of the integrity queue: flags in a staff member's scope, flags about one thing."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from civicpoints.accounts.models import Role, User
from civicpoints.core.errors import NotFound
from civicpoints.integrity.models import Flag, FlagStatus, HeldAward


def flags_in_scope(actor: User) -> QuerySet[Flag]:
    """Flags the staff member may see: their community's (a grid worker: about residents
    of their grid; the whole town for town admins)."""
    qs = Flag.objects.for_town(actor.town_id).select_related(
        "community", "resident", "decided_by", "subject_type"
    )
    if actor.role == Role.TOWN_ADMIN:
        return qs
    if actor.role == Role.GRID_WORKER and actor.community_id and actor.grid_id:
        return qs.filter(community_id=actor.community_id, resident__grid_id=actor.grid_id)
    if actor.role == Role.COMMUNITY_STAFF and actor.community_id:
        return qs.filter(community_id=actor.community_id)
    return qs.none()


def flag_queue(actor: User, *, status: str = FlagStatus.OPEN) -> QuerySet[Flag]:
    """The staff integrity queue: flags in scope with ``status`` (oldest open first)."""
    qs = flags_in_scope(actor)
    if status in FlagStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk") if status == FlagStatus.OPEN else qs


def flag_for_staff(actor: User, pk) -> Flag:
    """The flag ``pk`` inside the actor's scope. Raises NotFound (also outside the scope)."""
    try:
        return flags_in_scope(actor).get(pk=int(pk))
    except (Flag.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def flags_about(obj: Model, *parts: Model) -> QuerySet[Flag]:
    """Every flag about ``obj`` and about each of ``parts`` (a report's after-photos),
    open first, for the screen where staff decide on it."""
    where = Q()
    for o in (obj, *parts):
        where |= Q(subject_type=ContentType.objects.get_for_model(o), subject_id=str(o.pk))
    return (
        Flag.objects.filter(where).select_related("decided_by").order_by("-status", "-created_at")
    )


def held_awards_about(obj: Model) -> QuerySet[HeldAward]:
    """Awards held by flags on ``obj``: its own, and those it holds as ``also`` (an
    event's attendance awards while its record photos are flagged)."""
    ct, pk = ContentType.objects.get_for_model(obj), str(obj.pk)
    return HeldAward.objects.filter(
        Q(subject_type=ct, subject_id=pk) | Q(also_type=ct, also_id=pk)
    ).select_related("rule", "resident")


def open_flagged_ids(model, town_id: int | None) -> set[int]:
    """Ids of ``model`` objects of town ``town_id`` with an open flag (a badge in a queue)."""
    ct = ContentType.objects.get_for_model(model)
    ids = (
        Flag.objects.for_town(town_id)
        .open()
        .filter(subject_type=ct)
        .values_list("subject_id", flat=True)
    )
    return {int(i) for i in ids}


def open_flag_counts(actor: User) -> dict[int | None, int]:
    """Open flags per community id in the actor's scope (for queue badges)."""
    out: dict[int | None, int] = {}
    for row in flags_in_scope(actor).filter(status=FlagStatus.OPEN).values("community_id"):
        out[row["community_id"]] = out.get(row["community_id"], 0) + 1
    return out
