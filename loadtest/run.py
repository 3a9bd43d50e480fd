"""make loadtest: a bounded load test on 127.0.0.1 only, stopping by itself.

1. A fresh PostgreSQL database (LOAD_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/civicpoints_load; dropped and created),
   migrated, the rule catalog, ``seed_town --scale 0.01``, ``loadtest.prepare``.
2. gunicorn on 127.0.0.1:LOAD_PORT (default 8077), production settings
   (DEBUG off) over plain HTTP, Redis for the cache when REDIS_URL is set.
3. locust headless: LOAD_USERS (200) users for LOAD_TIME (60s), then a table of
   p50/p99 per endpoint and the error count; exit 1 on any error.
"""

import csv
import os
import secrets
import signal
import socket
import subprocess  # nosec B404
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "loadtest"
BIN = Path(sys.executable).parent
DB_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/civicpoints_load")
PORT = int(os.environ.get("LOAD_PORT", "8077"))
USERS = int(os.environ.get("LOAD_USERS", "200"))
RUN_TIME = os.environ.get("LOAD_TIME", "60s")
WORKERS = os.environ.get("LOAD_WORKERS", str(max(2, 2 * (os.cpu_count() or 1))))


def run(cmd, env, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kw)  # noqa: S603  # nosec B603


def fresh_database(env) -> None:
    import psycopg

    parts = urlsplit(DB_URL)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not open 127.0.0.1:{port}")


def report(stats_csv: Path) -> int:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    print(f"\n{'endpoint':<34} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7}")
    errors = 0
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        print(
            f"{name:<34} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{row['50%']:>7} {row['99%']:>7}"
        )
        if row["Name"] == "Aggregated":
            errors = int(row["Failure Count"])
    print(f"\nerrors: {errors}")
    return errors


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "DEBUG": "0",
        "SMS_CONSOLE_IN_PRODUCTION": "1",  # no SMS gateway on the bench
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # plain HTTP on the loopback: no HTTPS redirect, no Secure-only cookies, no HSTS
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "NOTIFICATION_CHANNELS": "",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "civicpoints.settings",
    }
    fresh_database(env)
    py = str(BIN / "python")
    run([py, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    run([py, "manage.py", "load_rule_catalog"], env)
    run(
        [py, "manage.py", "seed_town", "--scale", "0.01", "--quiet", "--allow-production-demo"], env
    )
    run([py, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
    sessions = OUT / "sessions.json"
    run([py, "-m", "loadtest.prepare", str(sessions)], env)
    gunicorn = subprocess.Popen(  # noqa: S603  # nosec B603
        [
            str(BIN / "gunicorn"),
            "civicpoints.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            WORKERS,
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for_port(PORT)
        prefix = OUT / "result"
        run(
            [
                str(BIN / "locust"),
                "-f",
                "loadtest/locustfile.py",
                "--headless",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--users",
                str(USERS),
                "--spawn-rate",
                "20",
                "--run-time",
                RUN_TIME,
                "--stop-timeout",
                "10",
                "--csv",
                str(prefix),
                "--only-summary",
                "--exit-code-on-error",
                "0",
            ],
            {**env, "LOAD_SESSIONS": str(sessions)},
        )
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    errors = report(Path(f"{prefix}_stats.csv"))
    run([py, "manage.py", "reconcile_points"], env)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
