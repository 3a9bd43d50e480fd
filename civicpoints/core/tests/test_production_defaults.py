"""Production defaults that are fast and safe (issue 17, item 1).

Persistent database connections (psycopg's pool on PostgreSQL, a connection
kept per worker on SQLite) and sessions that cost no database query when Redis
is configured. Settings are read once per process, so each case runs
``settings.py`` in a child process with its own environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parents[3]
REDIS = "redis://127.0.0.1:6379/7"

_PRINT = (
    "import json; from django.conf import settings as s; d = s.DATABASES['default']; "
    "print(json.dumps({'max_age': d['CONN_MAX_AGE'], 'health': d['CONN_HEALTH_CHECKS'], "
    "'pool': d.get('OPTIONS', {}).get('pool'), 'session': s.SESSION_ENGINE}))"
)


def _settings_with(**env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CONN_MAX_AGE", "DB_POOL", "SESSION_ENGINE"}
    }
    return subprocess.run(  # noqa: S603 - our own settings module
        [sys.executable, "-c", f"import django; django.setup(); {_PRINT}"],
        cwd=ROOT,
        env={**base, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "civicpoints.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _read(**env) -> dict:
    out = _settings_with(**env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_sqlite_keeps_its_connection_open_per_worker_with_health_checks():
    # when
    got = _read()
    # then: no per-request connect; a broken connection is replaced, not reused
    assert got["max_age"] is None
    assert got["health"] is True
    assert got["pool"] is None


def test_sqlite_connection_age_is_configurable_and_checked():
    assert _read(CONN_MAX_AGE="60")["max_age"] == 60
    assert _read(CONN_MAX_AGE="none")["max_age"] is None
    bad = _settings_with(CONN_MAX_AGE="forever")
    assert bad.returncode != 0
    assert "CONN_MAX_AGE must be an integer" in bad.stderr


def test_postgresql_borrows_from_psycopgs_pool_by_default():
    # when
    got = _read(DATABASE_URL="postgres://postgres@127.0.0.1:5432/h17")
    # then: Django refuses a pool together with persistent connections
    assert got["max_age"] == 0
    assert got["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10, "max_idle": 300}


def test_postgresql_without_the_pool_keeps_connections_for_conn_max_age():
    got = _read(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/h17", DB_POOL="0", CONN_MAX_AGE="600"
    )
    assert got["pool"] is None
    assert got["max_age"] == 600
    assert got["health"] is True


def test_sessions_live_in_redis_with_a_database_copy_when_redis_is_configured():
    assert _read(REDIS_URL=REDIS)["session"] == "django.contrib.sessions.backends.cached_db"
    # without a shared cache, a per-process cache would keep signed-out sessions alive
    assert _read()["session"] == "django.contrib.sessions.backends.db"


@pytest.fixture
def redis_sessions(settings):
    """This process switched to the Redis-backed sessions production uses (db 7, emptied)."""
    redis.Redis.from_url(REDIS).flushdb()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": "civicpoints-test",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield settings
    redis.Redis.from_url(REDIS).flushdb()


def test_a_signed_in_page_reads_its_session_without_a_database_query(client, town, redis_sessions):
    # given: a resident signed in (the session written to Redis and the database)
    client.force_login(town.alice)
    client.get("/rules/")
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/rules/")
    # then
    assert response.status_code == 200
    assert response.context["user"] == town.alice
    assert not [q["sql"] for q in queries if "django_session" in q["sql"]]


def test_signing_out_ends_the_redis_session_everywhere(client, town, redis_sessions):
    # given
    client.force_login(town.alice)
    key = client.cookies["sessionid"].value
    # when
    client.post("/accounts/logout/")
    # then: the old cookie no longer signs anyone in
    client.cookies["sessionid"] = key
    response = client.get("/")
    assert response.status_code == 302
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")
def test_postgresql_connections_come_from_the_pool(db):
    assert connection.pool is not None
