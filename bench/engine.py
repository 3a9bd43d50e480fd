"""One database engine's bench run: ``python -m bench.engine OUT.json [--quick]``.

DATABASE_URL names the engine (SQLite by default). The bench never touches the
development database: SQLite runs in ``var/bench/bench.sqlite3``, PostgreSQL in
a database named ``<name>_bench`` that is dropped and re-created.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
QUICK = "--quick" in sys.argv
ONLY = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--only=")), "")
RUNS = 3
SOURCE_URL = os.environ.get("DATABASE_URL", "")
IS_PG = SOURCE_URL.startswith(("postgres://", "postgresql://"))

if IS_PG:
    _u = urlparse(SOURCE_URL)
    PG_ADMIN_URL = urlunparse(_u._replace(path="/postgres"))
    BENCH_DB = (_u.path.lstrip("/") or "postgres") + "_bench"
    BENCH_URL = urlunparse(_u._replace(path="/" + BENCH_DB))
else:
    SQLITE_PATH = VAR / "bench.sqlite3"
    BENCH_URL = f"sqlite:///{SQLITE_PATH}"

os.environ.update(
    {
        "DATABASE_URL": BENCH_URL,
        "DEBUG": "0",
        "SMS_CONSOLE_IN_PRODUCTION": "1",  # no SMS gateway on the bench
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        "DJANGO_SETTINGS_MODULE": "civicpoints.settings",
        "LOG_LEVEL": "WARNING",
        # Production behind a TLS proxy: the load generator sends X-Forwarded-Proto.
        "TRUST_X_FORWARDED_PROTO": "1",
        # Per-person rate limits would (rightly) refuse one person hammering a
        # write; the bench measures the write path itself.
        "RATE_LIMITS_ENABLED": "0",
    }
)
sys.path.insert(0, str(ROOT))

from bench.stats import summary, timed  # noqa: E402

# the documented default (gunicorn.conf.py): WEB_CONCURRENCY, else two workers per CPU
WORKERS = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))


def log(msg: str) -> None:
    print(f"[bench {'pg' if IS_PG else 'sqlite'}] {msg}", file=sys.stderr, flush=True)


# --- database lifecycle -----------------------------------------------------------


def fresh_database() -> None:
    """Drop and re-create the bench database, then migrate (in a child process)."""
    if IS_PG:
        import psycopg

        with psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
        ) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [BENCH_DB],
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    else:
        VAR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True
    )


def raw_connection():
    """A bare driver connection to the bench database (no Django), autocommit."""
    if IS_PG:
        import psycopg

        return psycopg.connect(BENCH_URL.replace("postgres://", "postgresql://"), autocommit=True)
    conn = sqlite3.connect(SQLITE_PATH, isolation_level=None, timeout=20)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def ph(sql: str) -> str:
    """Placeholders: the SQL is written with %s; sqlite3 wants ?."""
    return sql if IS_PG else sql.replace("%s", "?")


# --- 4. seeding ---------------------------------------------------------------


SEED_TABLES = [
    "accounts_household",
    "accounts_user",
    "points_pointtransaction",
    "points_pointaccount",
]


def raw_copy_seconds() -> float:
    """Insert the rows seed_town made, again, with the bare driver into same-shaped tables.

    The copies carry the same indexes and constraints (PostgreSQL ``LIKE …
    INCLUDING ALL``; SQLite the same CREATE statements), so this is the floor
    for writing those rows on this machine. Reading them back is not timed.
    """
    conn = raw_connection()
    cur = conn.cursor()
    data = {}
    for table in SEED_TABLES:
        cur.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
        data[table] = cur.fetchall()
        if IS_PG:
            cur.execute(f"DROP TABLE IF EXISTS raw_{table}")
            cur.execute(f"CREATE TABLE raw_{table} (LIKE {table} INCLUDING ALL)")
        else:
            cur.execute(f"DROP TABLE IF EXISTS raw_{table}")
            cur.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", [table])
            create = cur.fetchone()[0].replace(f'"{table}"', f'"raw_{table}"', 1)
            cur.execute(create)
            cur.execute(
                "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=? "
                "AND sql IS NOT NULL",
                [table],
            )
            for (idx_sql,) in cur.fetchall():
                idx_sql = idx_sql.replace('INDEX "', 'INDEX "raw_', 1).replace(
                    f'ON "{table}"', f'ON "raw_{table}"'
                )
                cur.execute(idx_sql)
    began = time.perf_counter()
    cur.execute("BEGIN")
    for table in SEED_TABLES:
        rows = data[table]
        if not rows:
            continue
        marks = ", ".join(["%s"] * len(rows[0]))
        if IS_PG:
            with cur.copy(f"COPY raw_{table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(ph(f"INSERT INTO raw_{table} VALUES ({marks})"), rows)
    cur.execute("COMMIT")
    seconds = time.perf_counter() - began
    for table in SEED_TABLES:
        cur.execute(f"DROP TABLE raw_{table}")
    conn.close()
    return seconds


def bench_seed(scale: float) -> dict:
    seed_runs, raw_runs, rss = [], [], []
    info = {}
    for r in range(RUNS):
        fresh_database()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.seedrun", str(scale)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        seed_runs.append(info["seconds"])
        rss.append(info["maxrss_kb"] / 1024)
        raw_runs.append(raw_copy_seconds())
        log(
            f"seed run {r + 1}: {info['seconds']:.1f}s (raw {raw_runs[-1]:.1f}s), "
            f"{info['transactions']} rows"
        )
    ratio = [s / w for s, w in zip(seed_runs, raw_runs, strict=True)]
    return {
        "seed_town_seconds": summary(
            seed_runs,
            "s",
            scale=scale,
            rows=info["transactions"],
            residents=info["residents"],
            points=info["points_awarded"],
            target="<= 120 s at 1.0",
        ),
        "raw_bulk_insert_seconds": summary(raw_runs, "s"),
        "seed_vs_raw_ratio": summary(ratio, "x", target="<= 3"),
        "seed_town_peak_rss_mb": summary(rss, "MiB"),
    }


# --- 4b. what-if of a rule change ---------------------------------------------------


def bench_whatif(scale: float) -> dict:
    """``rankings.whatif.rule_change_whatif`` on the town ``bench_seed`` left behind: three
    proposals over 90 days and a year, best of three each (``bench.whatif``, in a child
    process on the bench database). Issue 19: "computed in SQL in seconds on the full
    demo town"."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.whatif", "--bench-db"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    cases = info["cases"]
    log(f"what-if: {', '.join(f'{k} {v:.2f}s' for k, v in cases.items())}")
    return {
        "whatif_seconds": summary(
            list(cases.values()),
            "s",
            scale=scale,
            ledger_rows=info["ledger_rows"],
            residents=info["residents"],
            cases={k: round(v, 4) for k, v in cases.items()},
            target="<= 5 s each at 1.0",
        )
    }


