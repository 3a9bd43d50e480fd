"""The platform operator has no town: their entries carry none.

SQLite alters a column by rebuilding the table, which drops its triggers: the
append-only trigger of 0002 is created again afterwards.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_UP = """
CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry
BEGIN SELECT RAISE(ABORT, 'audit_auditentry is append-only (UPDATE refused)'); END;
"""


def restore_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_i14_operator_town"),
        ("audit", "0002_audit_append_only_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="town",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_entries",
                to="accounts.town",
            ),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
    ]
