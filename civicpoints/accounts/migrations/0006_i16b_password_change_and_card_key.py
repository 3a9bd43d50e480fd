import secrets

from django.db import migrations, models

import civicpoints.accounts.models


def give_every_user_a_card_key(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk in User.objects.filter(card_key__isnull=True).values_list("pk", flat=True).iterator():
        User.objects.filter(pk=pk).update(card_key=secrets.token_urlsafe(16))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_i15_wechat_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="must_change_password",
            field=models.BooleanField(
                default=False,
                help_text="Set by a staff password reset: the next sign-in must choose a new one.",
                verbose_name="must change password",
            ),
        ),
        # Added empty, filled row by row (a callable default would give every existing
        # row the same key), then made unique with its default.
        migrations.AddField(
            model_name="user",
            name="card_key",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(give_every_user_a_card_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="card_key",
            field=models.CharField(
                default=civicpoints.accounts.models.new_card_key,
                editable=False,
                help_text="Random key the personal QR card names; a new one revokes every old card.",
                max_length=32,
                unique=True,
                verbose_name="card key",
            ),
        ),
    ]
