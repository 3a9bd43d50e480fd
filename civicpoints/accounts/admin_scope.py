"""``/admin/`` is the platform operator's; whatever it shows anyone else is their town's.

The operator (a superuser without a town) sees everything. Any other person the
admin site lets in (``is_staff`` with model permissions — never a town admin by
default) sees, edits and picks only rows of their own town:

- ``TownScopedAdmin.get_queryset`` filters by the model's path to its town, found
  from the model's fields (``town``, else one foreign key up: ``community__town``,
  ``post__town``, ``resident__town``…) — lists, change pages, history, deletion and
  autocomplete all read through it, so a row of another town is "not found";
- every foreign-key choice (select boxes and raw-id fields alike) is limited the same
  way, so nothing can be attached to another town's row;
- a model with no path to a town (the rule catalog, sections, categories while they
  are global) is the operator's alone.

``scope_admin_site`` wraps every registered ``ModelAdmin`` in the mixin once at start-up
(``AccountsConfig.ready``), so an app's ``admin.py`` cannot forget it; a test checks
that every registered admin is scoped.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from civicpoints.accounts.models import Town

MAX_DEPTH = 3


def town_path(model: type[models.Model]) -> str | None:
    """The ORM lookup from ``model`` to its ``Town``'s primary key, or None.

    ``Town`` → ``pk``; a model with a ``town`` foreign key → ``town``; else the
    shortest chain of non-null-or-null foreign keys (at most three) that reaches one,
    e.g. ``Grid`` → ``community__town``.
    """
    if model is Town:
        return "pk"
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    for _ in range(MAX_DEPTH):
        next_frontier = []
        for current, prefix in frontier:
            fks = [
                f
                for f in current._meta.get_fields()
                if isinstance(f, models.ForeignKey) and not f.name.startswith("reverses")
            ]
            for f in fks:
                if f.related_model is Town:
                    return f"{prefix}{f.name}"
            # prefer the non-null parent (the owner) over optional references
            for f in sorted(fks, key=lambda f: f.null):
                if f.related_model is not current:
                    next_frontier.append((f.related_model, f"{prefix}{f.name}__"))
        frontier = next_frontier
    return None


class TownScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Mixin for every ``ModelAdmin``: non-superusers see and pick only their town's rows."""

    def _town_filter(
        self, request: HttpRequest, model: type[models.Model]
    ) -> dict[str, Any] | None:
        """``{lookup: town_id}`` for ``request.user``; None (no filter) for the operator;
        ``{"pk__in": []}`` (nothing) for a model without a town path or a user without
        a town."""
        user = request.user
        if user.is_superuser:
            return None
        path = town_path(model)
        town_id = getattr(user, "town_id", None)
        if path is None or town_id is None:
            return {"pk__in": []}
        return {path: town_id}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        scope = self._town_filter(request, self.model)
        return qs if scope is None else qs.filter(**scope)

    def _limit(self, request: HttpRequest, db_field: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        related = db_field.related_model
        scope = self._town_filter(request, related)
        if scope is not None:
            base = kwargs.get("queryset")
            if base is None:
                base = related._default_manager.all()
            kwargs["queryset"] = base.filter(**scope)
        return kwargs

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:  # type: ignore[type-arg]
        return super().formfield_for_foreignkey(
            db_field, request, **self._limit(request, db_field, kwargs)
        )

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:  # type: ignore[type-arg]
        if db_field.related_model._meta.app_label == "auth":  # groups and permissions
            if not request.user.is_superuser:
                kwargs["queryset"] = db_field.related_model._default_manager.none()
            return super().formfield_for_manytomany(db_field, request, **kwargs)
        return super().formfield_for_manytomany(
            db_field, request, **self._limit(request, db_field, kwargs)
        )

    def _town_model_allowed(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or town_path(self.model) is not None

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._town_model_allowed(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._town_model_allowed(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._town_model_allowed(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._town_model_allowed(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._town_model_allowed(request) and super().has_delete_permission(request, obj)


def scope_admin_site(site: admin.AdminSite) -> None:
    """Replace every registered ``ModelAdmin`` by a subclass with ``TownScopedAdmin`` first."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, TownScopedAdmin):
            continue
        cls = type(model_admin)
        scoped = type(f"TownScoped{cls.__name__}", (TownScopedAdmin, cls), {})
        site._registry[model] = scoped(model, site)
