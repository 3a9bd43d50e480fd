"""The migration that gives every existing town its own catalog
(points.0010_copy_catalog_into_every_town), run on a database in the state before it."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("points", "0009_town_catalogs_and_rule_versions"),
    ("posts", "0005_section_town"),
    ("reports", "0005_reportcategory_town"),
]
AFTER = [
    ("points", "0011_rule_town_required"),
    ("posts", "0006_section_town_required"),
    ("reports", "0006_reportcategory_town_required"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="going back to the state before needs PostgreSQL: on SQLite, unapplying the "
    "migrations of the branch that ran in parallel (town columns) rebuilds the ledger table "
    "from a state without rule_version; forward migrations on SQLite are covered by every "
    "test database",
)
@pytest.mark.django_db(transaction=True)
def test_every_town_gets_its_own_copy_and_its_rows_follow_it():
    # given: the global catalog of before, two towns, and town 2's rows pointing at it
    old = _migrate(BEFORE)
    try:
        Town = old.get_model("accounts", "Town")
        User = old.get_model("accounts", "User")
        Rule = old.get_model("points", "PointRule")
        Tx = old.get_model("points", "PointTransaction")
        Section = old.get_model("posts", "Section")
        Category = old.get_model("reports", "ReportCategory")
        Community = old.get_model("accounts", "Community")
        Report = old.get_model("reports", "Report")
        t1 = Town.objects.create(name="一镇", code="one")
        t2 = Town.objects.create(name="二镇", code="two")
        patrol = Rule.objects.create(
            code="voluntary_patrol",
            category="governance_virtue",
            name_zh="巡逻",
            name_en="Patrol",
            points=50,
        )
        Rule.objects.create(
            code="article_reading",
            category="community_construction",
            name_zh="阅读",
            name_en="Reading",
            points=2,
            daily_limit=5,
            requires_confirmation=False,
        )
        section = Section.objects.create(
            code="good_deeds", name_zh="好人好事", name_en="Good deeds"
        )
        litter = Category.objects.create(code="litter", name_zh="乱扔垃圾", name_en="Litter")
        c2 = Community.objects.create(town=t2, name="二社区")
        resident = User.objects.create(
            mobile="13800000222", nickname="r", role="resident", town=t2, community=c2
        )
        now = dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC)
        tx = Tx.objects.create(
            town=t2,
            resident=resident,
            kind="award",
            points=50,
            balance_after=50,
            counts_as_earned=True,
            rule=patrol,
            idempotency_key="k2",
            created_at=now,
            local_date=dt.date(2026, 11, 1),
        )
        report = Report.objects.create(
            town=t2, community=c2, reporter=resident, category=litter, place="p", body="b"
        )
        # when
        new = _migrate(AFTER)
        Rule, Version = new.get_model("points", "PointRule"), new.get_model("points", "RuleVersion")
        Tx, Section = new.get_model("points", "PointTransaction"), new.get_model("posts", "Section")
        Report, Category = (
            new.get_model("reports", "Report"),
            new.get_model("reports", "ReportCategory"),
        )
        # then: the first town keeps the rows, the second has copies
        assert Rule.objects.get(pk=patrol.pk).town_id == t1.pk
        assert sorted(Rule.objects.filter(town_id=t2.pk).values_list("code", flat=True)) == [
            "article_reading",
            "voluntary_patrol",
        ]
        theirs = Rule.objects.get(town_id=t2.pk, code="voluntary_patrol")
        assert (theirs.points, theirs.requires_confirmation) == (50, True)
        # town 2's ledger row now names its own rule and keeps everything else
        row = Tx.objects.get(pk=tx.pk)
        assert (row.rule_id, row.points, row.balance_after, row.idempotency_key) == (
            theirs.pk,
            50,
            50,
            "k2",
        )
        # and the table is append-only again
        with pytest.raises(Exception), connection.cursor() as cur:  # noqa: B017, PT011
            cur.execute("UPDATE points_pointtransaction SET points = 1 WHERE id = %s", [tx.pk])
        # sections and categories: one set per town, town 2's report follows its category
        assert Section.objects.get(pk=section.pk).town_id == t1.pk
        assert Section.objects.filter(town_id=t2.pk, code="good_deeds").count() == 1
        assert Report.objects.get(pk=report.pk).category.town_id == t2.pk
        assert Category.objects.filter(code="litter").count() == 2
        # every rule has its version 1 with its values
        assert Version.objects.count() == Rule.objects.count() == 4
        assert set(Version.objects.values_list("number", flat=True)) == {1}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
