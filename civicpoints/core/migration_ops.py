"""Migration operations shared by the apps (no model imports: historical models only)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def backfill_town(model_name: str, parent_fk: str) -> migrations.RunPython:
    """A ``RunPython`` that sets ``town_id`` of every row of ``model_name`` (``app.Model``)
    to its parent's town, in one ``UPDATE … SET town_id = (SELECT …)`` statement (no
    rows through Python: fast on the full demo town, SQLite and PostgreSQL alike).

    On PostgreSQL the foreign-key checks are made immediate around the update, so the
    ``NOT NULL`` that follows in the same migration finds no pending trigger events.
    """

    def forward(apps: Any, schema_editor: Any) -> None:
        app_label, name = model_name.split(".")
        model = apps.get_model(app_label, name)
        field = model._meta.get_field(parent_fk)
        parent = field.related_model
        qn = schema_editor.quote_name
        child_table = qn(model._meta.db_table)
        postgres = schema_editor.connection.vendor == "postgresql"
        if postgres:
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(
            f"UPDATE {child_table} SET town_id = ("  # noqa: S608  # nosec B608 - model names
            f"SELECT p.town_id FROM {qn(parent._meta.db_table)} p "
            f"WHERE p.{qn(parent._meta.pk.column)} = {child_table}.{qn(field.column)}"
            f") WHERE town_id IS NULL"
        )
        if postgres:
            schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")

    return migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)
