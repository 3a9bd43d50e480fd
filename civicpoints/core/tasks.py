"""The durable task queue: Django's Tasks framework (``django-tasks``) with its database
backend (``django-tasks-db``), so the embedded default needs no extra service.

Everything slow or outside (SMS and WeChat sends of notifications, the fan-out of
reminders) is a task enqueued only after the transaction that caused it commits
(``enqueue_on_commit``): a rolled-back change enqueues nothing, and the web
request only writes a row. ``manage.py db_worker`` runs them (``make run`` starts
one; production runs several, README "Task queue").

Retries: a task that meets a transient failure calls ``enqueue_retry``, which
enqueues its next attempt after ``TASK_RETRY_DELAYS[attempt - 1]`` seconds
(30, 120, 600, 1800 by default) and returns False once they are used up; the task
then records the failure where staff see it. Task arguments are stored in the
database as JSON: never pass a code, a password or a full mobile number — pass ids.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` once the current transaction commits (at
    once outside a transaction). Arguments must be JSON values (ids, not objects)."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def retry_delay(attempt: int) -> int | None:
    """Seconds to wait before attempt ``attempt + 1``, or None when none is left."""
    delays = settings.TASK_RETRY_DELAYS
    return delays[attempt - 1] if 1 <= attempt <= len(delays) else None


def enqueue_retry(task: Any, *args: Any, attempt: int, **kwargs: Any) -> bool:
    """Enqueue attempt ``attempt + 1`` of ``task`` after its backoff.

    Returns False (nothing enqueued) when ``attempt`` was the last one. A backend
    that cannot defer (the immediate one of tests) runs the next attempt at once.
    """
    delay = retry_delay(attempt)
    if delay is None:
        return False
    if task.get_backend().supports_defer and delay > 0:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    task.enqueue(*args, attempt=attempt + 1, **kwargs)
    return True