# --- 1. award path --------------------------------------------------------------


def _raw_award_tables(residents) -> object:
    """(Re)create the bare award tables (a ledger row + a balance) for ``residents``.

    Returns the open raw connection.
    """
    conn = raw_connection()
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS bench_raw_tx")
    cur.execute("DROP TABLE IF EXISTS bench_raw_balance")
    if IS_PG:
        cur.execute(
            "CREATE TABLE bench_raw_tx (id bigserial PRIMARY KEY, resident_id bigint, "
            "points integer, idempotency_key varchar(160) UNIQUE, "
            "created_at timestamptz)"
        )
    else:
        cur.execute(
            "CREATE TABLE bench_raw_tx (id integer PRIMARY KEY AUTOINCREMENT, "
            "resident_id bigint, points integer, idempotency_key varchar(160) UNIQUE, "
            "created_at datetime)"
        )
    cur.execute(
        "CREATE TABLE bench_raw_balance (resident_id bigint PRIMARY KEY, "
        "balance bigint NOT NULL CHECK (balance >= 0))"
    )
    cur.executemany(
        ph("INSERT INTO bench_raw_balance VALUES (%s, 0)"), [(u.pk,) for u in residents]
    )
    return conn


def bench_award(n: int) -> dict:
    import django

    django.setup()
    from django.db import connection

    from civicpoints.accounts.models import Role, User
    from civicpoints.points.models import PointAccount, PointRule
    from civicpoints.points.services import points_award

    residents = list(User.objects.filter(role=Role.RESIDENT, is_active=True).order_by("pk")[:200])
    rule, _ = PointRule.objects.get_or_create(
        town_id=residents[0].town_id,
        code="bench_uncapped",
        defaults={
            "category": "community_construction",
            "name_zh": "压测",
            "name_en": "Bench",
            "points": 2,
            "requires_confirmation": False,
        },
    )
    service_runs, raw_runs = [], []
    conn = _raw_award_tables(residents)
    cur = conn.cursor()
    for r in range(RUNS):

        def service(r=r):
            for i in range(n):
                points_award(
                    resident=residents[i % len(residents)],
                    rule=rule,
                    idempotency_key=f"bench:{r}:{i}",
                )

        def raw(r=r):
            for i in range(n):
                rid = residents[i % len(residents)].pk
                cur.execute("BEGIN" if IS_PG else "BEGIN IMMEDIATE")
                cur.execute(
                    ph(
                        "INSERT INTO bench_raw_tx (resident_id, points, idempotency_key,"
                        " created_at) VALUES (%s, %s, %s, %s)"
                    ),
                    (rid, 2, f"raw:{r}:{i}", time.strftime("%Y-%m-%d %H:%M:%S")),
                )
                cur.execute(
                    ph("UPDATE bench_raw_balance SET balance = balance + 2 WHERE resident_id = %s"),
                    (rid,),
                )
                cur.execute("COMMIT")

        service_runs.append(n / timed(service))
        raw_runs.append(n / timed(raw))
        log(f"award run {r + 1}: service {service_runs[-1]:.0f}/s, raw {raw_runs[-1]:.0f}/s")
    conn.close()
    connection.close()
    ratio = [s / w for s, w in zip(service_runs, raw_runs, strict=True)]
    assert PointAccount.objects.filter(balance__lt=0).count() == 0
    return {
        "award_service_per_s": summary(service_runs, "awards/s", n=n),
        "award_raw_per_s": summary(raw_runs, "awards/s", n=n),
        "award_service_vs_raw": summary(ratio, "ratio", target=">= 0.25"),
    }


