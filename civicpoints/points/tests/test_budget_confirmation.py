"""An award confirmed past a budget links back to its queued award: who queued it, who
confirmed it and why — on the ledger row, the staff's resident page and the audit log."""

import pytest
from django.urls import reverse
from django.utils import translation

from civicpoints.audit.labels import ACTIONS
from civicpoints.audit.models import AuditEntry
from civicpoints.core.errors import InvalidInput
from civicpoints.points import budgets, services
from civicpoints.points.errors import BudgetQueued
from civicpoints.points.models import PointTransaction, QueuedAward, QueuedStatus
from civicpoints.points.selectors import reconcile

WHY = "Typhoon week: the patrols were real and needed."


@pytest.fixture
def queued_hand_award(town, rule):
    """Staff award patrol (50) by hand to bob past a 50-point ``confirm`` budget: no
    source object, so nothing but the queued award says where the row came from."""
    budgets.budget_set(actor=town.admin, rule=rule, points=50, mode="confirm")
    services.points_award_by_staff(
        actor=town.staff_a, resident=town.alice, rule_code=rule.code, note="", idempotency_key="a1"
    )
    with pytest.raises(BudgetQueued):
        services.points_award_by_staff(
            actor=town.staff_b,
            resident=town.bob,
            rule_code=rule.code,
            note="Night patrol, building 7",
            idempotency_key="b1",
        )
    return QueuedAward.objects.get()


def test_a_hand_award_past_the_budget_waits_with_who_queued_it(town, queued_hand_award):
    q = queued_hand_award
    assert q.status == QueuedStatus.PENDING and q.cause_type is None
    assert q.actor == town.staff_b and q.resident == town.bob
    assert not PointTransaction.objects.filter(resident=town.bob, kind="award").exists()


def test_confirming_needs_a_reason_and_writes_nothing_without_one(town, queued_hand_award):
    for why in ("", "   ", "x" * 201):
        with pytest.raises(InvalidInput) as exc:
            budgets.queued_award_confirm(actor=town.admin, queued_id=queued_hand_award.pk, why=why)
        assert exc.value.field == "why"
    queued_hand_award.refresh_from_db()
    assert queued_hand_award.status == QueuedStatus.PENDING
    assert not PointTransaction.objects.filter(resident=town.bob, kind="award").exists()


def test_the_confirmed_row_links_back_to_the_queued_award_and_its_reason(town, queued_hand_award):
    # when
    q = budgets.queued_award_confirm(actor=town.admin, queued_id=queued_hand_award.pk, why=WHY)
    # then: the row's cause is the queued award (it had no source object) ...
    row = PointTransaction.objects.get(resident=town.bob, kind="award")
    assert row.cause == q and q.transaction == row
    # ... and from the row: who queued, who confirmed, when and why
    row = PointTransaction.objects.select_related("queued_award").get(pk=row.pk)
    assert row.queued_award.pk == q.pk
    assert (row.queued_award.actor, row.queued_award.decided_by) == (town.staff_b, town.admin)
    assert row.queued_award.decision_note == WHY and row.queued_award.decided_at
    assert row.actor == town.staff_b and row.memo == "Night patrol, building 7"
    assert reconcile() == []


def test_a_confirmed_award_with_a_source_keeps_it_as_cause_and_links_back(town, rule):
    # given: an award with a source object, queued past the budget
    budgets.budget_set(actor=town.admin, rule=rule, points=50, mode="confirm")
    rule = services.rule_get(rule.code, town_id=town.town.pk)  # fresh: now marked as budgeted
    services.points_award(
        actor=town.staff_a, resident=town.alice, rule=rule, idempotency_key="first"
    )
    source = town.bob  # any model instance stands for the source object here
    with pytest.raises(BudgetQueued):
        services.points_award(resident=town.bob, rule=rule, cause=source, actor=town.staff_b)
    q = QueuedAward.objects.get()
    # when
    budgets.queued_award_confirm(actor=town.admin, queued_id=q.pk, why=WHY)
    # then
    row = PointTransaction.objects.get(resident=town.bob, kind="award")
    assert row.cause == source
    assert PointTransaction.objects.get(pk=row.pk).queued_award.decision_note == WHY


def test_the_staff_resident_page_shows_the_queue_and_the_confirmation(
    client, town, queued_hand_award
):
    # given
    budgets.queued_award_confirm(actor=town.admin, queued_id=queued_hand_award.pk, why=WHY)
    # when: staff of bob's community open his page
    client.force_login(town.staff_b)
    html = client.get(reverse("portal:staff_resident", args=[town.bob.pk])).content.decode()
    # then
    assert "queued-award" in html and WHY in html
    assert town.staff_b.nickname in html and town.admin.nickname in html
    # the resident's own history does not show the staff's reasoning
    client.force_login(town.bob)
    assert WHY not in client.get(reverse("points:history")).content.decode()


def test_the_decision_page_is_audited_with_the_queued_award(client, town, queued_hand_award):
    # given
    client.force_login(town.admin)
    url = reverse("points:queued_award_decide", args=[queued_hand_award.pk])
    # when: no reason, then a reason
    assert client.post(url, {"decision": "confirm", "why": ""}).status_code == 422
    assert client.post(url, {"decision": "confirm", "why": WHY}).status_code == 302
    # then: the decision is in the audit log, naming the queued award (a refused
    # request changed nothing and is not recorded)
    entry = AuditEntry.objects.get(view_name="points:queued_award_decide")
    assert entry.status == 302 and entry.actor == town.admin
    assert entry.object_ids == {"queued_id": str(queued_hand_award.pk)}
    log = client.get(reverse("audit:log")).content.decode()
    with translation.override("zh-hans"):  # the log's language by default
        assert str(ACTIONS["points:queued_award_decide"]) in log
    # another town's admin cannot decide it (404), and a decided one stays decided
    client.force_login(town.outsider_admin)
    assert client.post(url, {"decision": "refuse", "why": ""}).status_code == 404
    queued_hand_award.refresh_from_db()
    assert queued_hand_award.status == QueuedStatus.CONFIRMED


def test_refusing_may_say_why_and_writes_nothing(town, queued_hand_award):
    q = budgets.queued_award_refuse(actor=town.admin, queued_id=queued_hand_award.pk, why="No.")
    assert q.status == QueuedStatus.REFUSED and q.decision_note == "No."
    assert not PointTransaction.objects.filter(resident=town.bob, kind="award").exists()
