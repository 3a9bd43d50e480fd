"""Every tenant row carries its town (DESIGN.md invariant 9, issue 14 item 4).

- every model of the project has a ``town`` column, except a short list of global
  tables, each with its reason;
- a child row's town equals its parent's (no DB CHECK can compare two tables, so this
  test does, over the demo town and a second town);
- unique keys of tenant tables start with the town (a Citus shard can enforce them);
- the migrations that added ``town`` to child rows fill it from the parent.
"""

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor

from civicpoints.core.tenancy import TownChild

pytestmark = pytest.mark.django_db

# Global tables: no town of their own, and why.
GLOBAL = {
    "accounts.Town": "the tenant itself",
    "accounts.VerificationCode": "a code is sent to a mobile number before anyone knows "
    "its town (registration, sign-in); keyed by the number",
    "accounts.District": "a district is over several towns (its admin has no town)",
}

# Unique keys of tenant tables that do not start with the town, and why.
UNIQUE_WITHOUT_TOWN = {
    ("accounts.User", "mobile"): "sign-in by mobile number finds the town from it",
    ("accounts.User", "card_key"): "a printed card's QR key is looked up before the town "
    "is known (the counter of any town)",
    ("accounts.WeChatIdentity", "openid"): "WeChat identifies the person, not the town",
    ("accounts.WeChatIdentity", "mini_openid"): "as openid",
    ("accounts.WeChatIdentity", "unionid"): "as openid",
    ("merchants.Voucher", "code"): "printed voucher codes stay unique platform-wide",
    ("sharing.ShareLink", "key"): "a share link's key is the URL a visitor opens, looked up "
    "before anyone knows the town",
}


def _project_models():
    return [m for m in apps.get_models() if m.__module__.startswith("civicpoints.")]


def _has_town(model) -> bool:
    return any(f.name == "town" for f in model._meta.concrete_fields)


def test_every_project_model_has_a_town_column_but_the_global_ones():
    without = {m._meta.label for m in _project_models() if not _has_town(m)}
    assert without == set(GLOBAL)


def test_unique_keys_of_tenant_tables_start_with_the_town():
    # given every tenant model's unique keys (constraints and unique columns)
    offending = []
    for model in _project_models():
        if not _has_town(model):
            continue
        for c in model._meta.constraints:
            if isinstance(c, models.UniqueConstraint) and c.fields and c.fields[0] != "town":
                offending.append((model._meta.label, ",".join(c.fields)))
        for f in model._meta.concrete_fields:
            plain_unique = f.unique and not f.primary_key and not f.is_relation
            if plain_unique and (model._meta.label, f.name) not in UNIQUE_WITHOUT_TOWN:
                offending.append((model._meta.label, f.name))
    # then
    assert offending == []


def test_every_child_row_is_in_its_parents_town(settings):
    # given the small demo town and a second town with its own rows
    from civicpoints.accounts.models import Community, Grid, Household, Town
    from civicpoints.demo.town import seed_town

    settings.RATE_LIMITS_ENABLED = False
    seed_town(scale=0.005, quiet=True)
    other = Town.objects.create(name="别镇", code="other")
    place = Community.objects.create(town=other, name="外镇社区")
    Grid.objects.create(community=place, name="外镇网格")
    Household.objects.create(community=place, name="1-101")
    children = [m for m in _project_models() if issubclass(m, TownChild)]
    assert len(children) >= 13
    # when: each child compared with its parent, in SQL
    counts = {}
    for child in children:
        parent = child.town_parent
        rows = child._base_manager.all()
        counts[child._meta.label] = (
            rows.count(),
            rows.exclude(town_id=models.F(f"{parent}__town_id")).count(),
        )
    # then: rows exist and none is in another town than its parent
    assert all(bad == 0 for _n, bad in counts.values()), counts
    assert sum(n for n, _bad in counts.values()) > 100


def test_a_child_written_without_a_town_takes_its_parents(town):
    # given a grid created and a household bulk-created without naming the town
    from civicpoints.accounts.models import Grid, Household

    grid = Grid.objects.create(community=town.c, name="新网格")
    [house] = Household.objects.bulk_create([Household(community=town.c, name="2-202")])
    # then
    assert grid.town_id == town.other_town.pk
    assert Household.objects.get(pk=house.pk).town_id == town.other_town.pk


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_town_of_existing_child_rows():
    # given: the schema before the town columns, with a post, a comment and a grid
    executor = MigrationExecutor(connection)
    before = [
        ("posts", "0005_search_doc_chinese_bigrams"),
        ("accounts", "0010_code_purpose_close_account"),
    ]
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    # the models as the database now stands: migrations of branches that ran in
    # parallel (per-town catalogs, districts) stay applied, so take every applied one
    executor = MigrationExecutor(connection)
    old = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
    Town = old.get_model("accounts", "Town")
    Community = old.get_model("accounts", "Community")
    Grid = old.get_model("accounts", "Grid")
    User = old.get_model("accounts", "User")
    Section = old.get_model("posts", "Section")
    Post = old.get_model("posts", "Post")
    Comment = old.get_model("posts", "Comment")
    t1 = Town.objects.create(name="一镇", code="one")
    t2 = Town.objects.create(name="二镇", code="two")
    c2 = Community.objects.create(town=t2, name="二社区")
    Grid.objects.create(community=c2, name="二网格")
    author = User.objects.create(mobile="13800138111", nickname="a", town=t2, community=c2)
    # (sections may already be per-town at this state: the catalog change ran in parallel)
    has_town = any(f.name == "town" for f in Section._meta.concrete_fields)
    section = Section.objects.create(
        code="s", name_zh="s", name_en="s", **({"town": t2} if has_town else {})
    )
    post = Post.objects.create(town=t2, author=author, section=section, title="t", body="b")
    Comment.objects.create(post=post, author=author, body="c")
    assert t1.pk != t2.pk
    # when
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    # then
    new = executor.loader.project_state(leaves).apps
    assert list(new.get_model("accounts", "Grid").objects.values_list("town_id", flat=True)) == [
        t2.pk
    ]
    assert list(new.get_model("posts", "Comment").objects.values_list("town_id", flat=True)) == [
        t2.pk
    ]
