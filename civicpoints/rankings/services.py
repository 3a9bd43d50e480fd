"""Ranking snapshots and honours: the only code that writes them.

The daily snapshot is set-based: one ``INSERT … SELECT … RANK() OVER (…)``
per (town, day) computes every resident's rank in the town and in their
community at once, in the database (SQLite ≥ 3.25 and PostgreSQL), so it costs
one pass over the accounts plus the ledger rows dated after the day — never a
Python loop over residents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Community, Role, Town, User
from civicpoints.accounts.scope import require_staff, town_of
from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.core.timeutil import town_today
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import notify
from civicpoints.points.models import PointAccount, PointTransaction
from civicpoints.rankings.models import (
    Honour,
    HonourKind,
    HonourStatus,
    RankingSnapshot,
    SnapshotRun,
)

#: Most days a catch-up run fills in, counting back from yesterday.
CATCH_UP_DAYS = 31

_SNAPSHOT_SQL = """
INSERT INTO {snap} (day, town_id, community_id, resident_id, points, day_points,
                    town_rank, community_rank, previous_town_rank, previous_community_rank)
WITH later AS (
    SELECT resident_id,
           SUM(CASE WHEN local_date > %(day)s THEN points ELSE 0 END) AS after_points,
           SUM(CASE WHEN local_date = %(day)s THEN points ELSE 0 END) AS day_points
    FROM {tx}
    WHERE town_id = %(town)s AND counts_as_earned = %(yes)s AND local_date >= %(day)s
    GROUP BY resident_id
), scored AS (
    SELECT u.id AS resident_id, u.community_id AS community_id,
           a.lifetime_earned - COALESCE(l.after_points, 0) AS points,
           COALESCE(l.day_points, 0) AS day_points
    FROM {user} u
    JOIN {account} a ON a.resident_id = u.id AND a.town_id = %(town)s
    LEFT JOIN later l ON l.resident_id = u.id
    WHERE u.town_id = %(town)s AND u.role = %(role)s AND u.is_active = %(yes)s
), ranked AS (
    SELECT resident_id, community_id, points, day_points,
           RANK() OVER (ORDER BY points DESC) AS town_rank,
           RANK() OVER (PARTITION BY community_id ORDER BY points DESC) AS community_rank
    FROM scored
    WHERE points > 0
)
SELECT %(day)s, %(town)s, r.community_id, r.resident_id, r.points, r.day_points,
       r.town_rank, r.community_rank, p.town_rank,
       CASE WHEN p.community_id = r.community_id THEN p.community_rank END
FROM ranked r
LEFT JOIN {snap} p ON p.town_id = %(town)s AND p.day = %(prev)s
                  AND p.resident_id = r.resident_id
