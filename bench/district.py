"""A district on PostgreSQL: ``python -m bench.district [--residents N] [--rows K] [--keep]``.

Issue 17, item 4. In a database of its own (``DISTRICT_URL``, default
``postgres://postgres@127.0.0.1:5432/district``, dropped and re-created):

1. the demo town (``seed_town`` at full scale: 38,000 residents, three years of
   history, posts, merchants, vouchers), its nightly jobs run once;
2. **single town**: every figure below measured with the demo town alone;
3. 29 more towns bulk-generated in SQL (``INSERT … SELECT generate_series``,
   no services): residents up to ``--residents`` (1,000,000) in households of
   three, and a year of ledger history, ``--rows`` (20) rows a resident on
   average, with the ledger's indexes and foreign keys dropped during the load
   and rebuilt after (so it is the size and shape the services would leave);
   the accounts and their period scores summed from that ledger;
4. the first count of the dashboard's daily figures, then the **nightly
   jobs** of one night for all 30 towns (snapshot, daily figures, voucher expiry);
5. **district**: every figure again — for the demo town among 29 others, and
   for one generated town.

Figures: the award write p50/p99 with 8 concurrent clients (8 processes, each
its own connection), my rank and the top 100 on every board, the daily board,
the household board, the staff dashboard over a year for the full town, the
feed's first page, the town's monthly settlement, the nightly jobs, and the
ledger's disk size per million rows. Written to ``var/bench/district.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("BENCH_OUT", str(ROOT / "var" / "bench")))
URL = os.environ.get("DISTRICT_URL", "postgres://postgres@127.0.0.1:5432/district")
RESIDENTS = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--residents=")), 1e6))
ROWS = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--rows=")), 20))
DEMO_SCALE = next((a.split("=")[1] for a in sys.argv if a.startswith("--demo-scale=")), "1.0")
TOWNS = 30
CLIENTS = 8
AWARDS_PER_CLIENT = 150

ENV = {
    "DATABASE_URL": URL,
    "DEBUG": "0",
    "SMS_CONSOLE_IN_PRODUCTION": "1",
    "SECRET_KEY": "bench-only-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SETTINGS_MODULE": "civicpoints.settings",
    "LOG_LEVEL": "WARNING",
    "RATE_LIMITS_ENABLED": "0",
    "DB_POOL_MAX_SIZE": "2",
}
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))


def log(msg: str) -> None:
    print(f"[district {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _pg(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True)


def _admin_url() -> str:
    return urlunparse(urlparse(URL)._replace(path="/postgres"))


def _dbname() -> str:
    return urlparse(URL).path.lstrip("/")


def fresh_database() -> None:
    with _pg(_admin_url()) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [_dbname()],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{_dbname()}"')
        conn.execute(f'CREATE DATABASE "{_dbname()}"')
    for cmd in (["migrate", "--no-input", "-v", "0"], ["load_rule_catalog"]):
        subprocess.run([sys.executable, "manage.py", *cmd], cwd=ROOT, check=True)


def drop_database() -> None:
    with _pg(_admin_url()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_dbname()}" WITH (FORCE)')


def med(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def ms_median(fn, n: int) -> float:
    fn()  # warm
    runs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return med(runs)


# --- the award write under 8 concurrent clients ------------------------------------


def _award_client(args: tuple[int, list[int], int, str]) -> list[float]:
    """One client (its own process and connection): awards to random residents."""
    import random

    import django

    django.setup()
    from civicpoints.accounts.models import User
    from civicpoints.points.models import PointRule
    from civicpoints.points.services import points_award

    client, ids, n, tag = args
    rule = PointRule.objects.get(code="bench_uncapped")
    rng = random.Random(client)
    people = list(User.objects.filter(pk__in=rng.sample(ids, min(n, len(ids)))))
    out = []
    for i in range(n):
        person = people[i % len(people)]
        t = time.perf_counter()
        points_award(resident=person, rule=rule, idempotency_key=f"{tag}:{client}:{i}")
        out.append((time.perf_counter() - t) * 1000)
    return out


def award_latency(resident_ids: list[int], tag: str) -> dict:
    from django.db import connections

    from civicpoints.points.models import PointRule

    PointRule.objects.get_or_create(
        code="bench_uncapped",
        defaults={
            "category": "community_construction",
            "name_zh": "压测",
            "name_en": "Bench",
            "points": 2,
            "requires_confirmation": False,
        },
    )
    connections.close_all()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(CLIENTS) as pool:
        began = time.perf_counter()
        got = pool.map(
            _award_client,
            [(c, resident_ids, AWARDS_PER_CLIENT, tag) for c in range(CLIENTS)],
        )
        wall = time.perf_counter() - began
    lat = sorted(x for part in got for x in part)
    return {
        "award_p50_ms": round(lat[len(lat) // 2], 2),
        "award_p99_ms": round(lat[int(len(lat) * 0.99)], 2),
        "award_per_s": round(len(lat) / wall, 1),
        "awards": len(lat),
    }


# --- per-town reads ---------------------------------------------------------------


def town_reads(town_id: int, *, feed: bool = True) -> dict:
    from civicpoints.accounts.models import Role, User
    from civicpoints.core.timeutil import local_date
    from civicpoints.dashboard.selectors import dashboard_context, dashboard_figures
    from civicpoints.merchants.selectors import town_settlement
    from civicpoints.points.selectors import Period, leaderboard
    from civicpoints.posts.selectors import feed as posts_feed
    from civicpoints.rankings.selectors import daily_board, household_leaderboard, my_daily_rank

    residents = User.objects.filter(town_id=town_id, role=Role.RESIDENT, is_active=True)
    n = residents.count()
    # a viewer in the middle of the all-time field, in a household
    housed = residents.filter(household__isnull=False)
    viewer = housed.order_by("point_account__lifetime_earned", "pk")[housed.count() // 2]
    admin = User.objects.filter(town_id=town_id, role=Role.TOWN_ADMIN).first()
    if admin is None:
        admin = User.objects.create_user(
            f"1990{town_id:07d}", None, nickname="admin", role=Role.TOWN_ADMIN, town_id=town_id
        )
    today = local_date()
    out: dict = {"residents": n}
    for period in Period.CHOICES:
        out[f"board_{period}_ms"] = ms_median(lambda p=period: leaderboard(viewer, period=p), 15)
        out[f"board_{period}_my_rank"] = leaderboard(viewer, period=period).my_rank
    out["my_daily_rank_ms"] = ms_median(lambda: my_daily_rank(viewer), 30)
    out["daily_board_ms"] = ms_median(lambda: daily_board(viewer), 15)
    for period in (Period.MONTH, Period.YEAR, Period.ALL):
        out[f"household_{period}_ms"] = ms_median(
            lambda p=period: household_leaderboard(viewer, period=p), 15
        )
    ctx = dashboard_context(admin, start=today - dt.timedelta(days=365), end=today)
    out["dashboard_year_ms"] = ms_median(lambda: dashboard_figures(ctx), 5)
    if feed:
        out["feed_ms"] = ms_median(lambda: list(posts_feed(viewer=viewer).posts), 15)
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    out["settlement_ms"] = ms_median(lambda: town_settlement(town_id, month), 10)
    return out


def nightly(towns: list[int], day: dt.date) -> dict:
    """One night's jobs for every town: the daily snapshot, the daily figures, voucher expiry."""
    from civicpoints.accounts.models import Town
    from civicpoints.dashboard.services import figures_catch_up
    from civicpoints.merchants.services import vouchers_expire
    from civicpoints.rankings.models import RankingSnapshot
    from civicpoints.rankings.services import snapshot_take

    RankingSnapshot.objects.filter(day=day).delete()  # not timed
    began = time.perf_counter()
    per_town = []
    for town in Town.objects.filter(pk__in=towns).order_by("pk"):
        t = time.perf_counter()
        snapshot_take(town=town, day=day)
        per_town.append(time.perf_counter() - t)
    snap = time.perf_counter() - began
    t = time.perf_counter()
    figures_catch_up(today=day + dt.timedelta(days=1))
    figures = time.perf_counter() - t
    t = time.perf_counter()
    vouchers_expire()
    expiry = time.perf_counter() - t
    return {
        "nightly_snapshot_all_towns_s": round(snap, 2),
        "nightly_snapshot_max_town_s": round(max(per_town), 2),
        "nightly_figures_s": round(figures, 2),
        "nightly_voucher_expiry_s": round(expiry, 2),
        "nightly_total_s": round(snap + figures + expiry, 2),
    }


