"""Database triggers that refuse UPDATE (and on PostgreSQL DELETE) of ledger rows.

The model and queryset already raise; the triggers stop raw SQL and other
clients too. SQLite gets no DELETE trigger because Django's test flush empties
tables with DELETE; PostgreSQL flushes with TRUNCATE, which row triggers ignore.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION points_ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'points_pointtransaction is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE OR DELETE ON points_pointtransaction
  FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS points_ledger_no_update ON points_pointtransaction;
DROP FUNCTION IF EXISTS points_ledger_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_pointtransaction
BEGIN SELECT RAISE(ABORT, 'points_pointtransaction is append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS points_ledger_no_update;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