"""


def snapshot_take(*, town: Town, day: dt.date) -> int:
    """Write the ranking snapshot of local ``day`` for ``town`` (town and every community).

    One row per resident holds both ranks. Points are those earned (awards and
    adjustments net of their reversals) up to the end of local ``day``; active
    residents with more than 0 points are ranked, staff, merchant staff and
    deactivated residents are left out. Ranks
    are standard competition ranks (1, 2, 2, 4); the previous ranks come
    from the snapshot of ``day - 1`` (the community one only if the resident
    has not moved community since).

    Idempotent: the day's rows are replaced in one transaction (the town row is
    locked first, so two concurrent runs queue instead of colliding), and a
    rerun on unchanged data writes the same rows.

    Args:
        town: the town.
        day: a local date, normally yesterday.

    Returns:
        The number of residents ranked (one row each).
    """
    snap = RankingSnapshot._meta.db_table
    sql = _SNAPSHOT_SQL.format(
        snap=connection.ops.quote_name(snap),
        tx=connection.ops.quote_name(PointTransaction._meta.db_table),
        user=connection.ops.quote_name(User._meta.db_table),
        account=connection.ops.quote_name(PointAccount._meta.db_table),
    )
    params: dict[str, Any] = {
        "day": day,
        "prev": day - dt.timedelta(days=1),
        "town": town.pk,
        "yes": True,
        "role": Role.RESIDENT.value,
    }
    with transaction.atomic():
        Town.objects.select_for_update().filter(pk=town.pk).first()
        RankingSnapshot.objects.filter(town=town, day=day).delete()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The statement touches every resident, so hash joins are always
                # right; with stale statistics (a freshly loaded town) the planner
                # picked nested loops over the snapshot table and took minutes.
                cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(sql, params)
            written = cursor.rowcount
        SnapshotRun.objects.update_or_create(
            town=town, day=day, defaults={"rows": written, "taken_at": timezone.now()}
        )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A day's rows arrive in bulk; without fresh statistics the first boards
        # read after the nightly run were planned for an empty table (the bench
        # measured 5 s for the top 100 at 1,000,000 residents, 8 ms after this).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {snap}")
    return written


def snapshot_catch_up(*, today: dt.date | None = None, max_days: int = CATCH_UP_DAYS) -> str:
    """Take every missing daily snapshot, for every town, up to yesterday.

    For each town the days after its last snapshot up to local yesterday are
    taken in order (so each day's change arrows refer to the day before); a
    town without any snapshot starts with yesterday. At most ``max_days`` days
    are filled, the most recent ones. This is the ``rankings.daily_snapshot``
    job; running it twice changes nothing.

    Args:
        today: the local date to treat as today (default: now in the town's zone).

    Returns:
        A one-line summary for the job log.
    """
    done = []
    for town in Town.objects.order_by("pk"):
        # each town's own yesterday: towns in other zones turn the day at other instants
        yesterday = (today or town_today(town)) - dt.timedelta(days=1)
        last = SnapshotRun.objects.filter(town=town).aggregate(d=Max("day"))["d"]
        start = last + dt.timedelta(days=1) if last else yesterday
        start = max(start, yesterday - dt.timedelta(days=max_days - 1))
        day = start
        while day <= yesterday:
            snapshot_take(town=town, day=day)
            done.append(f"{town.code}:{day.isoformat()}")
            day += dt.timedelta(days=1)
    return f"snapshots taken: {', '.join(done) or 'none missing'}"


# --- Honours ----------------------------------------------------------------


def _period(kind: str, period_start: dt.date) -> tuple[dt.date, dt.date]:
    if kind == HonourKind.CIVIC_STAR:
        if period_start.day != 1:
            raise InvalidInput(_("A month starts on its first day."), field="period_start")
        nxt = (period_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return period_start, nxt - dt.timedelta(days=1)
    if kind == HonourKind.CIVILIZED_HOUSEHOLD:
        if (period_start.month, period_start.day) != (1, 1):
            raise InvalidInput(_("A year starts on 1 January."), field="period_start")
        return period_start, period_start.replace(month=12, day=31)
    raise InvalidInput(_("Unknown honour."), field="kind")


def _communities(actor: User) -> QuerySet[Community]:
    require_staff(actor)
    if actor.role == Role.TOWN_ADMIN:
        return Community.objects.filter(town_id=town_of(actor)).order_by("pk")
    # other staff always have a community (User's CHECK constraint)
    if actor.community_id is None:
        return Community.objects.none()
    return Community.objects.filter(pk=actor.community_id)


def honours_evaluate(
    *, actor: User, kind: str, period_start: dt.date, today: dt.date | None = None
) -> list[Honour]:
    """Propose the honours of one finished month or year from the rankings, as drafts.

    ``civic_star``: per community, the active resident(s) who earned the most
    points in the month (ties share the honour). ``civilized_household``: per
    community, the household(s) whose active members earned the most in the
    year. Only the actor's scope is evaluated (community staff: their
    community; town admins: every community of their town). Drafts of a
    community are replaced; a community whose honour is already published is
    left alone. Idempotent: a rerun on unchanged data gives the same drafts.

    Args:
        actor: staff member (community staff, grid worker or town admin).
        kind: a ``HonourKind`` value.
        period_start: first local day of the month (civic star) or 1 January.

    Returns:
        The drafts now standing for the period in the actor's scope.

    Raises:
        OutOfScope (``staff_only``): actor is not staff.
        InvalidInput (field ``period_start``): not the start of a month/year, or
            the period has not ended yet (``period_not_over``); field ``kind``.
    """
    communities = _communities(actor)
    start, end = _period(kind, period_start)
    if end >= (today or town_today(actor.town)):
        raise InvalidInput(
            _("Honours are evaluated once the period is over."),
            field="period_start",
            code="period_not_over",
        )
    drafts: list[Honour] = []
    with transaction.atomic():
        # the community rows are the lock: concurrent evaluations queue, so the
        # second replaces the first one's drafts instead of colliding with them
        for community in communities.select_for_update():
            existing = Honour.objects.filter(kind=kind, period_start=start, community=community)
            if existing.filter(status=HonourStatus.PUBLISHED).exists():
                continue
            existing.delete()
            earned = PointTransaction.objects.earned().filter(
                local_date__range=(start, end),
                resident__community=community,
                resident__role=Role.RESIDENT,
                resident__is_active=True,
            )
            scores: QuerySet[Any, Mapping[str, Any]]
            if kind == HonourKind.CIVIC_STAR:
                scores = earned.values("resident_id").annotate(score=Sum("points"))
                holder = "resident_id"
            else:
                scores = (
                    earned.filter(resident__household__isnull=False)
                    .values("resident__household_id")
                    .annotate(score=Sum("points"))
                )
                holder = "resident__household_id"
            best: list[Mapping[str, Any]] = list(scores.filter(score__gt=0).order_by("-score")[:50])
            top = [s for s in best if s["score"] == best[0]["score"]] if best else []
            for s in top:
                field = "resident_id" if holder == "resident_id" else "household_id"
                drafts.append(
                    Honour.objects.create(
                        kind=kind,
                        town_id=community.town_id,
                        community=community,
                        period_start=start,
                        points=s["score"],
                        evaluated_by=actor,
                        **{field: s[holder]},
                    )
                )
    return drafts


def honours_publish(*, actor: User, kind: str, period_start: dt.date) -> int:
    """Publish the draft honours of one period in the actor's scope and tell the holders.

    Each holder (the resident, or every member of the household) gets an inbox
    message. Idempotent: already published honours are not touched again.

    Args:
        actor: staff member; kind: a ``HonourKind`` value; period_start: as in
            ``honours_evaluate``.

    Returns:
        How many honours were published by this call (0 on a repeat).

    Raises:
        OutOfScope (``staff_only``); InvalidInput as ``honours_evaluate``;
        NotFound (``no_drafts``) when there is nothing published or to publish.
    """
    communities = _communities(actor)
    start, _end = _period(kind, period_start)
    with transaction.atomic():
        # same lock order as honours_evaluate: an evaluation never deletes a
        # draft that is being published
        locked = list(communities.select_for_update())
        honours = list(
            Honour.objects.select_for_update(of=("self",))
            .filter(kind=kind, period_start=start, community__in=locked)
            .select_related("resident", "household")
        )
        if not honours:
            raise NotFound(_("Evaluate the period first."), field="period_start", code="no_drafts")
        now = timezone.now()
        published = 0
        for honour in honours:
            if honour.status == HonourStatus.PUBLISHED:
                continue
            honour.status = HonourStatus.PUBLISHED
            honour.published_at = now
            honour.published_by = actor
            honour.save(update_fields=["status", "published_at", "published_by"])
            published += 1
            holders = (
                [honour.resident]
                if honour.resident
                else list(User.objects.filter(household=honour.household, is_active=True))
            )
            for person in holders:
                notify(
                    recipient=person,
                    kind=NotificationKind.GENERAL,
                    title=_("You are on the honour roll: %(honour)s")
                    % {"honour": honour.get_kind_display()},
                    url=reverse("rankings:honours"),
                )
    return published
