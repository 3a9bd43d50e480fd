"""The dashboard's extension point: metric providers (plumbing, so that any app —
a domain app or an oversight one — can add figures without importing the dashboard).

A provider is a function ``(ctx: MetricContext) -> list[Figure | Table]``
registered with ``@metric_provider``. Providers live in ``<app>/metrics.py``;
every installed app's ``metrics`` module is imported (autodiscovery, like
``jobs``) before the dashboard is drawn, so the posts, reports, events,
articles and merchants apps add their figures by adding such a module::

    from civicpoints.core.metrics import Figure, metric_provider

    @metric_provider(order=40)
    def posts(ctx):
        n = Post.objects.filter(town_id=ctx.town_id, ...).count()
        return [Figure("posts_shared", _("Posts shared"), n)]

A provider must aggregate in SQL, respect ``ctx.community_id`` (None = the
whole town) and the local date range ``ctx.start`` … ``ctx.end``, and never
return personal data (counts and sums only). ``Table`` rows are exported to
CSV/XLSX as they are; ``Table.chart`` (optional) is drawn by Chart.js.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class MetricContext:
    """What a provider reports on: a town or one of its communities, over local dates.

    ``time_zone`` is the town's IANA zone (``Town.time_zone``): its local dates and
    midnights come from ``core.timeutil`` with the context as the town."""

    town_id: int
    community_id: int | None
    start: dt.date
    end: dt.date
    time_zone: str = field(default_factory=lambda: settings.TIME_ZONE)


@dataclass(frozen=True)
class Figure:
    """One headline number; ``note`` qualifies it (e.g. "town-wide")."""

    key: str
    label: str
    value: int | None
    note: str = ""


@dataclass(frozen=True)
class Table:
    """A table of figures; ``key`` names it in export URLs (``[a-z0-9_]+``).

    ``chart`` is ``{"type": "bar"|"line", "stacked": bool, "labels": [...],
    "datasets": [{"label": str, "data": [numbers]}]}`` or None.
    """

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None


Provider = Callable[[MetricContext], Sequence[Figure | Table]]


@dataclass(order=True)
class _Entry:
    order: int
    name: str
    func: Provider = field(compare=False)


_PROVIDERS: dict[str, _Entry] = {}


def metric_provider(*, order: int = 100) -> Callable[[Provider], Provider]:
    """Register the decorated function as a metric provider (lower ``order`` first)."""

    def decorate(func: Provider) -> Provider:
        name = f"{func.__module__}.{func.__qualname__}"
        _PROVIDERS[name] = _Entry(order, name, func)
        return func

    return decorate


def collect(ctx: MetricContext) -> tuple[list[Figure], list[Table]]:
    """Run every registered provider; returns (figures, tables) in provider order."""
    autodiscover_modules("metrics")
    figures: list[Figure] = []
    tables: list[Table] = []
    for entry in sorted(_PROVIDERS.values()):
        for item in entry.func(ctx):
            if isinstance(item, Figure):
                figures.append(item)
            else:
                tables.append(item)
    return figures, tables
