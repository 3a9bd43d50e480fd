# The constraint in its own migration (its own transaction): PostgreSQL may refuse to
# alter a table with row updates of the same transaction still pending.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0006_queued_award_decision_linked"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="queuedaward",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("decided_at__isnull", True),
                        ("decided_by__isnull", True),
                        ("status", "pending"),
                        ("transaction__isnull", True),
                    ),
                    models.Q(
                        ("decided_at__isnull", False),
                        ("decided_by__isnull", False),
                        ("status", "confirmed"),
                        ("transaction__isnull", False),
                        models.Q(("decision_note", ""), _negated=True),
                    ),
                    models.Q(
                        ("decided_at__isnull", False),
                        ("decided_by__isnull", False),
                        ("status", "refused"),
                        ("transaction__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="queued_award_decision_recorded",
            ),
        ),
    ]
