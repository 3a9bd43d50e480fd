"""Rule governance: each town's own catalog, versions with who/when/why/from when, the
award path on the version in force, ``requires_confirmation`` enforced, "automatic"
derived from the code paths that award by themselves."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from civicpoints.accounts.models import Town
from civicpoints.accounts.services import town_create
from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.core.timeutil import local_date
from civicpoints.points import budgets, services
from civicpoints.points.automatic import automatic_codes
from civicpoints.points.catalog import CATALOG_PATH, rule_catalog_load
from civicpoints.points.errors import AwaitingConfirmation, UnknownRule
from civicpoints.points.forms import award_rule_choices
from civicpoints.points.governance import rule_change, rule_versions_apply
from civicpoints.points.models import (
    SINCE_ALWAYS,
    PointRule,
    PointTransaction,
    QueuedAward,
    QueuedReason,
    QueuedStatus,
    RuleVersion,
)
from civicpoints.posts.models import Section
from civicpoints.reports.models import ReportCategory


@pytest.fixture
def both(catalog, town):
    """The shipped catalog in both towns of the ``town`` fixture."""
    rule_catalog_load(town_id=town.other_town.pk)
    return town


def _patrol(town_obj: Town) -> PointRule:
    return PointRule.objects.get(code="voluntary_patrol", town=town_obj)


def _staff_codes(town_id: int) -> set[str]:
    return {code for _label, items in award_rule_choices(town_id) for code, _name in items}


# --- a catalog per town ---------------------------------------------------------------------


def test_town_two_changing_its_catalog_leaves_town_one_alone(both):
    # given: each town has its own patrol rule (50 points)
    mine, theirs = _patrol(both.town), _patrol(both.other_town)
    assert mine.pk != theirs.pk
    # when: the other town's admin raises theirs to 80
    rule_change(
        actor=both.outsider_admin, rule_id=theirs.pk, changes={"points": 80}, reason="提高激励"
    )
    # then: town 1's rule, its history and its awards are untouched
    assert _patrol(both.town).points == 50
    assert list(mine.versions.values_list("number", "points")) == [(1, 50)]
    assert _patrol(both.other_town).points == 80
    row = services.points_award(actor=both.staff_a, resident=both.alice, rule=mine)
    assert row.points == 50
    carol = services.points_award(actor=both.outsider_admin, resident=both.carol, rule=theirs)
    assert carol.points == 80


def test_a_town_admin_cannot_change_another_towns_rule(both):
    theirs = _patrol(both.other_town)
    with pytest.raises(NotFound) as exc:
        rule_change(actor=both.admin, rule_id=theirs.pk, changes={"points": 1}, reason="x")
    assert exc.value.field == "rule"
    with pytest.raises(OutOfScope):
        rule_change(
            actor=both.staff_a, rule_id=_patrol(both.town).pk, changes={"points": 1}, reason="x"
        )
    assert not RuleVersion.objects.filter(number__gt=1).exists()


def test_the_award_path_refuses_a_rule_of_another_towns_catalog(both):
    # when: a caller hands Alice (town 1) town 2's patrol rule
    with pytest.raises(UnknownRule) as exc:
        services.points_award(actor=both.admin, resident=both.alice, rule=_patrol(both.other_town))
    # then: nothing is written; rule_get resolves codes in one town only
    assert exc.value.field == "rule"
    assert not PointTransaction.objects.exists()
    assert services.rule_get("voluntary_patrol", town_id=both.town.pk).town_id == both.town.pk
    with pytest.raises(UnknownRule):
        services.rule_get(
            "voluntary_patrol", town_id=Town.objects.create(name="空镇", code="empty").pk
        )


@pytest.mark.django_db
def test_a_new_town_starts_from_the_shipped_defaults():
    # when: a town is created the way create_town and /setup/ do it
    setup = town_create(
        name="新镇",
        code="xinzhen",
        time_zone="Asia/Shanghai",
        communities=["一社区"],
        admin_mobile="13600136000",
    )
    # then: the 72 shipped rules (each with its version 1), 4 sections, 6 categories
    shipped = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    rules = PointRule.objects.for_town(setup.town.pk)
    assert {r.code: r.points for r in rules} == {r["code"]: r["points"] for r in shipped}
    assert RuleVersion.objects.filter(town=setup.town, number=1).count() == len(shipped)
    assert RuleVersion.objects.filter(town=setup.town).first().effective_from == SINCE_ALWAYS
    assert Section.objects.for_town(setup.town.pk).count() == 4
    assert ReportCategory.objects.for_town(setup.town.pk).count() == 6


# --- versions ---------------------------------------------------------------------------------


def test_a_change_from_a_later_day_applies_from_that_day_and_keeps_past_rows(town, rule):
    # given: a patrol award today at 50 points
    today = local_date()
    before = services.points_award(actor=town.staff_a, resident=town.alice, rule=rule)
    # when: the admin raises it to 60 from in 3 days, saying why
    later = today + dt.timedelta(days=3)
    v = rule_change(
        actor=town.admin,
        rule_id=rule.pk,
        changes={"points": 60},
        reason="巡逻时间延长",
        effective_from=later,
    )
    # then: who, when, why, from when are on the version; the row still shows 50
    assert (v.number, v.points, v.created_by, v.reason, v.effective_from) == (
        2,
        60,
        town.admin,
        "巡逻时间延长",
        later,
    )
    rule.refresh_from_db()
    assert rule.points == 50
    # an award today still earns 50 and names version 1; one on the day earns 60
    noon = timezone.now()
    today_row = services.points_award(
        actor=town.staff_a, resident=town.bob, rule=rule, idempotency_key="t-today", at=noon
    )
    later_row = services.points_award(
        actor=town.staff_a,
        resident=town.bob,
        rule=rule,
        idempotency_key="t-later",
        at=noon + dt.timedelta(days=3),
    )
    assert (today_row.points, today_row.rule_version.number) == (50, 1)
    assert (later_row.points, later_row.rule_version.number) == (60, 2)
    # the past row keeps its points; the daily job brings the row to 60 on the day
    assert PointTransaction.objects.get(pk=before.pk).points == 50
    assert rule_versions_apply(today) == 0
    assert rule_versions_apply(later) == 1
    rule.refresh_from_db()
    assert rule.points == 60


def test_a_change_from_today_shows_at_once_and_caps_follow_the_version(town, catalog):
    reading = PointRule.objects.get(code="article_reading", town=town.town)
    rule_change(actor=town.admin, rule_id=reading.pk, changes={"daily_limit": 1}, reason="防刷")
    reading.refresh_from_db()
    assert reading.daily_limit == 1
    services.points_award(resident=town.alice, rule=reading, idempotency_key="r1")
    with pytest.raises(services.CapReached):
        services.points_award(resident=town.alice, rule=reading, idempotency_key="r2")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"changes": {"points": 60}, "reason": "  "}, "reason"),
        ({"changes": {"points": 60}, "reason": "x" * 201}, "reason"),
        ({"changes": {"points": 0}, "reason": "r"}, "points"),
        ({"changes": {"points": "many"}, "reason": "r"}, "points"),
        ({"changes": {"daily_limit": 0}, "reason": "r"}, "daily_limit"),
        ({"changes": {"period": "decade"}, "reason": "r"}, "period"),
        ({"changes": {"period": "week"}, "reason": "r"}, "period_limit"),
        ({"changes": {"is_active": "yes"}, "reason": "r"}, "is_active"),
        ({"changes": {"code": "other"}, "reason": "r"}, "code"),
        ({"changes": {}, "reason": "r"}, "changes"),
        ({"changes": {"points": 50}, "reason": "r"}, "changes"),
        (
            {"changes": {"points": 60}, "reason": "r", "effective_from": "2020-01-01"},
            "effective_from",
        ),
        ({"changes": {"points": 60}, "reason": "r", "effective_from": "soon"}, "effective_from"),
    ],
)
def test_a_bad_change_names_its_field_and_writes_nothing(town, rule, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        rule_change(actor=town.admin, rule_id=rule.pk, **kwargs)
    assert exc.value.field == field
    assert rule.versions.count() == 1
    rule.refresh_from_db()
    assert rule.points == 50


def test_a_change_cannot_take_effect_before_the_latest_version(town, rule):
    later = local_date() + dt.timedelta(days=10)
    rule_change(
        actor=town.admin, rule_id=rule.pk, changes={"points": 70}, reason="a", effective_from=later
    )
    with pytest.raises(InvalidInput) as exc:
        rule_change(actor=town.admin, rule_id=rule.pk, changes={"points": 40}, reason="b")
    assert exc.value.field == "effective_from"
    # the same day or later builds on the latest version (70), field by field
    v = rule_change(
        actor=town.admin,
        rule_id=rule.pk,
        changes={"daily_limit": 2},
        reason="c",
        effective_from=later,
    )
    assert (v.number, v.points, v.daily_limit) == (3, 70, 2)


def test_the_public_rule_page_shows_the_history(client, town, rule):
    rule_change(actor=town.admin, rule_id=rule.pk, changes={"points": 55}, reason="居民议事会决定")
    page = client.get(f"/rules/{rule.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "居民议事会决定" in text and town.admin.nickname in text
    assert page.context["versions"][0].points == 55
    catalog_page = client.get("/rules/").content.decode()
    assert f"/rules/{rule.pk}/" in catalog_page
    assert client.get("/rules/999999/").status_code == 404


# --- requires_confirmation ------------------------------------------------------------------


def test_an_award_of_a_rule_needing_confirmation_waits_without_a_staff_member(town, rule):
    # when: the patrol rule (needs confirmation) reaches the ledger with no staff member
    with pytest.raises(AwaitingConfirmation) as exc:
        services.points_award(resident=town.alice, rule=rule, idempotency_key="auto-1")
    # then: no points, one queued award (reason confirmation); a repeat queues nothing more
    assert exc.value.field == "rule" and exc.value.status == 409
    assert not PointTransaction.objects.exists()
    with pytest.raises(AwaitingConfirmation):
        services.points_award(resident=town.alice, rule=rule, idempotency_key="auto-1")
    q = QueuedAward.objects.get()
    assert (q.reason, q.status, q.resident) == (QueuedReason.CONFIRMATION, "pending", town.alice)
    # a staff member of another town is no confirmation either
    with pytest.raises(AwaitingConfirmation):
        services.points_award(
            resident=town.alice, rule=rule, actor=town.outsider_admin, idempotency_key="auto-2"
        )
    # when: the town admin confirms it
    confirmed = budgets.queued_award_confirm(actor=town.admin, queued_id=q.pk, why="巡逻属实")
    # then: the points are written once, the admin as the confirming actor
    row = PointTransaction.objects.get(idempotency_key="auto-1")
    assert (confirmed.status, row.points, row.actor) == (QueuedStatus.CONFIRMED, 50, town.admin)
    # a replay of the original call now returns that row instead of queueing
    again = services.points_award(resident=town.alice, rule=rule, idempotency_key="auto-1")
    assert again.pk == row.pk and not again.created


def test_refusing_a_waiting_award_needs_a_reason_and_writes_nothing(town, rule):
    with pytest.raises(AwaitingConfirmation):
        services.points_award(resident=town.alice, rule=rule, idempotency_key="auto-r")
    q = QueuedAward.objects.get()
    with pytest.raises(InvalidInput) as exc:
        budgets.queued_award_refuse(actor=town.admin, queued_id=q.pk, why=" ")
    assert exc.value.field == "why"
    with pytest.raises(OutOfScope):
        budgets.queued_award_refuse(actor=town.staff_a, queued_id=q.pk, why="no")
    with pytest.raises(NotFound):
        budgets.queued_award_refuse(actor=town.outsider_admin, queued_id=q.pk, why="no")
    refused = budgets.queued_award_refuse(actor=town.admin, queued_id=q.pk, why="未见巡逻记录")
    assert (refused.status, refused.decision_note) == (QueuedStatus.REFUSED, "未见巡逻记录")
    assert not PointTransaction.objects.exists()
    with pytest.raises(InvalidInput) as exc:
        budgets.queued_award_confirm(actor=town.admin, queued_id=q.pk, why="巡逻属实")
    assert exc.value.field == "status"


def test_a_town_making_daily_check_in_need_confirmation_holds_check_in_points(town, catalog):
    # given: the town decides check-ins need a staff member's confirmation
    from civicpoints.engagement.services import check_in

    check = PointRule.objects.get(code="daily_check_in", town=town.town)
    rule_change(
        actor=town.admin, rule_id=check.pk, changes={"requires_confirmation": True}, reason="试行"
    )
    # when: Alice checks in on the platform (a code path with no staff member)
    result = check_in(resident=town.alice)
    # then: the check-in is recorded, the point waits in the queue
    assert result.earned.points == 0
    assert not PointTransaction.objects.filter(resident=town.alice).exists()
    assert QueuedAward.objects.filter(rule=check, reason=QueuedReason.CONFIRMATION).count() == 1


# --- "automatic" is derived from the code paths ----------------------------------------------


def test_automatic_rules_are_exactly_those_a_code_path_awards_by_itself(town, catalog):
    shipped = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    by_code = {r["code"]: r for r in shipped}
    # every registered code is a shipped rule that needs no confirmation …
    assert automatic_codes() <= set(by_code)
    assert all(not by_code[c]["requires_confirmation"] for c in automatic_codes())
    # … and the shipped rules needing none are exactly the registered ones
    assert {c for c, r in by_code.items() if not r["requires_confirmation"]} == automatic_codes()
    # a description saying "automatically" belongs to an automatic rule, and the reverse
    says_automatic = {
        c for c, r in by_code.items() if re.search(r"automatic", r["description_en"], re.I)
    }
    assert says_automatic == automatic_codes()
    shown = {r.code for r in PointRule.objects.for_town(town.town.pk) if r.is_automatic}
    assert shown == automatic_codes()


def test_a_staff_rule_switched_to_no_confirmation_is_not_shown_automatic(town, rule):
    # when: a town drops confirmation on the patrol rule, which no code path awards by itself
    rule_change(
        actor=town.admin, rule_id=rule.pk, changes={"requires_confirmation": False}, reason="简化"
    )
    rule.refresh_from_db()
    # then: it is still a staff-awarded rule: not "automatic", and on the staff desk
    assert not rule.is_automatic
    assert "voluntary_patrol" in _staff_codes(town.town.pk)
    assert not (_staff_codes(town.town.pk) & automatic_codes())
    # and an award by anyone now goes through without a queue
    row = services.points_award(resident=town.alice, rule=rule, idempotency_key="nc")
    assert row.points == 50


def test_sections_and_report_categories_of_another_town_are_no_choice(town, catalog):
    from civicpoints.posts.selectors import sections_active
    from civicpoints.posts.services import post_create, sections_ensure_defaults
    from civicpoints.reports.selectors import categories_active
    from civicpoints.reports.services import categories_ensure_defaults, report_file

    # given: both towns have their default sections and categories
    mine = sections_ensure_defaults(town.town.pk)
    theirs = sections_ensure_defaults(town.other_town.pk)
    their_litter = categories_ensure_defaults(town.other_town.pk)[0]
    categories_ensure_defaults(town.town.pk)
    # then: Alice is offered her town's only, and the services refuse the others
    assert set(sections_active(town.alice)) == {s for s in mine if s.is_active}
    assert {c.town_id for c in categories_active(town.alice)} == {town.town.pk}
    with pytest.raises(InvalidInput) as exc:
        post_create(author=town.alice, section=theirs[0], title="t", body="b")
    assert exc.value.field == "section"
    with pytest.raises(InvalidInput) as exc:
        report_file(reporter=town.alice, category=their_litter, place="p", body="b")
    assert exc.value.field == "category"
