"""The one way a read is narrowed to the actor's town (DESIGN.md invariant 9).

Tenant models give their QuerySet the ``TownScopedQuerySet`` base (``town_lookup``
names the path to the town when it is not a direct ``town`` column), and selectors
call ``.for_viewer(viewer)`` instead of writing their own town filter:

- a signed-in person of a town sees that town's rows only;
- a visitor, or the platform operator (no town), gets the queryset unchanged — the
  selector has already limited it to what is public (e.g. approved posts), which is
  what a share link shows to anyone.

Core knows no user model: the viewer is anything with ``is_authenticated`` and
``town_id``.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models


class TownScopedQuerySet(models.QuerySet[Any]):
    """QuerySet base for rows that belong to a town."""

    town_lookup = "town_id"

    def for_town(self, town_id: int | None) -> Self:
        """Rows of town ``town_id`` (none for None)."""
        if town_id is None:
            return self.none()
        return self.filter(**{self.town_lookup: town_id})

    def for_viewer(self, viewer: Any) -> Self:
        """Rows of ``viewer``'s town; unchanged for a visitor or a person without a town."""
        town_id = getattr(viewer, "town_id", None)
        if viewer is None or not getattr(viewer, "is_authenticated", False) or town_id is None:
            return self
        return self.for_town(town_id)
