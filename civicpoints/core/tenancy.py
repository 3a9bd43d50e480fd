"""The one way a read or write is narrowed to the actor's town (DESIGN.md invariant 9).

Every tenant model has a ``town`` column of its own (children too: a comment carries
its post's town), and its manager is a ``TownScopedQuerySet``. Selectors and
services narrow with it instead of writing their own town filter:

- ``.for_town(town_id)`` — the rows of one town (the actor's: ``accounts.scope.town_of``);
- ``.for_viewer(viewer)`` — a signed-in person of a town sees that town's rows only; a
  visitor, or the platform operator (no town), gets the queryset unchanged — the
  selector has already limited it to what is public (e.g. approved posts), which is
  what a share link shows to anyone.

A child row takes its town from its parent (``town_parent`` names the foreign key):
``save()`` and ``bulk_create`` fill a missing ``town_id`` from the parent, so no
caller can write a child into another town than its parent's; a test compares every
child's town with its parent's (``core/tests/test_town_columns.py``). Unique keys of
tenant tables start with ``town`` so that sharding by town (Citus) stays open.

Core knows no user model: the viewer is anything with ``is_authenticated`` and
``town_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Self

from django.db import models
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ForwardOneToOneDescriptor,
)


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

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """``QuerySet.bulk_create``, first filling each child's missing town from its parent
        (one query per batch of parents that are not loaded)."""
        objs = list(objs)
        parent = getattr(self.model, "town_parent", None)
        if parent:
            fill_town_from_parent(self.model, objs, parent)
        return super().bulk_create(objs, *args, **kwargs)


def fill_town_from_parent(model: type[models.Model], objs: list[Any], parent: str) -> None:
    """Set ``town_id`` of each of ``objs`` that has none to its ``parent``'s town."""
    missing = [o for o in objs if o.town_id is None]
    if not missing:
        return
    field: Any = model._meta.get_field(parent)
    unloaded = {getattr(o, field.attname) for o in missing if not field.is_cached(o)}
    related = field.related_model
    towns = dict(
        related._default_manager.filter(pk__in=unloaded).values_list("pk", "town_id")
        if unloaded
        else []
    )
    for o in missing:
        if field.is_cached(o):
            o.town_id = getattr(o, parent).town_id
        else:
            o.town_id = towns.get(getattr(o, field.attname))


class TownRow(models.Model):
    """Abstract base of a tenant row (a model with a ``town`` column).

    Saving an existing row updates it by id *and* town, and ``refresh_from_db`` reads it
    by id and town, so the statements a model instance runs name its town like the
    selectors' do (a shard by town finds the row). A row never moves to another town.
    """

    class Meta:
        abstract = True

    def _do_update(
        self, base_qs: Any, *args: Any, **kwargs: Any
    ) -> Any:  # passes through to Django
        town_id = getattr(self, "town_id", None)
        if town_id is not None:
            base_qs = base_qs.filter(town_id=town_id)
        return super()._do_update(base_qs, *args, **kwargs)

    def refresh_from_db(
        self, using: str | None = None, fields: Any = None, from_queryset: Any = None
    ) -> None:
        """``Model.refresh_from_db``, reading the row by id and town."""
        town_id = getattr(self, "town_id", None)
        if from_queryset is None and town_id is not None:
            manager: Any = type(self)._base_manager.db_manager(using)
            from_queryset = manager.filter(town_id=town_id)
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class TownChild(TownRow):
    """Abstract base of a row that belongs to its parent's town (``town_parent``, the
    name of the foreign key to a row with a ``town``). ``save()`` takes the town from
    the parent when the caller has not named it."""

    town_parent: ClassVar[str]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, naming the parent's town when ``town_id`` is unset."""
        row: Any = self
        if row.town_id is None:
            row.town_id = getattr(self, self.town_parent).town_id
        super().save(*args, **kwargs)


class _TownForwardLookup:
    """Mixin for a forward foreign-key descriptor: the lazy load of ``row.parent`` names
    the row's town (``WHERE id = … AND town_id = …``) when both sides have a town. A
    reference into another town or to someone without one (the platform operator as a
    row's actor) is not found that way and is read by id alone, as Django does."""

    field: Any

    def get_object(self, instance: Any) -> Any:
        town_id = getattr(instance, "town_id", None)
        if town_id is not None:
            qs = self.get_queryset(instance=instance).filter(town_id=town_id)  # type: ignore[attr-defined]  # on the descriptor
            found = qs.filter(self.field.get_reverse_related_filter(instance)).first()
            if found is not None:
                return found
        return super().get_object(instance)  # type: ignore[misc]  # the descriptor's


class _TownManyToOne(_TownForwardLookup, ForwardManyToOneDescriptor):  # type: ignore[type-arg]
    pass


class _TownOneToOne(_TownForwardLookup, ForwardOneToOneDescriptor):  # type: ignore[type-arg]
    pass


def name_town_in_lazy_loads(models_: Iterable[type[models.Model]]) -> int:
    """Give every foreign key from a tenant model to a tenant model (both with a
    ``town`` column) the town-naming lazy load; returns how many. Called once from
    ``CoreConfig.ready``."""

    def has_town(model: Any) -> bool:
        return any(f.name == "town" for f in model._meta.concrete_fields)

    n = 0
    for model in models_:
        if not has_town(model):
            continue
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.name == "town" or not field.related_model:
                continue
            if not has_town(field.related_model) or getattr(
                field.remote_field, "parent_link", False
            ):
                continue
            current = model.__dict__.get(field.name)
            if type(current) is ForwardManyToOneDescriptor:
                setattr(model, field.name, _TownManyToOne(field))
                n += 1
            elif type(current) is ForwardOneToOneDescriptor:
                setattr(model, field.name, _TownOneToOne(field))
                n += 1
    return n
