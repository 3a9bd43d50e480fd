"""gunicorn settings, read from the working directory by `gunicorn civicpoints.wsgi`.

Workers: sync workers, ``WEB_CONCURRENCY`` of them, default two per CPU. A
request here is mostly Python (templates, ORM) with short database waits, so
about two per core keeps the cores busy while one waits; more only adds
memory (≈115 MiB each, ``make bench`` reports it) and database connections
(each worker holds its own pool or connection: keep workers × DB_POOL_MAX_SIZE
under PostgreSQL's ``max_connections``).
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
bind = os.environ.get("BIND", "127.0.0.1:8000")
# Requests are short; a worker stuck for this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Recycle workers now and then, so that a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