# --- 3. rankings at 38 k and 1 M ------------------------------------------------------


def _bulk_town(code: str, residents: int, rng: random.Random, town_index: int) -> int:
    """A town of ``residents`` residents with accounts, written raw. Returns the town id."""
    conn = raw_connection()
    cur = conn.cursor()
    cur.execute("BEGIN")
    cur.execute(ph("INSERT INTO accounts_town (name, code) VALUES (%s, %s)"), (code, code))
    cur.execute(ph("SELECT id FROM accounts_town WHERE code = %s"), (code,))
    town_id = cur.fetchone()[0]
    communities = []
    for i in range(20):
        cur.execute(
            ph("INSERT INTO accounts_community (town_id, name) VALUES (%s, %s)"),
            (town_id, f"{code}-c{i}"),
        )
        cur.execute(
            ph("SELECT id FROM accounts_community WHERE town_id = %s AND name = %s"),
            (town_id, f"{code}-c{i}"),
        )
        communities.append(cur.fetchone()[0])
    # households of three: residents 3k, 3k+1, 3k+2 share household k and its community
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_household")
    hbase = cur.fetchone()[0] + 1
    cur.executemany(
        ph(
            "INSERT INTO accounts_household (id, town_id, community_id, name) "
            "VALUES (%s, %s, %s, %s)"
        ),
        ((hbase + k, town_id, communities[k % 20], f"h{k}") for k in range((residents + 2) // 3)),
    )
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
    base = cur.fetchone()[0] + 1
    now = time.strftime("%Y-%m-%d %H:%M:%S+00:00")
    # "11…" numbers: canonical length, never issued as mobiles, so they cannot meet
    # the demo town's random ones; the digit after "11" tells the bench towns apart.
    prefix = 11_000_000_000 + town_index * 10**8
    users = (
        (
            base + i,
            "!",
            False,
            str(prefix + i),
            f"r{i}",
            "",
            "resident",
            town_id,
            communities[(i // 3) % 20],
            hbase + i // 3,
            True,
            False,
            now,
            secrets.token_urlsafe(16),  # card_key: unique and random, as the model makes it
        )
        for i in range(residents)
    )
    cur.executemany(
        ph(
            "INSERT INTO accounts_user (id, password, is_superuser, mobile, nickname, real_name, "
            "role, town_id, community_id, household_id, is_active, is_staff, date_joined, "
            "card_key, language, must_change_password) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'zh-hans', FALSE)"
        ),
        users,
    )
    # the current periods' scores, as the ledger service leaves them: a share of
    # the residents earned something this year / month / week / today
    from civicpoints.core.timeutil import local_date
    from civicpoints.points.selectors import period_start

    today = local_date()
    starts = [period_start(p, today) for p in ("today", "week", "month", "year")]
    starts = [d if IS_PG else d.isoformat() for d in starts]

    def account(i: int, v: int) -> tuple:
        year = int(v * rng.random()) if rng.random() < 0.8 else 0
        month = int(year * rng.random()) if rng.random() < 0.5 else 0
        week = int(month * rng.random()) if rng.random() < 0.5 else 0
        day = int(week * rng.random()) if rng.random() < 0.3 else 0
        scores = (day, week, month, year)
        periods = [x for d, pts in zip(starts, scores, strict=True) for x in (d, pts)]
        return (base + i, town_id, v, v, now, *periods)

    accounts = (
        account(i, v)
        for i, v in enumerate(int(rng.paretovariate(1.3) * 20) for _ in range(residents))
    )
    cur.executemany(
        ph(
            "INSERT INTO points_pointaccount (resident_id, town_id, balance, lifetime_earned, "
            "updated_at, day_of, day_points, week_of, week_points, month_of, month_points, "
            "year_of, year_points) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        ),
        accounts,
    )
    cur.execute("COMMIT")
    if IS_PG:
        cur.execute("ANALYZE")
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), {base + residents})"
        )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('accounts_household', 'id'), "
            f"{hbase + (residents + 2) // 3})"
        )
    conn.close()
    return town_id


def _raw_snapshot_seconds(town_id: int, day) -> float:
    """The floor for the daily snapshot: the same rows ranked by one bare
    ``INSERT … SELECT … RANK() OVER (…)`` through the driver, into a table of the
    snapshot's shape (same columns and indexes), emptied first (not timed)."""
    conn = raw_connection()
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS raw_snapshot")
    if IS_PG:
        cur.execute("CREATE TABLE raw_snapshot (LIKE rankings_rankingsnapshot INCLUDING ALL)")
    else:
        cur.execute("SELECT sql FROM sqlite_master WHERE name = 'rankings_rankingsnapshot'")
        cur.execute(cur.fetchone()[0].replace('"rankings_rankingsnapshot"', '"raw_snapshot"', 1))
        cur.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name = 'rankings_rankingsnapshot'"
        )
        for (idx,) in cur.fetchall():
            cur.execute(
                idx.replace('INDEX "', 'INDEX "raw_', 1).replace(
                    '"rankings_rankingsnapshot"', '"raw_snapshot"'
                )
            )
    sql = ph(
        "INSERT INTO raw_snapshot (day, town_id, community_id, resident_id, points, day_points, "
        "town_rank, community_rank) "
        "SELECT %s, u.town_id, u.community_id, u.id, a.lifetime_earned, 0, "
        "RANK() OVER (ORDER BY a.lifetime_earned DESC), "
        "RANK() OVER (PARTITION BY u.community_id ORDER BY a.lifetime_earned DESC) "
        "FROM accounts_user u JOIN points_pointaccount a ON a.resident_id = u.id "
        "WHERE u.town_id = %s AND u.role = 'resident' AND u.is_active AND a.lifetime_earned > 0"
    )
    began = time.perf_counter()
    cur.execute("BEGIN")
    cur.execute(sql, (day if IS_PG else day.isoformat(), town_id))
    cur.execute("COMMIT")
    seconds = time.perf_counter() - began
    cur.execute("DROP TABLE raw_snapshot")
    conn.close()
    return seconds


