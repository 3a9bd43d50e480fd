"""Hooks: how a lower layer lets a higher one react without importing it.

The layer rule (docs/CONVENTIONS.md) forbids an import up the layers. When a lower
app must let the apps above it act on something it did — the ledger wrote a row, a
resident registered — it declares a ``Hook`` in its ``hooks.py`` and calls
``hook.send(obj)`` at the one place where it happens; an app above subscribes once
at start-up, in its ``AppConfig.ready()``.

This is a plain list of functions, not Django signals: the call site is explicit,
``hook.subscribers`` lists who listens, and a subscriber's exception propagates
(it runs inside the sender's transaction and rolls it back). Subscribers write only
inside that transaction; anything that leaves the process goes through
``transaction.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Hook(Generic[T]):
    """A named list of subscribers ``f(obj: T) -> None``, called in subscription order."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc
        self._subscribers: list[Callable[[T], None]] = []

    def subscribe(self, subscriber: Callable[[T], None]) -> Callable[[T], None]:
        """Add ``subscriber`` (once: subscribing the same function twice is a no-op).

        Returns the subscriber, so this can be used as a decorator.
        """
        if subscriber not in self._subscribers:
            self._subscribers.append(subscriber)
        return subscriber

    @property
    def subscribers(self) -> tuple[Callable[[T], None], ...]:
        return tuple(self._subscribers)

    def send(self, obj: T) -> None:
        """Call every subscriber with ``obj``; an exception stops and propagates."""
        for subscriber in self._subscribers:
            subscriber(obj)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._subscribers)} subscribers>"
