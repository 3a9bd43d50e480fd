"""Every pointrule belongs to a town now that each town has its own copy
(points.0010_copy_catalog_into_every_town)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0010_copy_catalog_into_every_town"),
    ]
    operations = [
        migrations.AlterField(
            model_name="pointrule",
            name="town",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.town"
            ),
        ),
    ]
