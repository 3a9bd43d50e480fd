"""Time the rule-change what-if on the full demo town: ``python -m bench.whatif``.

Seeds the demo town at ``SEED_SCALE`` (default 1: ~38,000 residents, three years of
history) into a throwaway database — PostgreSQL ``<name>_whatif`` (dropped and
re-created) when DATABASE_URL names PostgreSQL, else ``var/bench/whatif.sqlite3`` —
then runs ``rankings.whatif.rule_change_whatif`` for a few proposals over the last
90 days and the last year, three times each, and prints the best time of each.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
SOURCE_URL = os.environ.get("DATABASE_URL", "")
SCALE = float(os.environ.get("SEED_SCALE", "1"))
REUSE = os.environ.get("WHATIF_REUSE") == "1"  # keep a town seeded by an earlier run

if SOURCE_URL.startswith(("postgres://", "postgresql://")):
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

os.environ.update(
    {"DATABASE_URL": URL, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "civicpoints.settings"}
)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402

from civicpoints.accounts.models import Town  # noqa: E402
from civicpoints.demo.town import seed_town  # noqa: E402
from civicpoints.points.models import PointTransaction  # noqa: E402
from civicpoints.points.services import rule_get  # noqa: E402
from civicpoints.rankings.whatif import rule_change_whatif  # noqa: E402


def main() -> None:
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
    last = PointTransaction.objects.filter(town=town).aggregate(d=Max("local_date"))["d"]
    print(f"ledger rows: {PointTransaction.objects.filter(town=town).count():,}")
    cases = [
        ("voluntary_patrol", "points 50 → 60", {"points": 60}),
        ("article_reading", "daily cap 5 → 2", {"daily_limit": 2}),
        ("sanitation_drive", "budget 20,000 a month", {"monthly_budget": 20_000}),
    ]
    for days in (90, 365):
        start = last - dt.timedelta(days=days - 1)
        for code, label, kw in cases:
            best, w = None, None
            for _ in range(3):
                t = time.perf_counter()
                w = rule_change_whatif(town=town, rule=rule_get(code), start=start, end=last, **kw)
                took = time.perf_counter() - t
                best = took if best is None else min(best, took)
            print(
                f"{days:3} days  {code:18} {label:22} {best:6.2f} s  awards {w.awards:6}"
                f"  issued {w.issued_before:8} → {w.issued_after:8}"
                f"  residents {w.residents_affected:6}  town top-10 moves "
                f"{sum(m.old_rank != m.new_rank for m in w.town_top)}"
            )


if __name__ == "__main__":
    main()
