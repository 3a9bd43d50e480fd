"""What-if before a rule change: what a new value, daily cap or monthly budget of one
rule would have done over a past period, computed from the real ledger in SQL.

``rule_change_whatif`` replays the rule's award rows of the period (town, local dates
``start`` … ``end``) under the proposed terms — each row earns the new value; per
resident and local day only the first ``daily_limit`` rows count; per local month
the town's running total stops at ``monthly_budget`` — and compares with what was
issued. Scores for the rankings are points earned up to the end of ``end`` (as the
daily snapshot counts them) plus each resident's difference; both rankings are
recomputed with ``RANK()`` in the same statement. Read-only: nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Sum

from civicpoints.accounts.models import Community, Role, Town, User
from civicpoints.points.models import PointAccount, PointRule, PointTransaction, TransactionKind

TOP_TOWN = 10  # ranks shown for the town
TOP_COMMUNITY = 3  # ranks watched in each community

_SQL = """
WITH rows_ AS (
    SELECT t.id, t.resident_id, t.local_date, t.points, {month} AS month,
           ROW_NUMBER() OVER (PARTITION BY t.resident_id, t.local_date
                              ORDER BY t.created_at, t.id) AS nth
    FROM {tx} t
    WHERE t.town_id = %(town)s AND t.kind = %(award)s AND t.rule_id = %(rule)s
      AND t.local_date BETWEEN %(start)s AND %(end)s
), capped AS (
    SELECT r.*, CASE WHEN %(cap)s < 0 OR r.nth <= %(cap)s THEN %(value)s ELSE 0 END AS kept
    FROM rows_ r
), budgeted AS (
    SELECT c.*, SUM(c.kept) OVER (PARTITION BY c.month ORDER BY c.local_date, c.id) AS run
    FROM capped c
), delta AS (
    SELECT resident_id, SUM(points) AS before_pts,
           SUM(CASE WHEN %(budget)s < 0 OR run <= %(budget)s THEN kept ELSE 0 END) AS after_pts
    FROM budgeted GROUP BY resident_id
), later AS (
    SELECT resident_id, SUM(points) AS after_points
    FROM {tx}
    WHERE town_id = %(town)s AND counts_as_earned = %(yes)s AND local_date > %(end)s
    GROUP BY resident_id
), scored AS (
    SELECT u.id AS resident_id, u.community_id,
           a.lifetime_earned - COALESCE(l.after_points, 0) AS old_score,
           COALESCE(d.after_pts, 0) - COALESCE(d.before_pts, 0) AS diff,
           COALESCE(d.before_pts, 0) AS before_pts, COALESCE(d.after_pts, 0) AS after_pts
    FROM {user} u
    JOIN {account} a ON a.resident_id = u.id AND a.town_id = %(town)s
    LEFT JOIN later l ON l.resident_id = u.id
    LEFT JOIN delta d ON d.resident_id = u.id
    WHERE u.town_id = %(town)s AND u.role = %(role)s AND u.is_active = %(yes)s
), ranked AS (
    SELECT s.*, s.old_score + s.diff AS new_score,
           RANK() OVER (ORDER BY s.old_score DESC) AS old_town,
           RANK() OVER (ORDER BY s.old_score + s.diff DESC) AS new_town,
           RANK() OVER (PARTITION BY s.community_id ORDER BY s.old_score DESC) AS old_comm,
           RANK() OVER (PARTITION BY s.community_id ORDER BY s.old_score + s.diff DESC)
               AS new_comm
    FROM scored s
)
SELECT resident_id, community_id, old_score, new_score, diff, before_pts, after_pts,
       old_town, new_town, old_comm, new_comm
FROM ranked
WHERE diff <> 0 OR old_town <= %(top_town)s OR new_town <= %(top_town)s
   OR old_comm <= %(top_comm)s OR new_comm <= %(top_comm)s
