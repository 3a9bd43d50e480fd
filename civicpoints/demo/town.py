"""The demo town: Baqiao Town at the scale the source story reports.

About 38,000 residents across eight communities (one of them Rongcheng), 258
merchants, and three years of ledger history drawn from the rule catalog whose
awards come to about 2.96 million points, ~162,000 of them for shared good
deeds. Deterministic for a given ``seed`` and ``end`` date. Rows are written in
bulk (this bypasses the services on purpose, for speed) but obey every ledger
invariant: caps per local day and period, balances never negative,
``balance_after`` in time order, unique keys; ``reconcile_points`` passes after.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Sum
from tqdm import tqdm

from civicpoints.accounts.hooks import town_created
from civicpoints.accounts.models import Community, Grid, Household, Role, Town, User
from civicpoints.core.timeutil import town_tz
from civicpoints.demo.content import ContentResult, seed_content, sized
from civicpoints.demo.district import seed_district
from civicpoints.engagement.models import CheckIn
from civicpoints.merchants.models import Merchant
from civicpoints.merchants.sorting import name_sort_key
from civicpoints.points.catalog import rule_catalog_load
from civicpoints.points.models import (
    CapPeriod,
    PointAccount,
    PointRule,
    PointTransaction,
    TransactionKind,
)
from civicpoints.points.services import period_scores_rebuild
from civicpoints.rankings.models import HonourKind
from civicpoints.rankings.services import honours_evaluate, honours_publish, snapshot_take

FULL_RESIDENTS = 38_000
FULL_MERCHANTS = 258
FULL_POINTS = 2_960_000
FULL_GOOD_DEEDS = 162_000
YEARS = 3
BATCH = 5_000

COMMUNITIES = [
    "融城社区",
    "巴桥社区",
    "新华社区",
    "建胜社区",
    "金桥社区",
    "锦江社区",
    "沙溪社区",
    "和平社区",
]
GRIDS_PER_COMMUNITY = 6
MERCHANT_KINDS = [
    ("理发", "发艺"),
    ("餐饮", "小馆"),
    ("超市", "便利店"),
    ("药店", "大药房"),
    ("洗衣", "洗衣坊"),
    ("水果", "果园"),
    ("茶馆", "茶楼"),
    ("维修", "家电维修"),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋"
    "唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢冉"
)
NICK_TAILS = ["阿姨", "大爷", "师傅", "老师", "大姐", "小妹", "哥", "叔", "嬢嬢", "婆婆"]
# Given names as people in a Sichuan town carry them: older two-character names and
# younger ones (a real name is what staff tell eleven "丁叔" apart by).
_GIVEN_TEXT = (
    "秀英 桂英 秀兰 玉兰 桂兰 淑珍 玉梅 桂芝 素芳 翠花 建华 建国 建军 "
    "志强 志明 国强 国华 德明 文华 永红 海燕 丽华 红梅 晓燕 春梅 小红 "
    "晓梅 俊杰 家豪 明辉 伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 "
    "涛 超 霞 平 刚 斌 浩 宇 欣怡 梓涵 子轩 浩然 雨桐 思远 佳怡 一诺 "
    "宇航 晨曦 婷婷 雪梅 兴华 长富 树林 光明 福贵 玉珍 淑华 凤英 丽娟 "
    "成 林 鑫 华 琴 燕 蓉 莉 兵 彬 "
)
GIVEN_NAMES = _GIVEN_TEXT.split()
#: Days of daily ranking snapshots the demo town has (the boards' change arrows and
#: "新上榜" need a day before; honours need finished months).
SNAPSHOT_DAYS = 90

# How often each rule appears in the generated history (others weigh 1).
RULE_WEIGHTS = {
    "article_reading": 40,
    "daily_check_in": 25,
    "garbage_sorting": 10,
    "helping_neighbour": 4,
    "voluntary_patrol": 3,
    "policy_publicity": 2,
    "sanitation_drive": 3,
    "uncivil_report_accepted": 3,
    "event_attendance_hour": 5,
    "volunteer_service": 3,
    "elderly_care_visit": 2,
}
SPEND_CHANCE = 0.06  # after an award, chance the resident exchanges points at a merchant
SPEND_COSTS = (20, 30, 50, 80, 100)

DEMO_PASSWORD = "civic-demo-2026"  # noqa: S105 - printed by make run for the demo town  # nosec B105
DEMO_LOGINS = {
    "resident": "13800000001",
    "community_staff": "13800000002",
    "town_admin": "13800000003",
    "merchant": "13800000004",
    "district_admin": "13800000005",  # 巴南区: this town and the small 柏树镇 (demo.district)
    "second_town_admin": "13800000006",  # 柏树镇
    "operator": "13800000009",
}
#: The logins made by ``demo.district`` (only for a town whose history runs up to today).
DISTRICT_LOGINS = ("district_admin", "second_town_admin")


@dataclass(frozen=True)
class SeedResult:
    residents: int
    merchants: int
    transactions: int
    points_awarded: int
    good_deeds: int
    balance_total: int
    content: ContentResult | None = None
    check_ins: int = 0
    snapshot_days: int = 0
    honours: int = 0


def _mobiles(rng: random.Random, n: int) -> list[str]:
    taken = set(DEMO_LOGINS.values())
    out: list[str] = []
    while len(out) < n:
        m = "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}"
        if m not in taken and not m.startswith("1380000"):
            taken.add(m)
            out.append(m)
    return out


def _period_key(period: str, day: dt.date) -> tuple:
    if period == CapPeriod.WEEK:
        return tuple(day.isocalendar()[:2])
    if period == CapPeriod.MONTH:
        return (day.year, day.month)
    return (day.year,)


def _progress(total: int, desc: str, quiet: bool):
    return tqdm(total=total, desc=desc, unit="row", disable=quiet, leave=False, mininterval=0.5)


LEDGER_COLUMNS = (
    "town_id",
    "resident_id",
    "kind",
    "points",
    "balance_after",
    "counts_as_earned",
    "rule_id",
    "cause_type_id",
    "cause_id",
    "reverses_id",
    "idempotency_key",
    "actor_id",
    "memo",
    "created_at",
    "local_date",
)


def _bulk_insert(table: str, columns: tuple[str, ...], rows: list[tuple], bar=None) -> None:
    """Write ``rows`` (tuples in ``columns`` order) with the driver's fastest bulk path.

    PostgreSQL: COPY. SQLite: executemany in batches. Datetimes are adapted the
    way the ORM would store them. This is the seeder's floor-speed path; it
    writes only rows the caller has made valid (the table's constraints still
    check them).
    """
    dt_cols = [i for i, c in enumerate(columns) if c == "at" or c.endswith(("_at", "_joined"))]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for n, row in enumerate(rows, 1):
                    copy.write_row(row)
                    if bar is not None and n % BATCH == 0:
                        bar.update(BATCH)
            return
        adapt = connection.ops.adapt_datetimefield_value
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608  # nosec B608 - fixed names
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            if dt_cols:
                batch = [
                    tuple(adapt(v) if i in dt_cols else v for i, v in enumerate(r)) for r in batch
                ]
            cur.executemany(sql, batch)
            if bar is not None:
                bar.update(len(batch))


@transaction.atomic
def seed_town(
    *,
    scale: float = 1.0,
    seed: int = 2018,
    end: dt.date | None = None,
    quiet: bool = False,
    snapshot_days: int | None = None,
) -> SeedResult:
    """Build the demo town into an empty database and return what was made.

    Args:
        scale: 1.0 is the story's size; 0.01 a small town for tests (≥ 1 of each).
        seed: the random seed; same seed and ``end`` give the same town.
        end: the last local date of history (default: today, local).
        quiet: no progress bar.
        snapshot_days: local days of daily ranking snapshots before ``end`` (0 or
            more; each costs a ``snapshot_take``); default ``SNAPSHOT_DAYS`` (90)
            from scale 0.05 up, 30 for the test suite's small towns.

    ``transactions``, ``points_awarded`` and ``good_deeds`` in the result count
    the bulk history; ``content`` is what ``demo_content.seed_content`` then
    made through the apps' services (articles, posts, reports, events, offers,
    vouchers — its awards and spends are further ledger rows; None when ``end``
    is before today); ``balance_total`` is the sum of all balances at the end.

    Raises:
        RuntimeError: the database already holds a town (run on an empty one).
        ValueError: ``snapshot_days`` is negative.
    """
    if snapshot_days is not None and snapshot_days < 0:
        raise ValueError("snapshot_days must be 0 or more")
    if Town.objects.exists():
        raise RuntimeError("the database already holds a town; seed_town needs an empty one")
    rng = random.Random(seed)
    tz = town_tz()
    now = dt.datetime.now(tz)
    end = end or now.date()
    start = end - dt.timedelta(days=365 * YEARS)
    # Nothing in the future: history stops now (or at the end of an earlier ``end``).
    latest = min(now, dt.datetime.combine(end, dt.time(23, 59, 59), tzinfo=tz))
    n_res = max(4, round(FULL_RESIDENTS * scale))
    n_mer = max(1, round(FULL_MERCHANTS * scale))
    target_points = round(FULL_POINTS * scale)
    target_deeds = round(FULL_GOOD_DEEDS * scale)

    town = Town.objects.create(name="巴桥镇", code="baqiao")
    town_created.send(town)  # the shipped catalog, sections and report categories
    rule_catalog_load(town_id=town.pk)  # (idempotent: the hook has loaded it)
    rules = {r.code: r for r in PointRule.objects.for_town(town.pk).filter(is_active=True)}
    communities = [Community.objects.create(town=town, name=n) for n in COMMUNITIES]
    grids = Grid.objects.bulk_create(
        Grid(community=c, name=f"第{i + 1}网格")
        for c in communities
        for i in range(GRIDS_PER_COMMUNITY)
    )
    grids_of = defaultdict(list)
    for g in grids:
        grids_of[g.community_id].append(g)
    rongcheng = communities[0]

    shops = [
        Merchant(
            town=town,
            name=(
                "叶子发艺"
                if i == 0
                else f"{rng.choice(SURNAMES)}记{MERCHANT_KINDS[i % len(MERCHANT_KINDS)][1]}"
            ),
            category=MERCHANT_KINDS[i % len(MERCHANT_KINDS)][0],
            address=f"巴桥镇{rng.choice(COMMUNITIES)[:-2]}路{rng.randint(1, 300)}号",
            status=Merchant.Status.APPROVED,
        )
        for i in range(n_mer)
    ]
    for shop in shops:
        shop.sort_key = name_sort_key(shop.name)
    merchants = Merchant.objects.bulk_create(shops)

    # --- people -------------------------------------------------------------
    demo_hash = make_password(DEMO_PASSWORD)
    unusable = make_password(None)
    mobiles = _mobiles(rng, n_res)
    people: list[User] = []
    joined: list[dt.date] = []
    span = (end - start).days
    names = random.Random(f"names:{seed}")  # its own stream: the history stays as it was
    for i in range(n_res):
        community = rongcheng if i == 0 else communities[i % len(communities)]
        # Participation grew from thousands to tens of thousands: later joins likelier.
        joined.append(start + dt.timedelta(days=int(span * rng.random() ** 0.6)))
        surname = rng.choice(SURNAMES)
        people.append(
            User(
                mobile=DEMO_LOGINS["resident"] if i == 0 else mobiles[i],
                nickname="石大姐" if i == 0 else f"{surname}{rng.choice(NICK_TAILS)}",
                real_name="石秀英" if i == 0 else f"{surname}{names.choice(GIVEN_NAMES)}",
                role=Role.RESIDENT,
                town=town,
                community=community,
                grid=rng.choice(grids_of[community.pk]),
                password=demo_hash if i == 0 else unusable,
                date_joined=dt.datetime.combine(joined[-1], dt.time(9), tzinfo=tz),
            )
        )
    # Households: runs of 1–5 neighbours in the same community.
    households: list[Household] = []
    by_comm = defaultdict(list)
    for p in people:
        by_comm[p.community_id].append(p)
    for comm in communities:
        members = by_comm[comm.pk]
        i = 0
        while i < len(members):
            size = rng.choice((1, 2, 2, 3, 3, 3, 4, 5))
            h = Household(community=comm, name=f"{comm.name[:-2]}{len(households) + 1:05d}户")
            households.append(h)
            for p in members[i : i + size]:
                p.household = h
            i += size
    Household.objects.bulk_create(households, batch_size=BATCH)
    for p in people:
        assert p.household is not None  # every resident joined a household above
        p.household_id = p.household.pk
    User.objects.bulk_create(people, batch_size=BATCH)

    staff = [
        User(
            mobile=DEMO_LOGINS["community_staff"],
            nickname="王书记",
            real_name="王志娟",
            role=Role.COMMUNITY_STAFF,
            town=town,
            community=rongcheng,
            password=demo_hash,
        ),
        User(
            mobile=DEMO_LOGINS["town_admin"],
            nickname="冉主任",
            real_name="冉晓萍",
            role=Role.TOWN_ADMIN,
            town=town,
            password=demo_hash,
        ),
        User(  # the platform operator: /admin/ over every town, no town of their own
            mobile=DEMO_LOGINS["operator"],
            nickname="平台运维",
            role=Role.OPERATOR,
            town=None,
            password=demo_hash,
            is_staff=True,
            is_superuser=True,
        ),
        User(
            mobile=DEMO_LOGINS["merchant"],
            nickname="陈老板",
            real_name="陈浩",
            role=Role.MERCHANT_STAFF,
            town=town,
            merchant=merchants[0],
            password=demo_hash,
        ),
    ]
    staff_mobiles = _mobiles(random.Random(seed + 1), 2 * len(communities) + len(grids))
    resident_mobiles = set(mobiles)
    staff_mobiles = [m for m in staff_mobiles if m not in resident_mobiles]
    it = iter(staff_mobiles)
    for c in communities[1:]:
        staff.append(
            User(
                mobile=next(it),
                nickname=f"{c.name[:-2]}社工",
                real_name=f"{names.choice(SURNAMES)}{names.choice(GIVEN_NAMES)}",
                role=Role.COMMUNITY_STAFF,
                town=town,
                community=c,
                password=unusable,
            )
        )
    for g in grids:
        staff.append(
            User(
                mobile=next(it),
                nickname=f"{g.name}网格员",
                real_name=f"{names.choice(SURNAMES)}{names.choice(GIVEN_NAMES)}",
                role=Role.GRID_WORKER,
                town=town,
                community_id=g.community_id,
                grid=g,
                password=unusable,
            )
        )
    User.objects.bulk_create(staff, batch_size=BATCH)
    actors_by_comm = {s.community_id: s for s in staff if s.role == Role.COMMUNITY_STAFF}

    # --- ledger -------------------------------------------------------------
    weighted = [(rules[c], RULE_WEIGHTS.get(c, 1)) for c in sorted(rules) if c != "good_deed_post"]
    cum = list(itertools.accumulate(w for _, w in weighted))
    mean_pts = sum(r.points * w for r, w in weighted) / cum[-1]
    deed_rule = rules["good_deed_post"]
    n_other = max(0, round((target_points - target_deeds * deed_rule.points) / mean_pts))
    activity = [rng.paretovariate(1.6) for _ in people]
    activity[0] = max(activity[0], 8.0)  # the demo resident reads every morning
    total_activity = sum(activity)

    def pick_rule() -> PointRule:
        return weighted[bisect.bisect(cum, rng.random() * cum[-1])][0]

    plan: list[list[tuple[dt.datetime, PointRule]]] = [[] for _ in people]
    per_day: dict[tuple, int] = defaultdict(int)
    per_period: dict[tuple, int] = defaultdict(int)

    def place(idx: int, rule: PointRule) -> bool:
        for _ in range(6):
            first = joined[idx]
            day = first + dt.timedelta(days=rng.randint(0, max(0, (end - first).days)))
            dkey = (idx, rule.pk, day)
            if rule.daily_limit is not None and per_day[dkey] >= rule.daily_limit:
                continue
            pkey = None
            if rule.period and rule.period_limit is not None:  # set together (a CHECK)
                pkey = (idx, rule.pk, _period_key(rule.period, day))
                if per_period[pkey] >= rule.period_limit:
                    continue
            secs = rng.randint(7 * 3600, 22 * 3600)
            at = dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(seconds=secs)
            if at > latest:
                continue
            per_day[dkey] += 1
            if pkey:
                per_period[pkey] += 1
            plan[idx].append((at, rule))
            return True
        return False

    weights_cum = list(itertools.accumulate(activity))
    bar = _progress(n_other + target_deeds, "planning", quiet)
    for n, rule_of in ((target_deeds, lambda: deed_rule), (n_other, pick_rule)):
        for _ in range(n):
            idx = bisect.bisect(weights_cum, rng.random() * total_activity)
            place(min(idx, len(people) - 1), rule_of())
            bar.update()
    bar.close()

    rows: list[tuple] = []
    accounts: list[tuple] = []
    awarded = deeds = 0
    # Every "+1 每日签到" row has its CheckIn behind it, as engagement.check_in writes
    # them: the row is the award's cause, the key the one the service would use (so a
    # check-in today on a seeded day is recognised as done). Ids are given here, after
    # the highest in the table, and the sequence is moved past them afterwards.
    check_in_rule = rules["daily_check_in"]
    check_in_ct = ContentType.objects.get_for_model(CheckIn)
    check_ins: list[tuple] = []
    next_check_in = (CheckIn.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for idx, person in enumerate(people):
        awards = sorted(plan[idx], key=lambda e: e[0])
        # Exchanges at merchants: drawn per award, then replayed in time order
        # and kept only where the balance at that moment covers them.
        spends = []
        for at, _rule in awards:
            if rng.random() < SPEND_CHANCE:
                spent_at = min(at + dt.timedelta(minutes=rng.randint(5, 600)), latest)
                spends.append((spent_at, rng.choice(SPEND_COSTS), rng.choice(merchants)))
        timeline = sorted(
            [(at, 0, rule) for at, rule in awards] + [(at, 1, (c, m)) for at, c, m in spends],
            key=lambda e: (e[0], e[1]),
        )
        balance = lifetime = 0
        actor = actors_by_comm.get(person.community_id)
        for k, (at, _spend_last, what) in enumerate(timeline):
            day = at.astimezone(tz).date()
            if isinstance(what, tuple):  # a spend: (cost, shop)
                cost, shop = what
                if cost > balance:
                    continue
                balance -= cost
                rows.append(
                    (
                        town.pk,
                        person.pk,
                        TransactionKind.SPEND.value,
                        -cost,
                        balance,
                        False,
                        None,
                        None,
                        "",
                        None,
                        f"seed:{person.pk}:{k}",
                        None,
                        f"兑换 · {shop.name}",
                        at,
                        day,
                    )
                )
                continue
            rule = what
            balance += rule.points
            lifetime += rule.points
            awarded += rule.points
            deeds += rule is deed_rule
            cause_type, cause_id, key, memo = None, "", f"seed:{person.pk}:{k}", ""
            if rule is check_in_rule:
                cid = next_check_in
                next_check_in += 1
                check_ins.append((cid, town.pk, person.pk, day, at))
                cause_type, cause_id, memo = check_in_ct.pk, str(cid), "每日签到"
                key = f"award:{rule.code}:engagement.checkin:{cid}:{person.pk}"
            rows.append(
                (
                    town.pk,
                    person.pk,
                    TransactionKind.AWARD.value,
                    rule.points,
                    balance,
                    True,
                    rule.pk,
                    cause_type,
                    cause_id,
                    None,
                    key,
                    actor.pk if actor and rule.requires_confirmation else None,
                    memo,
                    at,
                    day,
                )
            )
        accounts.append((person.pk, town.pk, balance, lifetime, now))
    _bulk_insert(CheckIn._meta.db_table, ("id", "town_id", "resident_id", "day", "at"), check_ins)
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), [CheckIn]):
            cur.execute(sql)
    bar = _progress(len(rows), "ledger", quiet)
    _bulk_insert(PointTransaction._meta.db_table, LEDGER_COLUMNS, rows, bar)
    bar.close()
    _bulk_insert(
        PointAccount._meta.db_table,
        ("resident_id", "town_id", "balance", "lifetime_earned", "updated_at"),
        accounts,
    )
    # the raw rows bypassed the ledger service: count the current periods' scores
    period_scores_rebuild(town_id=town.pk)
    # The content's services stamp their rows with the current time: only a town
    # whose history runs up to today gets it (an earlier ``end`` must stay the last day).
    content = seed_content(town=town, seed=seed, scale=scale) if end >= now.date() else None
    # the full town: 90 days; the test suite's small towns a month (CPU)
    if snapshot_days is None:
        snapshot_days = sized(SNAPSHOT_DAYS, 30, scale)
    snapshot_days = _ranking_history(town, end, snapshot_days, quiet)
    honours = _honours_published(staff[1], end)
    if end >= now.date():  # its services stamp rows with the current time, as the content's
        seed_district(main_town=town, password_hash=demo_hash, seed=seed)
    balance_total = PointAccount.objects.filter(town=town).aggregate(s=Sum("balance"))["s"]
    return SeedResult(
        residents=len(people),
        merchants=len(merchants),
        transactions=len(rows),
        points_awarded=awarded,
        good_deeds=deeds,
        balance_total=balance_total or 0,
        content=content,
        check_ins=len(check_ins),
        snapshot_days=snapshot_days,
        honours=honours,
    )


def _ranking_history(town: Town, end: dt.date, n_days: int, quiet: bool) -> int:
    """The daily ranking snapshots of the ``n_days`` local days before ``end``, oldest
    first (so each day's change arrows compare with the day before), taken by the
    rankings job's own ``snapshot_take``; returns the days taken."""
    days = [end - dt.timedelta(days=n) for n in range(n_days, 0, -1)]
    bar = tqdm(total=len(days), desc="rankings", unit="day", disable=quiet, leave=False)
    for day in days:
        snapshot_take(town=town, day=day)
        bar.update()
    bar.close()
    return len(days)


def _honours_published(admin: User, end: dt.date) -> int:
    """The honour roll as a town admin keeps it: the civic stars of the three months
    before ``end``'s month and the civilized households of the year before, evaluated
    and published through the rankings services (the holders get their inbox message).
    Returns how many honours were published."""
    published = 0
    month = end.replace(day=1)
    periods = []
    for _ in range(3):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        periods.append((HonourKind.CIVIC_STAR, month))
    periods.append((HonourKind.CIVILIZED_HOUSEHOLD, dt.date(end.year - 1, 1, 1)))
    for kind, start in periods:
        if honours_evaluate(actor=admin, kind=kind, period_start=start):
            published += honours_publish(actor=admin, kind=kind, period_start=start)
    return published
