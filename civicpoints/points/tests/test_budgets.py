"""Issuance budgets: refused or queued past the month's budget, inside the award path."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicpoints.accounts.services import resident_register
from civicpoints.core.errors import OutOfScope
from civicpoints.core.metrics import MetricContext
from civicpoints.core.timeutil import town_tz
from civicpoints.points import budgets, services
from civicpoints.points.errors import BudgetExhausted, BudgetQueued, CapReached
from civicpoints.points.metrics import issuance_budgets
from civicpoints.points.models import (
    BudgetUse,
    PointRule,
    PointTransaction,
    QueuedAward,
    QueuedStatus,
)
from civicpoints.points.selectors import reconcile
from civicpoints.points.tests.helpers import confirming_staff

AT = dt.datetime(2026, 12, 10, 10, 0, tzinfo=town_tz())


@pytest.fixture
def residents(town):
    return [town.alice, town.bob] + [
        resident_register(
            mobile=f"1360000010{i}", nickname=f"R{i}", password=town.password, community=town.a
        )
        for i in range(3)
    ]


def _award(resident, rule, n=0):
    return services.points_award(
        actor=confirming_staff(resident),
        resident=resident,
        rule=PointRule.objects.get(pk=rule.pk),
        idempotency_key=f"k{n}",
        at=AT,
    )


def test_awards_past_a_refuse_budget_are_refused_with_a_clear_message(town, rule, residents):
    # given: patrol (50 points) may issue 100 points a month in this town
    budgets.budget_set(actor=town.admin, rule=rule, points=100, mode="refuse")
    _award(residents[0], rule, 0)
    _award(residents[1], rule, 1)
    # when / then
    with pytest.raises(BudgetExhausted) as exc:
        _award(residents[2], rule, 2)
    assert exc.value.code == "budget_exhausted" and exc.value.field == "rule"
    assert isinstance(exc.value, CapReached) and "100" in str(exc.value.detail)
    assert PointTransaction.objects.filter(rule=rule).count() == 2
    assert BudgetUse.objects.get().used == 100  # the refused award was not counted
    # a replay of an award already made still returns it
    assert _award(residents[1], rule, 1).created is False
    # next month the budget is fresh
    nxt = services.points_award(
        actor=town.admin,
        resident=residents[2],
        rule=rule,
        idempotency_key="k9",
        at=AT + dt.timedelta(days=31),
    )
    assert nxt.created
    assert reconcile() == []


def test_a_category_budget_counts_every_rule_of_the_category(town, rule, residents):
    # given: governance virtues (patrol 50, policy publicity 30) share 80 points a month
    budgets.budget_set(actor=town.admin, category=rule.category, points=80, mode="refuse")
    publicity = services.rule_get("policy_publicity", town_id=town.town.pk)
    _award(residents[0], rule, 0)
    _award(residents[1], publicity, 1)
    # when / then
    with pytest.raises(BudgetExhausted):
        _award(residents[2], publicity, 2)
    # another category is not limited
    assert _award(
        residents[2], services.rule_get("sanitation_drive", town_id=town.town.pk), 3
    ).created


def test_past_a_confirm_budget_the_award_waits_for_the_town(town, rule, residents):
    # given
    budgets.budget_set(actor=town.admin, rule=rule, points=50, mode="confirm")
    _award(residents[0], rule, 0)
    # when
    with pytest.raises(BudgetQueued) as exc:
        _award(residents[1], rule, 1)
    # then
    assert exc.value.code == "budget_queued"
    queued = QueuedAward.objects.get()
    assert queued.status == QueuedStatus.PENDING and queued.resident == residents[1]
    with pytest.raises(OutOfScope):
        budgets.queued_award_confirm(actor=town.staff_a, queued_id=queued.pk, why="x")
    q = budgets.queued_award_confirm(
        actor=town.admin, queued_id=queued.pk, why="The storm week: extra patrols."
    )
    assert q.status == QueuedStatus.CONFIRMED and q.transaction.points == 50
    assert BudgetUse.objects.get().used == 100  # the overrun shows
    # a refused one writes nothing
    with pytest.raises(BudgetQueued):
        _award(residents[2], rule, 2)
    q2 = QueuedAward.objects.get(status=QueuedStatus.PENDING)
    budgets.queued_award_refuse(actor=town.admin, queued_id=q2.pk, why="超出本月预算")
    assert PointTransaction.objects.filter(rule=rule).count() == 2
    assert reconcile() == []


def test_a_rule_without_a_budget_costs_no_budget_query(town, rule, residents):
    # given: a budget on another rule only
    budgets.budget_set(
        actor=town.admin,
        rule=services.rule_get("policy_publicity", town_id=town.town.pk),
        points=30,
        mode="refuse",
    )
    # when
    with CaptureQueriesContext(connection) as free:
        _award(residents[0], rule, 0)
    budgets.budget_set(actor=town.admin, rule=rule, points=1000, mode="refuse")
    with CaptureQueriesContext(connection) as charged:
        _award(residents[1], rule, 1)
    # then: none for the unbudgeted rule, exactly one for the budgeted one
    assert not any("budgetuse" in q["sql"] for q in free.captured_queries)
    assert sum("budgetuse" in q["sql"] for q in charged.captured_queries) == 1
    assert len(charged.captured_queries) == len(free.captured_queries) + 1


def test_budgets_are_set_by_town_admins_with_fields_named(town, rule):
    with pytest.raises(OutOfScope):
        budgets.budget_set(actor=town.staff_a, rule=rule, points=10, mode="refuse")
    for kwargs, field in (
        ({"rule": rule, "points": 0, "mode": "refuse"}, "points"),
        ({"rule": rule, "points": 10, "mode": "maybe"}, "mode"),
        ({"points": 10, "mode": "refuse"}, "rule"),
        ({"rule": rule, "category": "x", "points": 10, "mode": "refuse"}, "rule"),
    ):
        with pytest.raises(Exception) as exc:
            budgets.budget_set(actor=town.admin, **kwargs)
        assert exc.value.field == field
    b = budgets.budget_set(actor=town.admin, rule=rule, points=10, mode="refuse")
    assert PointRule.objects.get(pk=rule.pk).budgeted
    budgets.budget_remove(actor=town.admin, budget=b)
    assert not PointRule.objects.get(pk=rule.pk).budgeted


def test_the_dashboard_shows_use_and_a_forecast_for_the_month(town, rule, residents):
    # given: 100 of 1000 points used by the 10th of a 31-day month
    budgets.budget_set(actor=town.admin, rule=rule, points=1000, mode="refuse")
    _award(residents[0], rule, 0)
    _award(residents[1], rule, 1)
    # when
    ctx = MetricContext(town_id=town.town.pk, community_id=None, start=AT.date(), end=AT.date())
    figures, table = issuance_budgets(ctx)[0], issuance_budgets(ctx)[1]
    # then: used 100 (10 %), forecast 100 × 31 / 10 = 310 (31 %)
    assert table.rows[0][2:7] == [1000, 100, 10, 310, 31]
    assert figures.value == 0


def test_the_budget_page_sets_and_decides(client, town, rule, residents):
    client.force_login(town.staff_a)
    assert client.get(reverse("points:budgets")).status_code == 403
    client.force_login(town.admin)
    r = client.post(
        reverse("points:budgets"), {"rule": rule.code, "points": "50", "mode": "confirm"}
    )
    assert r.status_code == 302
    _award(residents[0], rule, 0)
    with pytest.raises(BudgetQueued):
        _award(residents[1], rule, 1)
    page = client.get(reverse("points:budgets")).content.decode()
    assert residents[1].nickname in page
    q = QueuedAward.objects.get()
    decide = reverse("points:queued_award_decide", args=[q.pk])
    r = client.post(decide, {"decision": "confirm", "why": ""})
    assert r.status_code == 422 and "error" in r.content.decode()  # a reason is required
    q.refresh_from_db()
    assert q.status == QueuedStatus.PENDING
    client.post(decide, {"decision": "confirm", "why": "Extra patrols in the storm."})
    q.refresh_from_db()
    assert q.status == QueuedStatus.CONFIRMED
    r = client.post(reverse("points:budgets"), {"rule": "", "points": "5", "mode": "refuse"})
    assert r.status_code == 422