# --- bulk generation ---------------------------------------------------------------


def bulk_towns(residents: int, rows: int) -> dict:
    """29 towns of residents, households and a year of ledger rows, in SQL."""
    from civicpoints.accounts.models import Community, Town
    from civicpoints.core.timeutil import local_date
    from civicpoints.points.models import PointRule
    from civicpoints.points.selectors import period_start

    bulk = TOWNS - 1
    towns = [Town.objects.create(name=f"区镇{i:02d}", code=f"d{i:02d}") for i in range(bulk)]
    for t in towns:
        Community.objects.bulk_create([Community(town=t, name=f"社区{c:02d}") for c in range(20)])
    rules = list(
        PointRule.objects.filter(is_active=True, points__gt=0)
        .exclude(code="bench_uncapped")
        .values_list("pk", "points")
    )
    today = local_date()
    timings = {}
    conn = _pg(URL)
    cur = conn.cursor()
    cur.execute("SET synchronous_commit = off")
    cur.execute("SET jit = off")  # it costs ~0.5 s a statement and saves nothing here
    cur.execute("SET maintenance_work_mem = '1GB'")
    cur.execute("SET work_mem = '256MB'")
    cur.execute(
        "CREATE TEMP TABLE bt AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS i, id "
        "FROM accounts_town WHERE code LIKE 'd%%'"
    )
    cur.execute(
        "CREATE TEMP TABLE bc AS SELECT bt.i AS ti, "
        "(row_number() OVER (PARTITION BY c.town_id ORDER BY c.id)) - 1 AS ci, c.id, c.town_id "
        "FROM accounts_community c JOIN bt ON bt.id = c.town_id"
    )
    cur.execute("CREATE TEMP TABLE br (i int, rule_id bigint, points int)")
    cur.executemany(
        "INSERT INTO br VALUES (%s, %s, %s)", [(i, r, p) for i, (r, p) in enumerate(rules)]
    )
    # resident g: town g % 29, household block g / 87 (three residents g, g+29, g+58)
    t = time.perf_counter()
    cur.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM accounts_household")
    hbase = cur.fetchone()[0]
    households = -(-residents // (3 * bulk)) * bulk
    cur.execute(
        "INSERT INTO accounts_household (id, town_id, community_id, name) "
        "SELECT %s + h, bc.town_id, bc.id, 'h' || h FROM generate_series(0, %s - 1) h "
        "JOIN bc ON bc.ti = h %% 29 AND bc.ci = (h / 29) %% 20",
        [hbase, households],
    )
    cur.execute(
        "SELECT setval(pg_get_serial_sequence('accounts_household', 'id'), %s)",
        [hbase + households],
    )
    cur.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM accounts_user")
    ubase = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO accounts_user (id, password, is_superuser, mobile, nickname, real_name, "
        "role, town_id, community_id, household_id, is_active, is_staff, date_joined, language, "
        "must_change_password, card_key) "
        "SELECT %s + g, '!', FALSE, (12000000000 + g)::text, 'r' || g, '', 'resident', "
        "bt.id, bc.id, %s + (g / 87) * 29 + g %% 29, TRUE, FALSE, now(), 'zh-hans', FALSE, "
        "md5('district' || g) FROM generate_series(0, %s - 1) g "
        "JOIN bt ON bt.i = g %% 29 JOIN bc ON bc.ti = g %% 29 AND bc.ci = (g / 87) %% 20",
        [ubase, hbase, residents],
    )
    cur.execute(
        "SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), %s)", [ubase + residents]
    )
    timings["generate_people_s"] = round(time.perf_counter() - t, 1)
    log(f"people: {timings['generate_people_s']} s")

    # the ledger: drop its indexes and foreign keys, load, rebuild
    t = time.perf_counter()
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'points_pointtransaction'::regclass AND contype IN ('f', 'u', 'c')"
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE tablename = "
        "'points_pointtransaction' AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE conrelid = 'points_pointtransaction'::regclass)"
    )
    indexes = cur.fetchall()
    for name, _ in constraints:
        cur.execute(f'ALTER TABLE points_pointtransaction DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    nrules = len(rules)
    # k rows for resident g, 1..2*ROWS-1 (mean ROWS); a time in the last 365 days
    for ti in range(bulk):
        cur.execute(
            "INSERT INTO points_pointtransaction (town_id, resident_id, kind, points, "
            "balance_after, counts_as_earned, rule_id, cause_id, idempotency_key, memo, "
            "created_at, local_date) "
            "SELECT bt.id, %(ub)s + g, 'award', br.points, 0, TRUE, br.rule_id, '', "
            "'d:' || g || ':' || j, '', x.at, (x.at AT TIME ZONE 'Asia/Shanghai')::date "
            "FROM generate_series(%(ti)s, %(n)s - 1, 29) g "
            "JOIN bt ON bt.i = %(ti)s "
            "CROSS JOIN LATERAL generate_series(1, 1 + (hashint4(g::int) & 2147483647) "
            "  %% (2 * %(rows)s - 1)) j "
            "JOIN br ON br.i = (g + j) %% %(nr)s "
            "CROSS JOIN LATERAL (SELECT now() - (((hashint4((g * 131 + j)::int) & 2147483647) "
            "  %% 31536000) * interval '1 second') AS at) x",
            {"ub": ubase, "ti": ti, "n": residents, "rows": rows, "nr": nrules},
        )
        log(f"ledger: town {ti + 1}/{bulk} ({time.perf_counter() - t:.0f} s)")
    timings["generate_ledger_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    for _, definition in indexes:
        cur.execute(definition)
    for name, definition in constraints:
        cur.execute(f'ALTER TABLE points_pointtransaction ADD CONSTRAINT "{name}" {definition}')
    timings["ledger_indexes_and_keys_s"] = round(time.perf_counter() - t, 1)
    log(f"ledger indexes and keys: {timings['ledger_indexes_and_keys_s']} s")

    t = time.perf_counter()
    starts = {p: period_start(p, today) for p in ("today", "week", "month", "year")}
    cur.execute(
        "INSERT INTO points_pointaccount (resident_id, town_id, balance, lifetime_earned, "
        "updated_at, day_of, day_points, week_of, week_points, month_of, month_points, "
        "year_of, year_points) "
        "SELECT resident_id, town_id, SUM(points), SUM(points), now(), "
        "%(d)s, COALESCE(SUM(points) FILTER (WHERE local_date >= %(d)s), 0), "
        "%(w)s, COALESCE(SUM(points) FILTER (WHERE local_date >= %(w)s), 0), "
        "%(m)s, COALESCE(SUM(points) FILTER (WHERE local_date >= %(m)s), 0), "
        "%(y)s, COALESCE(SUM(points) FILTER (WHERE local_date >= %(y)s), 0) "
        "FROM points_pointtransaction WHERE town_id IN (SELECT id FROM bt) "
        "GROUP BY resident_id, town_id",
        {"d": starts["today"], "w": starts["week"], "m": starts["month"], "y": starts["year"]},
    )
    cur.execute("VACUUM ANALYZE")
    timings["accounts_and_analyze_s"] = round(time.perf_counter() - t, 1)
    log(f"accounts, vacuum, analyze: {timings['accounts_and_analyze_s']} s")
    conn.close()
    return timings


def disk() -> dict:
    with _pg(URL) as conn:
        rows = conn.execute("SELECT count(*) FROM points_pointtransaction").fetchone()[0]
        total, heap = conn.execute(
            "SELECT pg_total_relation_size('points_pointtransaction'), "
            "pg_relation_size('points_pointtransaction')"
        ).fetchone()
        db = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    mib = 1024 * 1024
    return {
        "ledger_rows": rows,
        "ledger_mib_total": round(total / mib),
        "ledger_mib_heap": round(heap / mib),
        "ledger_mib_per_million_rows": round(total / mib / (rows / 1e6), 1),
        "ledger_heap_mib_per_million_rows": round(heap / mib / (rows / 1e6), 1),
        "database_mib": round(db / mib),
    }


def main() -> None:
    import django

    report: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "residents": RESIDENTS,
        "rows_per_resident": ROWS,
        "load_average_start": os.getloadavg(),
    }
    if "--measure" in sys.argv:  # again on a kept district: only its figures
        return measure_district(json.loads((OUT / "district.json").read_text()))
    t0 = time.perf_counter()
    fresh_database()
    subprocess.run(
        [sys.executable, "manage.py", "seed_town", "--scale", DEMO_SCALE],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DEBUG": "1"},
        stdout=subprocess.DEVNULL,
    )
    report["seed_demo_s"] = round(time.perf_counter() - t0, 1)
    log(f"demo town seeded: {report['seed_demo_s']} s")
    django.setup()

    from civicpoints.accounts.models import Role, Town, User
    from civicpoints.core.timeutil import local_date
    from civicpoints.dashboard.services import figures_catch_up, figures_today

    demo = Town.objects.get(code="baqiao")
    yesterday = local_date() - dt.timedelta(days=1)
    figures_catch_up(today=yesterday)  # the first count (through the day before yesterday)
    report["single"] = nightly([demo.pk], yesterday)
    figures_today()  # the five-minute job: today's settled rows
    report["single"].update(town_reads(demo.pk))
    ids = list(
        User.objects.filter(town=demo, role=Role.RESIDENT, is_active=True).values_list(
            "pk", flat=True
        )
    )
    report["single"].update(award_latency(ids, f"single{int(time.time())}"))
    log(f"single town: {report['single']}")

    demo_n = len(ids)
    t = time.perf_counter()
    report["generation"] = bulk_towns(RESIDENTS - demo_n, ROWS)
    report["generation"]["total_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    figures_catch_up(today=yesterday)
    report["generation"]["figures_first_count_s"] = round(time.perf_counter() - t, 1)
    log(f"generated: {report['generation']}")
    measure_district(report)


def measure_district(report: dict) -> None:
    import django

    django.setup()
    from django.db import connections

    from civicpoints.accounts.models import Role, Town, User
    from civicpoints.core.timeutil import local_date
    from civicpoints.dashboard.services import figures_today

    demo = Town.objects.get(code="baqiao")
    yesterday = local_date() - dt.timedelta(days=1)
    report["load_average_district"] = os.getloadavg()
    report["disk"] = disk()
    with _pg(URL) as conn:  # what autovacuum does after the first count filled the figures
        conn.execute("ANALYZE")
    towns = list(Town.objects.order_by("pk").values_list("pk", flat=True))
    report["district"] = nightly(towns, yesterday)
    t = time.perf_counter()
    figures_today()  # the five-minute job: today's settled rows
    report["district"]["figures_today_all_towns_s"] = round(time.perf_counter() - t, 2)
    report["district"].update(town_reads(demo.pk))
    big = Town.objects.filter(code__startswith="d").order_by("pk").first()
    report["district_generated_town"] = town_reads(big.pk, feed=False)
    all_ids = list(
        User.objects.filter(role=Role.RESIDENT, is_active=True)
        .order_by("?")
        .values_list("pk", flat=True)[:20000]
    )
    report["district"].update(award_latency(all_ids, f"district{int(time.time())}"))
    report["load_average_end"] = os.getloadavg()
    connections.close_all()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "district.json").write_text(json.dumps(report, indent=2, default=str))
    print_report(report)
    if "--keep" not in sys.argv:
        drop_database()
        log("district database dropped")


def print_report(r: dict) -> None:
    print(f"\n== district: {r['residents']:,} residents, {TOWNS} towns ({r['when']})")
    print(f"load average: start {r['load_average_start']}, end {r['load_average_end']}")
    print(f"{'figure':36} {'demo town alone':>16} {'in the district':>16} {'generated town':>16}")
    gen = r["district_generated_town"]
    for key, single in r["single"].items():
        district = r["district"].get(key, "")
        print(f"{key:36} {single!s:>16} {district!s:>16} {gen.get(key, '')!s:>16}")
    for part in ("generation", "disk"):
        for key, value in r[part].items():
            print(f"{key:36} {value!s:>16}")
    print(f"\nwritten: {OUT / 'district.json'}")


if __name__ == "__main__":
    main()