def bench_rankings(sizes: list[int]) -> dict:
    """Daily snapshot vs its raw SQL floor; my rank and the top 100 from the snapshot."""
    import datetime as dt

    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection

    from civicpoints.accounts.models import Town, User
    from civicpoints.core.timeutil import local_date
    from civicpoints.points.models import PointAccount
    from civicpoints.points.selectors import PERIOD_FIELDS, Period, leaderboard, period_start
    from civicpoints.rankings.models import RankingSnapshot
    from civicpoints.rankings.selectors import daily_board, household_leaderboard, my_daily_rank
    from civicpoints.rankings.services import snapshot_take

    rng = random.Random(9)
    out = {}
    my_rank_median = {}
    board_median: dict[str, dict[int, float]] = {}
    day = local_date() - dt.timedelta(days=1)
    for size in sizes:
        code = f"bench{size}"
        town_id = _bulk_town(code, size, rng, town_index=sizes.index(size))
        town = Town.objects.get(pk=town_id)
        snap_runs, raw_runs = [], []
        for _ in range(RUNS):
            RankingSnapshot.objects.filter(town=town, day=day).delete()  # not timed
            snap_runs.append(timed(lambda t=town: snapshot_take(town=t, day=day)))
            raw_runs.append(_raw_snapshot_seconds(town_id, day))
        out[f"snapshot_seconds_{size}"] = summary(snap_runs, "s", residents=size)
        out[f"snapshot_raw_seconds_{size}"] = summary(raw_runs, "s", residents=size)
        out[f"snapshot_vs_raw_{size}"] = summary(
            [a / b for a, b in zip(snap_runs, raw_runs, strict=True)], "x", target="<= 1.5"
        )
        # a viewer in the middle of the field
        viewer = User.objects.filter(town_id=town_id).order_by("point_account__year_points", "pk")[
            size // 2
        ]
        my_daily_rank(viewer)  # warm caches
        mine, top = [], []
        for _ in range(RUNS):
            mine.append(timed(lambda v=viewer: my_daily_rank(v)) * 1000)
            top.append(timed(lambda v=viewer: daily_board(v, limit=100)) * 1000)
        out[f"rank_my_rank_ms_{size}"] = summary(mine, "ms", residents=size)
        out[f"rank_top100_ms_{size}"] = summary(top, "ms", residents=size)
        my_rank_median[size] = out[f"rank_my_rank_ms_{size}"]["median"]
        # every live board: the top 100 and my rank (a viewer in the middle of the
        # year's field), residents and households; the histogram that places a
        # deep rank is built by the first call (timed apart) and kept for a minute
        for period in Period.CHOICES:
            scores = PointAccount.objects.filter(town_id=town_id)
            if period != Period.ALL:
                on, pts = PERIOD_FIELDS[period]
                scores = scores.filter(**{on: period_start(period, local_date())})
            else:
                pts = "lifetime_earned"
            scores = scores.filter(**{f"{pts}__gt": 0}).order_by(pts, "pk")
            # a viewer in the middle of the period's field
            viewer = scores[scores.count() // 2].resident
            for kind, board in (("board", leaderboard), ("household", household_leaderboard)):
                cache.clear()
                first = timed(lambda v=viewer, p=period, b=board: b(v, period=p)) * 1000
                warm = [
                    timed(lambda v=viewer, p=period, b=board: b(v, period=p)) * 1000
                    for _ in range(5 * RUNS)
                ]
                name = f"{kind}_{period}"
                out[f"{name}_ms_{size}"] = summary(
                    warm, "ms", residents=size, first_ms=round(first, 1)
                )
                board_median.setdefault(name, {})[size] = out[f"{name}_ms_{size}"]["median"]
            log(
                f"boards {size} {period}: residents "
                f"{out[f'board_{period}_ms_{size}']['median']:.1f} ms, households "
                f"{out[f'household_{period}_ms_{size}']['median']:.1f} ms"
            )
        log(
            f"rankings {size}: snapshot {min(snap_runs):.2f}s (raw {min(raw_runs):.2f}s), "
            f"my rank {min(mine):.2f} ms, top 100 {min(top):.1f} ms"
        )
    small, big = sizes[0], sizes[-1]
    out["rank_my_rank_big_vs_small"] = summary(
        [my_rank_median[big] / max(my_rank_median[small], 1e-6)],
        "x",
        target="<= 2",
        sizes=[small, big],
    )
    for name, by_size in board_median.items():
        out[f"{name}_big_vs_small"] = summary(
            [by_size[big] / max(by_size[small], 1e-6)], "x", target="<= 2", sizes=[small, big]
        )
    connection.close()
    return out


# --- 2 and 5. HTTP and worker memory ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(port: int) -> None:
    """Until a worker answers ``/bench/bare`` (the port opens before workers are up)."""
    import http.client

    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/bare")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def _children(pid: int) -> list[int]:
    try:
        out = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(p) for p in out]


