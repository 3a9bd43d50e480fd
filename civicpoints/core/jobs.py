"""Periodic jobs: one registry, run by ``manage.py run_jobs`` (APScheduler, cron in local time).

An app declares its jobs in ``<app>/jobs.py``::

    from civicpoints.core.jobs import job

    @job("rankings.daily_snapshot", cron="0 0 * * *", catch_up=True)
    def daily_snapshot() -> str:
        ...

``cron`` is a five-field crontab (minute hour day month weekday) in the town's
``TIME_ZONE``, so "0 0 * * *" is local midnight (16:00 UTC in Asia/Shanghai).
Every job must be idempotent: the scheduler may run it late, twice after a
restart, or (``catch_up=True``) once at start-up to make up for missed runs.
The return value (a short summary string) is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    func: Callable[[], object]
    catch_up: bool = False


_REGISTRY: dict[str, Job] = {}

_F = TypeVar("_F", bound=Callable[[], object])


def job(name: str, *, cron: str, catch_up: bool = False) -> Callable[[_F], _F]:
    """Register the decorated zero-argument function as periodic job ``name``."""

    def decorate(func: _F) -> _F:
        _REGISTRY[name] = Job(name=name, cron=cron, func=func, catch_up=catch_up)
        return func

    return decorate


def registered_jobs() -> dict[str, Job]:
    """Every job declared in an installed app's ``jobs`` module, by name."""
    autodiscover_modules("jobs")
    return dict(sorted(_REGISTRY.items()))
