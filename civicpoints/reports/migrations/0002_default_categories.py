"""The six default report categories (staff edit them in the admin)."""

from django.db import migrations

CATEGORIES = (
    ("litter", "乱扔垃圾", "Litter"),
    ("small_ads", "乱贴小广告", "Illegal small ads"),
    ("parking", "乱停车", "Parking"),
    ("noise", "噪音扰民", "Noise"),
    ("public_damage", "损坏公物", "Damage to public property"),
    ("other", "其他", "Other"),
)


def create(apps, schema_editor):
    ReportCategory = apps.get_model("reports", "ReportCategory")
    for i, (code, zh, en) in enumerate(CATEGORIES):
        ReportCategory.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": i}
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