def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _write_fixtures(residents) -> tuple[list[int], list[int]]:
    """Articles to read and an offer to exchange, made through the services.

    The reading rule's daily cap is lifted (to 10^6, so the cap query still
    runs) and residents get a large balance, so every request is a fresh award
    or voucher rather than a refusal.
    """
    import datetime as dt

    from django.utils import timezone

    from civicpoints.accounts.models import Role, User
    from civicpoints.articles.services import article_create
    from civicpoints.merchants.services import offer_create
    from civicpoints.points.models import PointRule
    from civicpoints.points.services import points_adjust

    admin = User.objects.filter(role=Role.TOWN_ADMIN, town_id=residents[0].town_id).first()
    merchant_staff = User.objects.filter(
        role=Role.MERCHANT_STAFF, town_id=residents[0].town_id
    ).first()
    # the load test reads many articles a day: lift the reading cap the way a town does
    # (a new version; the award path reads versions, not the row)
    from civicpoints.points.governance import rule_change

    reading = PointRule.objects.get(code="article_reading", town_id=residents[0].town_id)
    if reading.daily_limit is not None:
        rule_change(
            actor=admin, rule_id=reading.pk, changes={"daily_limit": None}, reason="load test"
        )
    from civicpoints.rankings.services import snapshot_catch_up

    snapshot_catch_up()  # yesterday's ranking, as the nightly job leaves it
    from civicpoints.dashboard.services import figures_catch_up

    figures_catch_up()  # the dashboard's daily figures, as the nightly job leaves them
    published = timezone.now() - dt.timedelta(hours=1)
    ids = [
        article_create(
            actor=admin,
            title=f"压测文章 {i}",
            body_markdown="**今日**社区新闻。",
            published_at=published,
        ).pk
        for i in range(600 if QUICK else 4000)
    ]
    for u in residents:
        points_adjust(
            actor=admin,
            resident=u,
            points=100_000,
            reason="bench balance",
            idempotency_key=f"bench-topup-{u.pk}",
            discretionary=False,  # seeding, not a staff member's choice
        )
    today = timezone.localdate()
    offers = [
        offer_create(
            actor=merchant_staff,
            title=f"压测理发 {k}",
            price_fen=3500,
            discount_fen=500,
            points_cost=1,
            stock=1_000_000,
            per_resident_limit=100,
            valid_from=today,
            valid_until=today + dt.timedelta(days=30),
        ).pk
        for k in range(40)
    ]
    return ids, offers


