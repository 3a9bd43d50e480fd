"""Like and share rings: small groups whose likes and shares come mostly from each other.

Likes and shares earn no points by themselves here, but they push posts up the
feeds and lend a farmed post credibility before review; a ring is a few accounts
(often one person's) liking and sharing each other's posts. Detection, over a
window of days in one town:

1. count likes + shares from each giver to each author (self-likes ignored), in SQL;
2. join two residents when each gave the other at least ``MIN_EACH_WAY``;
3. take the connected groups of ``RING_MIN``..``RING_MAX`` residents;
4. a group is a ring when every member received at least ``MIN_RECEIVED`` likes and
   shares in the window and at least ``RING_SHARE`` of them came from the group.

Each member gets one ``like_ring`` flag (never a second for the same account, whatever
the decision: ``flag_raise(once=True)``) with the group, the counts and the share.
Run daily by the ``posts.like_rings`` job; rerunning changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Town, User
from civicpoints.integrity import services as integrity
from civicpoints.integrity.models import Flag, FlagKind
from civicpoints.posts.models import Like, Share

WINDOW = dt.timedelta(days=30)
MIN_EACH_WAY = 2  # likes + shares each way for two residents to be joined
RING_MIN, RING_MAX = 3, 8  # residents in a ring
MIN_RECEIVED = 6  # likes + shares a member received in the window
RING_SHARE = 0.6  # the part of them that came from the ring


def _given(town_id: int, since: dt.datetime, until: dt.datetime) -> dict[tuple[int, int], int]:
    """(giver id, author id) → likes + shares in the window, one GROUP BY per table."""
    out: dict[tuple[int, int], int] = defaultdict(int)
    for model in (Like, Share):
        rows = (
            model.objects.filter(post__town_id=town_id, created_at__gte=since, created_at__lt=until)
            .exclude(user_id=F("post__author_id"))
            .values("user_id", "post__author_id")
            .annotate(n=Count("pk"))
        )
        for r in rows:
            out[(r["user_id"], r["post__author_id"])] += r["n"]
    return out


def _groups(given: dict[tuple[int, int], int]) -> list[set[int]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (a, b), n in given.items():
        if a < b and n >= MIN_EACH_WAY and given.get((b, a), 0) >= MIN_EACH_WAY:
            parent[find(a)] = find(b)
    groups: dict[int, set[int]] = defaultdict(set)
    for x in list(parent):
        groups[find(x)].add(x)
    return [g for g in groups.values() if RING_MIN <= len(g) <= RING_MAX]


def like_rings_flag(*, town: Town, until: dt.datetime | None = None) -> list[Flag]:
    """Find like and share rings among ``town``'s posts over the ``WINDOW`` before
    ``until`` (default now) and flag each member once. Returns the flags opened now."""
    until = until or timezone.now()
    given = _given(town.pk, until - WINDOW, until)
    received: dict[int, int] = defaultdict(int)
    for (_giver, author), n in given.items():
        received[author] += n
    opened: list[Flag] = []
    with transaction.atomic():
        for group in _groups(given):
            inside = {m: sum(given.get((g, m), 0) for g in group if g != m) for m in group}
            if not all(
                received[m] >= MIN_RECEIVED and inside[m] >= RING_SHARE * received[m] for m in group
            ):
                continue
            members = {u.pk: u for u in User.objects.filter(pk__in=group)}
            names = sorted(u.nickname for u in members.values())
            for m in sorted(group):
                share = round(100 * inside[m] / received[m])
                flag = integrity.flag_raise(
                    kind=FlagKind.LIKE_RING,
                    subject=members[m],
                    town_id=town.pk,
                    community_id=members[m].community_id,
                    resident=members[m],
                    reason=_(
                        "%(share)d%% of the likes and shares this resident received in "
                        "%(days)d days came from a group of %(n)d who like each other."
                    )
                    % {"share": share, "days": WINDOW.days, "n": len(group)},
                    evidence={
                        "members": names,
                        "member_ids": sorted(group),
                        "received": received[m],
                        "from_ring": inside[m],
                        "share_percent": share,
                        "window_days": WINDOW.days,
                        "until": until.isoformat(),
                    },
                    once=True,
                )
                if flag is not None:
                    opened.append(flag)
    return opened


def like_rings_flag_all(*, until: dt.datetime | None = None) -> int:
    """``like_rings_flag`` for every town; returns how many flags were opened."""
    return sum(len(like_rings_flag(town=t, until=until)) for t in Town.objects.all())