"""


@dataclass(frozen=True)
class Move:
    resident_id: int
    nickname: str
    community: str
    old_score: int
    new_score: int
    diff: int  # points, after − before, over the period
    old_rank: int
    new_rank: int


@dataclass
class WhatIf:
    """The outcome; points are points, ranks standard competition ranks (1, 2, 2, 4)."""

    issued_before: int = 0  # points the rule issued in the period
    issued_after: int = 0  # what it would have issued under the proposal
    awards: int = 0  # award rows of the rule in the period
    residents_affected: int = 0  # residents whose points would differ
    winners: list[Move] = field(default_factory=list)  # largest gains, at most 5
    losers: list[Move] = field(default_factory=list)  # largest losses, at most 5
    town_top: list[Move] = field(default_factory=list)  # the new top 10 with old ranks
    community_moves: list[Move] = field(default_factory=list)  # top-3 changes per community
    seconds: float = 0.0


def rule_change_whatif(
    *,
    town: Town,
    rule: PointRule,
    start: dt.date,
    end: dt.date,
    points: int | None = None,
    daily_limit: int | None = None,
    monthly_budget: int | None = None,
) -> WhatIf:
    """What ``rule`` would have issued in ``town`` over local dates ``start`` … ``end``
    with ``points`` (default: its current value), at most ``daily_limit`` awards per
    resident and day (None: no cap) and a town budget of ``monthly_budget`` points per
    local month (None: none). One SQL statement; names are looked up for the rows shown.
    """
    import time

    began = time.perf_counter()
    month = (
        "date_trunc('month', t.local_date)"
        if connection.vendor == "postgresql"
        else "strftime('%%Y-%%m', t.local_date)"
    )
    sql = _SQL.format(
        month=month,
        tx=PointTransaction._meta.db_table,
        user=User._meta.db_table,
        account=PointAccount._meta.db_table,
    )
    params: dict[str, int | str | bool | dt.date] = {
        "town": town.pk,
        "award": TransactionKind.AWARD,
        "rule": rule.pk,
        "start": start,
        "end": end,
        "cap": -1 if daily_limit is None else int(daily_limit),
        "value": rule.points if points is None else int(points),
        "budget": -1 if monthly_budget is None else int(monthly_budget),
        "yes": True,
        "role": Role.RESIDENT,
        "top_town": TOP_TOWN,
        "top_comm": TOP_COMMUNITY,
    }
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    totals = PointTransaction.objects.filter(
        town=town, kind=TransactionKind.AWARD, rule=rule, local_date__range=(start, end)
    ).aggregate(n=Count("pk"), s=Sum("points"))
    awards, issued_before = totals["n"], totals["s"] or 0
    ids = {r[0] for r in rows}
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "nickname"))
    communities = dict(Community.objects.filter(town=town).values_list("pk", "name"))
    out = WhatIf(awards=awards, issued_before=issued_before)
    out.issued_after = issued_before + sum(r[4] for r in rows)

    def move(r, town_rank: bool) -> Move:
        return Move(
            r[0],
            names.get(r[0], ""),
            communities.get(r[1], ""),
            int(r[2]),
            int(r[3]),
            int(r[4]),
            int(r[7] if town_rank else r[9]),
            int(r[8] if town_rank else r[10]),
        )

    changed = [r for r in rows if r[4] != 0]
    out.residents_affected = len(changed)
    out.winners = [move(r, True) for r in sorted(changed, key=lambda r: -r[4])[:5] if r[4] > 0]
    out.losers = [move(r, True) for r in sorted(changed, key=lambda r: r[4])[:5] if r[4] < 0]
    out.town_top = [
        move(r, True) for r in sorted(rows, key=lambda r: (r[8], r[0])) if r[8] <= TOP_TOWN
    ]
    out.community_moves = [
        move(r, False)
        for r in sorted(rows, key=lambda r: (r[1] or 0, r[10], r[0]))
        if (r[9] <= TOP_COMMUNITY or r[10] <= TOP_COMMUNITY) and r[9] != r[10]
    ]
    out.seconds = time.perf_counter() - began
    return out