def _cookie_for(user, csrf: str) -> str:
    """A signed-in session for ``user`` in the configured session engine (Redis or DB)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from civicpoints.accounts.backends import TOWN_SESSION_KEY

    s = import_module(settings.SESSION_ENGINE).SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "civicpoints.accounts.backends.MobileBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s[TOWN_SESSION_KEY] = user.town_id  # as signing in writes it: the user is read by town
    s.create()
    return f"sessionid={s.session_key}; csrftoken={csrf}"


def http_endpoints(residents, staff, article_ids, offer_ids, runs: int) -> dict:
    """name -> (kind, [per run: [(method, path, cookie), ...]]).

    kinds: ``floor`` (the three floors), ``floor_write`` (the bare award view),
    ``page`` (resident pages and read API, against the signed-in floor),
    ``staff`` (staff pages, by latency), ``write`` (against the bare award view).
    Writes never repeat a request: every (resident, article) read and every
    exchange is new, so each run gets its own slice.
    """
    from civicpoints.core.timeutil import local_date

    signed = [c for _, c in residents]
    today = local_date()
    year_ago = today.replace(year=today.year - 1)

    def reads(method: str, paths: list[str], cookies=signed) -> list:
        rows = [(method, p, c) for c in cookies for p in paths]
        return [rows] * runs

    pages = {
        "home": ["/"],
        "rules": ["/rules/"],
        "history": ["/points/history/"],
        "leaderboard_daily_my_rank": ["/leaderboard/"],
        "leaderboard_community_daily": ["/leaderboard/?scope=community"],
    }
    for period in ("today", "week", "month", "year", "all"):
        pages[f"leaderboard_{period}"] = [f"/leaderboard/?scope=town&period={period}"]
    pages["leaderboard_households"] = ["/leaderboard/?kind=households&period=month"]
    pages.update(
        {
            "api_leaderboard": ["/api/v1/leaderboard"],
            "feed": ["/posts/"],
            "articles": ["/articles/"],
            "merchants": ["/merchants/"],
            "events": ["/events/"],
        }
    )
    out: dict = {
        "floor_bare": ("floor", reads("GET", ["/bench/bare"], [""])),
        "floor_signed_out": ("floor", reads("GET", ["/bench/floor"], [""])),
        "floor_signed_in": ("floor", reads("GET", ["/bench/floor"])),
        "raw_award": (
            "floor_write",
            [[("POST", f"/bench/raw-award?r={u.pk}", c) for u, c in residents]] * runs,
        ),
    }
    for name, paths in pages.items():
        out[name] = ("page", reads("GET", paths))
    out["dashboard_year"] = (
        "staff",
        reads("GET", [f"/dashboard/?start={year_ago}&end={today}"], [staff]),
    )
    # article reads: (article, resident) pairs never repeat across runs or warm-up
    pairs = [(a, c) for a in article_ids for _, c in residents]
    share = len(pairs) // runs
    out["article_read"] = (
        "write",
        [
            [
                ("POST", f"/api/v1/articles/{a}/read", c)
                for a, c in pairs[r * share : (r + 1) * share]
            ]
            for r in range(runs)
        ],
    )
    out["voucher_exchange"] = (
        "write",
        [[("POST", f"/api/v1/offers/{o}/exchange", c) for o in offer_ids for c in signed]] * runs,
    )
    return out


def _ratio(page, floor) -> float:
    """req/s of ``page`` over ``floor``, measured in the same round (0 when the floor failed)."""
    return page.rps / floor.rps if floor.rps else 0.0


def bench_http(seconds: int) -> dict:
    """The HTTP section, driven by wrk (bench/wrk.py) against gunicorn on 127.0.0.1.

    Three floors — ``/bench/bare`` (signed out, no middleware), ``/bench/floor``
    signed out (through our middleware) and signed in — then every resident page
    and read API against the signed-in floor, the staff dashboard for a year by
    latency, and the writes against the bare award view. Runs are rounds: each
    round measures every endpoint once, and the ratios are taken inside a round
    (same minute, same machine load); min/median/max over ``RUNS`` rounds.
    """
    import django

    django.setup()
    from django.db import connection

    from bench.wrk import ensure_wrk, wrk
    from civicpoints.accounts.models import Role, User

    ensure_wrk()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        check=True,
    )
    seeded_town = User.objects.filter(role=Role.RESIDENT).order_by("pk").first().town_id
    people = list(User.objects.filter(role=Role.RESIDENT, town_id=seeded_town).order_by("pk")[:64])
    csrf = "b" * 32
    residents = [(u, _cookie_for(u, csrf)) for u in people]
    admin = User.objects.filter(role=Role.TOWN_ADMIN, town_id=seeded_town).order_by("pk").first()
    staff = _cookie_for(admin, csrf)
    raw = raw_connection()
    cur = raw.cursor()
    cur.executemany(
        ph("INSERT INTO bench_raw_balance VALUES (%s, 0) ON CONFLICT DO NOTHING"),
        [(u.pk,) for u in people],
    )
    raw.close()
    article_ids, offer_ids = _write_fixtures(people)
    endpoints = http_endpoints(residents, staff, article_ids, offer_ids, RUNS)
    wanted = [n for n in os.environ.get("BENCH_ENDPOINTS", "").split(",") if n]
    if wanted:  # BENCH_ENDPOINTS=home,feed: those and the floors they are measured against
        endpoints = {
            n: e for n, e in endpoints.items() if n in wanted or e[0] in ("floor", "floor_write")
        }
    connection.close()

    port = _free_port()
    env = {**os.environ, "ROOT_URLCONF": "bench.urls"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
            # steady state: gunicorn.conf.py recycles workers every ~5000 requests,
            # which the floors reach within a round (each restart re-imports the app)
            "--max-requests",
            "0",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        _wait_until_serving(port)
        # warm every worker's imports, connection, caches and templates (reads only):
        # a worker's first request takes about a second
        # (the first for longer: every worker imports the app on its first request)
        for i, (kind, per_run) in enumerate(endpoints.values()):
            if kind in ("floor", "page", "staff"):
                wrk(port=port, requests=per_run[0], seconds=3 if i == 0 else 1)
        rounds: dict = {name: [] for name in endpoints}
        for r in range(RUNS):
            for name, (kind, per_run) in endpoints.items():
                # a staff page's target is its latency: one member of staff at a
                # time (8 connections on a few workers would measure the queue)
                conns = {"connections": 1, "threads": 1} if kind == "staff" else {}
                rounds[name].append(wrk(port=port, requests=per_run[r], seconds=seconds, **conns))
            log(
                f"http round {r + 1}: "
                + ", ".join(f"{n} {res[-1].rps:.0f}" for n, res in rounds.items())
            )
        out: dict = {}
        for name, (kind, _) in endpoints.items():
            res = rounds[name]
            statuses = sum(x.bad_status for x in res)
            out[f"http_{name}_rps"] = summary(
                [x.rps for x in res],
                "req/s",
                kind=kind,
                errors=sum(x.errors for x in res),
                bad_status=statuses,
                concurrency=1 if kind == "staff" else 8,
                workers=WORKERS,
                generator="wrk",
            )
            out[f"http_{name}_p50_ms"] = summary([x.p50_ms for x in res], "ms")
            out[f"http_{name}_p99_ms"] = summary([x.p99_ms for x in res], "ms")
            floor = "floor_signed_in" if kind == "page" else "raw_award"
            if kind in ("page", "write"):
                suffix = "vs_floor" if kind == "page" else "vs_raw_award"
                out[f"http_{name}_{suffix}"] = summary(
                    [_ratio(x, f) for x, f in zip(res, rounds[floor], strict=True)],
                    "ratio",
                    target=">= 0.5" if kind == "page" else ">= 0.6",
                )
            elif kind == "staff":
                out[f"http_{name}_p50_ms"]["target"] = "< 50"
        for name in ("floor_signed_out", "floor_signed_in"):
            out[f"http_{name}_vs_bare"] = summary(
                [_ratio(x, f) for x, f in zip(rounds[name], rounds["floor_bare"], strict=True)],
                "ratio",
            )
        rss = [_vm_hwm_mb(p) for p in _children(server.pid)]
        out["web_worker_peak_rss_mb"] = summary(rss or [0.0], "MiB", workers=len(rss))
        return out
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _seeded() -> bool:
    """The bench database already holds a seeded town (BENCH_REUSE=1 keeps it)."""
    try:
        cur = raw_connection().cursor()
        cur.execute("SELECT COUNT(*) FROM bench_raw_balance")
        return cur.fetchone()[0] > 0
    except Exception:  # noqa: BLE001 - no database or no tables: not seeded
        return False


def seed_once(scale: float) -> None:
    """A fresh database with the demo town at ``scale`` and the bare award tables."""
    fresh_database()
    subprocess.run(
        [sys.executable, "-m", "bench.seedrun", str(scale)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    import django

    django.setup()
    from civicpoints.accounts.models import Role, User

    residents = list(User.objects.filter(role=Role.RESIDENT, is_active=True).order_by("pk")[:200])
    conn = _raw_award_tables(residents)
    if IS_PG:  # table statistics, as autovacuum leaves them in production
        conn.cursor().execute("ANALYZE")
    conn.close()


def main() -> None:
    out_path = Path(sys.argv[1])
    scale = float(os.environ.get("BENCH_SCALE", "0.02" if QUICK else "1.0"))
    seconds = int(os.environ.get("BENCH_HTTP_SECONDS", "1" if QUICK else "5"))
    results: dict = {"engine": "postgresql" if IS_PG else "sqlite", "quick": QUICK}
    if ONLY == "http":  # python -m bench --only=http: one seeded town, the HTTP section
        if not (os.environ.get("BENCH_REUSE") == "1" and _seeded()):
            seed_once(scale)
    elif ONLY == "rankings":  # python -m bench --only=rankings
        fresh_database()
        results.update(bench_rankings([3_800, 38_000] if QUICK else [38_000, 1_000_000]))
        out_path.write_text(json.dumps(results, indent=2))
        return
    else:
        results.update(bench_seed(scale))
        results.update(bench_whatif(scale))  # on the town the last seed run left
        results.update(bench_award(200 if QUICK else 2000))
        results.update(bench_rankings([3_800, 38_000] if QUICK else [38_000, 1_000_000]))
    results.update(bench_http(seconds))
    out_path.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
