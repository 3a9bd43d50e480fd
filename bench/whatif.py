"""Time the rule-change what-if on the full demo town.

Two ways to run it:

* ``python -m bench.whatif`` (by hand): seeds the demo town at ``SEED_SCALE``
  (default 1: ~38,000 residents, three years of history) into a throwaway
  database — PostgreSQL ``<name>_whatif`` (dropped and re-created) when
  DATABASE_URL names PostgreSQL, else ``var/bench/whatif.sqlite3`` — then times
  the proposals and prints a line per proposal. ``WHATIF_REUSE=1`` keeps a town
  seeded by an earlier run.
* ``python -m bench.whatif --bench-db`` (``make bench``, from ``bench.engine``):
  DATABASE_URL is the bench database, already migrated and seeded at
  ``BENCH_SCALE``; nothing is seeded or dropped; the last line printed is JSON
  ``{"cases": {name: best seconds}, "ledger_rows": n, "residents": n}``.

Each proposal — patrol 50 → 60 points, reading's daily cap 5 → 2, a sanitation
budget of 20,000 points a month — runs ``rankings.whatif.rule_change_whatif``
over the last 90 days and the last year, three times; the best time counts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "--bench-db" in sys.argv
SOURCE_URL = os.environ.get("DATABASE_URL", "")
SCALE = float(os.environ.get("SEED_SCALE", "1"))
REUSE = BENCH_DB or os.environ.get("WHATIF_REUSE") == "1"  # keep a town seeded earlier
RUNS = 3

if BENCH_DB:
    URL = SOURCE_URL
elif SOURCE_URL.startswith(("postgres://", "postgresql://")):
    import psycopg

    u = urlparse(SOURCE_URL)
    name = (u.path.lstrip("/") or "postgres") + "_whatif"
    if not REUSE:
        with psycopg.connect(urlunparse(u._replace(path="/postgres")), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
    URL = urlunparse(u._replace(path="/" + name))
else:
    path = ROOT / "var" / "bench" / "whatif.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not REUSE:
        path.unlink(missing_ok=True)
    URL = f"sqlite:///{path}"

os.environ.update({"DATABASE_URL": URL, "DJANGO_SETTINGS_MODULE": "civicpoints.settings"})
if not BENCH_DB:
    os.environ["DEBUG"] = "1"
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402

from civicpoints.accounts.models import Role, Town, User  # noqa: E402
from civicpoints.demo.town import seed_town  # noqa: E402
from civicpoints.points.models import PointTransaction  # noqa: E402
from civicpoints.points.services import rule_get  # noqa: E402
from civicpoints.rankings.whatif import rule_change_whatif  # noqa: E402

CASES = [
    ("voluntary_patrol", "points 50 → 60", {"points": 60}),
    ("article_reading", "daily cap 5 → 2", {"daily_limit": 2}),
    ("sanitation_drive", "budget 20,000 a month", {"monthly_budget": 20_000}),
]
PERIODS = (90, 365)  # days back from the town's last ledger day


def measure(town: Town, *, say=print) -> dict:
    """Best of ``RUNS`` seconds per proposal and period: ``{"<days>d_<rule>": seconds}``."""
    last = PointTransaction.objects.filter(town=town).aggregate(d=Max("local_date"))["d"]
    out = {}
    for days in PERIODS:
        start = last - dt.timedelta(days=days - 1)
        for code, label, kw in CASES:
            best, w = None, None
            for _ in range(RUNS):
                t = time.perf_counter()
                w = rule_change_whatif(
                    town=town, rule=rule_get(code, town_id=town.pk), start=start, end=last, **kw
                )
                took = time.perf_counter() - t
                best = took if best is None else min(best, took)
            out[f"{days}d_{code}"] = best
            say(
                f"{days:3} days  {code:18} {label:22} {best:6.2f} s  awards {w.awards:6}"
                f"  issued {w.issued_before:8} → {w.issued_after:8}"
                f"  residents {w.residents_affected:6}  town top-10 moves "
                f"{sum(m.old_rank != m.new_rank for m in w.town_top)}"
            )
    return out


def main() -> None:
    if not BENCH_DB:
        call_command("migrate", verbosity=0)
    if not (REUSE and Town.objects.exists()):
        call_command("load_rule_catalog", verbosity=0)
        began = time.perf_counter()
        seed_town(scale=SCALE, seed=2018, quiet=True)
        print(f"seeded scale {SCALE} on {URL.split(':')[0]} in {time.perf_counter() - began:.0f} s")
    # The planner's statistics, as autovacuum would have them after a bulk load: without
    # them PostgreSQL takes the freshly seeded tables for empty and nests loops (~50 s).
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    town = Town.objects.order_by("pk").first()
    rows = PointTransaction.objects.filter(town=town).count()
    residents = User.objects.filter(town=town, role=Role.RESIDENT).count()
    say = (lambda line: print(line, file=sys.stderr)) if BENCH_DB else print
    say(f"ledger rows: {rows:,}, residents: {residents:,}")
    cases = measure(town, say=say)
    if BENCH_DB:
        print(json.dumps({"cases": cases, "ledger_rows": rows, "residents": residents}))


if __name__ == "__main__":
    main()
