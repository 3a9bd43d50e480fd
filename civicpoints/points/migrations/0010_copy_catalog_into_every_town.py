"""Give every existing town its own rule catalog, sections and report categories.

Until now the catalog (rules), the feed's sections and the report categories were
global. The first town (lowest id) keeps the existing rows; every other town gets a
copy of each, and its rows that point at one (events, posts, reports, held and queued
awards, budgets and its own ledger rows) are repointed to its copy. Ledger rows keep
their points, kind, time and everything else: only ``rule_id`` moves to the same rule
of the row's own town, with the append-only trigger lifted for that one statement
and put back. Every rule then gets its version 1 (the values it has now, in force
since ``SINCE_ALWAYS``). With no town at all, the global rows are removed: nothing
can point at them (every row that could belongs to a town), and ``create_town`` /
``load_rule_catalog`` give each new town the shipped defaults.
"""

import datetime as dt

from django.db import migrations

SINCE_ALWAYS = dt.date(2000, 1, 1)
VERSIONED = (
    "category",
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "points",
    "daily_limit",
    "period",
    "period_limit",
    "requires_confirmation",
    "claimable",
    "is_active",
    "active_from",
    "active_until",
)
RULE_FIELDS = (*VERSIONED, "code", "sort_order", "budgeted")
SECTION_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "award_rule_code",
    "for_reports",
    "residents_may_post",
    "is_active",
    "sort_order",
)
CATEGORY_FIELDS = ("code", "name_zh", "name_en", "is_active", "sort_order")

SQLITE_TRIGGER = """
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_pointtransaction
BEGIN SELECT RAISE(ABORT, 'points_pointtransaction is append-only (UPDATE refused)'); END;
"""


def _copy(model, rows, town, fields):
    """Copies of ``rows`` for ``town``; returns {old pk: new pk}."""
    made = model.objects.bulk_create(
        [model(town_id=town.pk, **{f: getattr(r, f) for f in fields}) for r in rows]
    )
    if any(m.pk is None for m in made):  # backends without RETURNING on bulk insert
        by_code = dict(model.objects.filter(town_id=town.pk).values_list("code", "pk"))
        return {r.pk: by_code[r.code] for r in rows}
    return {r.pk: m.pk for r, m in zip(rows, made, strict=True)}


def _repoint(model, field, town, mapping):
    for old, new in mapping.items():
        model.objects.filter(town_id=town.pk, **{f"{field}_id": old}).update(**{f"{field}_id": new})


def _repoint_ledger(apps, schema_editor, town, mapping):
    Tx = apps.get_model("points", "PointTransaction")
    rows = Tx.objects.filter(town_id=town.pk, rule_id__in=list(mapping))
    if not rows.exists():
        return
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE points_pointtransaction DISABLE TRIGGER points_ledger_no_update"
        )
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS points_ledger_no_update")
    for old, new in mapping.items():
        # the model's queryset refuses update(); this is the one sanctioned rewrite
        with schema_editor.connection.cursor() as cur:
            cur.execute(
                "UPDATE points_pointtransaction SET rule_id = %s WHERE town_id = %s AND rule_id = %s",
                [new, town.pk, old],
            )
    if vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(
            "ALTER TABLE points_pointtransaction ENABLE TRIGGER points_ledger_no_update"
        )
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


def forwards(apps, schema_editor):
    Town = apps.get_model("accounts", "Town")
    Rule = apps.get_model("points", "PointRule")
    Version = apps.get_model("points", "RuleVersion")
    Section = apps.get_model("posts", "Section")
    Category = apps.get_model("reports", "ReportCategory")
    towns = list(Town.objects.order_by("pk"))
    if not towns:
        Section.objects.all().delete()
        Category.objects.all().delete()
        Rule.objects.all().delete()
        return
    first, others = towns[0], towns[1:]
    rules = list(Rule.objects.filter(town__isnull=True).order_by("pk"))
    sections = list(Section.objects.filter(town__isnull=True).order_by("pk"))
    categories = list(Category.objects.filter(town__isnull=True).order_by("pk"))
    Rule.objects.filter(town__isnull=True).update(town_id=first.pk)
    Section.objects.filter(town__isnull=True).update(town_id=first.pk)
    Category.objects.filter(town__isnull=True).update(town_id=first.pk)
    for town in others:
        rule_map = _copy(Rule, rules, town, RULE_FIELDS)
        for app, model, field in (
            ("events", "Event", "rule"),
            ("posts", "Post", "claimed_rule"),
            ("integrity", "HeldAward", "rule"),
            ("points", "IssuanceBudget", "rule"),
            ("points", "QueuedAward", "rule"),
        ):
            _repoint(apps.get_model(app, model), field, town, rule_map)
        _repoint_ledger(apps, schema_editor, town, rule_map)
        _repoint(
            apps.get_model("posts", "Post"),
            "section",
            town,
            _copy(Section, sections, town, SECTION_FIELDS),
        )
        _repoint(
            apps.get_model("reports", "Report"),
            "category",
            town,
            _copy(Category, categories, town, CATEGORY_FIELDS),
        )
    Version.objects.bulk_create(
        [
            Version(
                town_id=r.town_id,
                rule_id=r.pk,
                number=1,
                effective_from=SINCE_ALWAYS,
                reason="目录初始版本 (the catalog as it stood)",
                **{f: getattr(r, f) for f in VERSIONED},
            )
            for r in Rule.objects.all()
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_code_purpose_close_account"),
        ("points", "0009_town_catalogs_and_rule_versions"),
        ("posts", "0005_section_town"),
        ("reports", "0005_reportcategory_town"),
        ("events", "0003_event_photo_public_copy"),
        ("integrity", "0002_held_award_also_subject"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
