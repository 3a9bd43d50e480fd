"""Bulk import of 38,000 residents: ``python -m bench.import_38k [ROWS]`` (not a test).

Builds a fresh database (SQLite ``var/bench/import.sqlite3``, or ``<name>_import_bench``
when DATABASE_URL points at PostgreSQL), creates a town of 6 communities with
``create_town``'s service, writes an XLSX file of ROWS residents (default 38,000; a
third of them heads of 3-person households; 1 % refused rows: bad numbers and
duplicates) with openpyxl, then times, as the console does it:

1. reading and checking the file (``import_job_create``: parse + dry run of every row),
2. the import, batch by batch (``import_job_step`` until done),
3. the same file again (check + steps: everything ``unchanged``, nothing written).

Prints one line per phase and the counts; exits 1 if the second run changed anything.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
SOURCE_URL = os.environ.get("DATABASE_URL", "")
IS_PG = SOURCE_URL.startswith(("postgres://", "postgresql://"))
if IS_PG:
    _u = urlparse(SOURCE_URL)
    PG_ADMIN_URL = urlunparse(_u._replace(path="/postgres"))
    DB_NAME = (_u.path.lstrip("/") or "postgres") + "_import_bench"
    DB_URL = urlunparse(_u._replace(path="/" + DB_NAME))
else:
    SQLITE_PATH = VAR / "import.sqlite3"
    DB_URL = f"sqlite:///{SQLITE_PATH}"
os.environ.update(
    {
        "DATABASE_URL": DB_URL,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "DJANGO_SETTINGS_MODULE": "civicpoints.settings",
        "SMS_CONSOLE_IN_PRODUCTION": "1",  # nothing is texted here
    }
)
sys.path.insert(0, str(ROOT))
COMMUNITIES = ["融城社区", "巴桥社区", "新桥社区", "东湖社区", "西山社区", "南岭社区"]


def fresh_database() -> None:
    if IS_PG:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    else:
        VAR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True
    )


def workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("residents")
    ws.append(["手机号", "昵称", "姓名", "社区", "网格", "户", "户主"])
    for i in range(rows):
        community = COMMUNITIES[i % len(COMMUNITIES)]
        mobile = f"13{i:09d}"
        if i % 200 == 7:
            mobile = "12345"  # refused: bad number
        elif i % 200 == 9:
            mobile = f"13{i - 1:09d}"  # refused: duplicate in the file
        household = f"{i // (3 * len(COMMUNITIES))}号{i % len(COMMUNITIES)}"
        head = "是" if (i // len(COMMUNITIES)) % 3 == 0 else ""
        ws.append([mobile, f"居民{i}", f"姓名{i}", community, "第1网格", household, head])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 38_000
    fresh_database()
    import django

    django.setup()
    from civicpoints.accounts.models import ImportJob, User
    from civicpoints.accounts.services import import_job_create, import_job_step, town_create

    setup = town_create(
        name="基准镇",
        code="bench",
        time_zone="Asia/Shanghai",
        communities=COMMUNITIES,
        grids=[(c, "第1网格") for c in COMMUNITIES],
        admin_mobile="19900000001",
    )
    admin = setup.admin
    data = workbook(rows)
    engine = "postgresql" if IS_PG else "sqlite"
    print(f"[{engine}] {rows} rows, file {len(data) / 1e6:.1f} MB", flush=True)

    def run(label: str):
        t0, c0 = time.perf_counter(), time.process_time()
        job = import_job_create(actor=admin, data=data, filename="bench.xlsx")
        t1, c1 = time.perf_counter(), time.process_time()
        while job.status != ImportJob.Status.DONE:
            job = import_job_step(actor=admin, job_id=job.pk)
            print(f"\r  {label}: {job.done}/{job.total}", end="", flush=True)
        t2, c2 = time.perf_counter(), time.process_time()
        # wall time depends on what else the machine runs; CPU time of this process
        # (the database work of SQLite included, PostgreSQL's server excluded) less so
        print(
            f"\r[{engine}] {label}: check {t1 - t0:.1f} s (cpu {c1 - c0:.1f} s), "
            f"import {t2 - t1:.1f} s (cpu {c2 - c1:.1f} s), total {t2 - t0:.1f} s "
            f"(cpu {c2 - c0:.1f} s), load average {os.getloadavg()[0]:.1f} — "
            f"{job.counts['imported']}",
            flush=True,
        )
        return job

    first = run("first import")
    users = User.objects.count()
    again = run("same file again")
    changed = again.counts["imported"]["create"] + again.counts["imported"]["update"]
    if changed or User.objects.count() != users:
        print("the second import changed something", file=sys.stderr)
        return 1
    return 0 if first.counts["imported"]["create"] else 1


if __name__ == "__main__":
    sys.exit(main())
