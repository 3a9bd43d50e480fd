"""The four default sections of the story: good deeds, neighbourhood help, news, uncivil reports."""

from django.db import migrations

SECTIONS = (
    ("good_deeds", "好人好事", "Good deeds", "good_deed_post", False, True),
    ("neighbour_help", "邻里互助", "Neighbourhood help", "", False, True),
    ("community_news", "社区动态", "Community news", "", False, True),
    ("uncivil_reports", "不文明曝光", "Uncivil-behaviour reports", "", True, False),
)


def create(apps, schema_editor):
    Section = apps.get_model("posts", "Section")
    for order, (code, zh, en, rule, for_reports, open_) in enumerate(SECTIONS):
        Section.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "award_rule_code": rule,
                "for_reports": for_reports,
                "residents_may_post": open_,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("posts", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
