"""A pytest plugin (loaded with ``-p``) that sets the test environment before Django starts.

Tests use the development static storage (no collectstatic) and a throwaway key;
the database comes from DATABASE_URL as everywhere else (SQLite by default).
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-only-secret")
# Tests that start production processes (DEBUG=0) send no real texts either.
os.environ.setdefault("SMS_CONSOLE_IN_PRODUCTION", "1")
# Tasks run at once where they are enqueued (after commit); the queue's own tests
# switch to the database backend and run the worker.
os.environ.setdefault("TASKS_BACKEND", "immediate")
# Rate limits off by default; the tests that check them turn them on with small rates.
os.environ.setdefault("RATE_LIMITS_ENABLED", "0")
