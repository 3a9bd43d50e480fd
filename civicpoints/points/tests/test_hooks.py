"""The ledger's hook (points.hooks) and the two subscriptions made at start-up."""

import pytest

from civicpoints.accounts.hooks import resident_registered
from civicpoints.accounts.services import resident_register
from civicpoints.notifications.ledger import tell_resident
from civicpoints.notifications.models import Notification, NotificationKind
from civicpoints.points import services
from civicpoints.points.hooks import ledger_row_written
from civicpoints.points.models import PointAccount, PointRule, PointTransaction


@pytest.fixture
def heard(monkeypatch):
    """Record what the ledger hook sends, beside the subscribers installed at start-up."""
    rows = []
    monkeypatch.setattr(ledger_row_written, "_subscribers", [*ledger_row_written._subscribers])
    ledger_row_written.subscribe(rows.append)
    return rows


def test_the_inbox_and_the_ledger_are_subscribed_at_start_up():
    # then: AppConfig.ready() of notifications and points made the subscriptions
    assert tell_resident in ledger_row_written.subscribers
    assert services.points_account_open in resident_registered.subscribers


def test_the_hook_hears_each_written_row_once_and_never_a_replay(town, rule, heard):
    # when: the same award twice (a double click)
    first = services.points_award(
        actor=town.admin, resident=town.alice, rule=rule, idempotency_key="hook-1"
    )
    again = services.points_award(
        actor=town.admin, resident=town.alice, rule=rule, idempotency_key="hook-1"
    )
    # then
    assert again.created is False
    assert [r.pk for r in heard] == [first.pk]
    assert heard[0].resident == town.alice and heard[0].balance_after == rule.points


def test_a_failing_subscriber_rolls_the_ledger_row_back(town, rule, monkeypatch):
    # given
    def boom(row):
        raise RuntimeError("subscriber failed")

    monkeypatch.setattr(ledger_row_written, "_subscribers", [boom])
    # when
    with pytest.raises(RuntimeError):
        services.points_award(
            actor=town.admin, resident=town.alice, rule=rule, idempotency_key="hook-2"
        )
    # then: nothing half-written
    assert not PointTransaction.objects.filter(idempotency_key="hook-2").exists()
    assert PointAccount.objects.get(resident=town.alice).balance == 0


def test_the_inbox_tells_staff_awards_reversals_and_adjustments_not_automatic_awards(town, rule):
    # given: an automatic award (no actor) to Bob and a staff-confirmed one to Alice
    reading = PointRule.objects.get(code="article_reading", town=town.town)
    services.points_award(resident=town.bob, rule=reading, idempotency_key="hook-auto")
    staff = services.points_award(
        resident=town.alice, rule=rule, actor=town.staff_a, idempotency_key="hook-staff"
    )
    # when
    services.points_reverse(original=staff, actor=town.staff_a, memo="duplicate")
    services.points_adjust(
        actor=town.staff_a, resident=town.alice, points=5, reason="typo", idempotency_key="adj-1"
    )
    # then: Alice hears of all three; Bob's automatic award stays quiet
    inbox = Notification.objects.filter(recipient=town.alice).order_by("pk")
    assert list(inbox.values_list("kind", flat=True)) == [
        NotificationKind.POINTS_AWARDED,
        NotificationKind.POINTS_REVERSED,
        NotificationKind.POINTS_AWARDED,
    ]
    assert not Notification.objects.filter(recipient=town.bob).exists()


def test_registration_opens_the_zero_balance_row_through_the_hook(town):
    # when
    dora = resident_register(
        mobile="13600136004", nickname="Dora", password=town.password, community=town.a
    )
    # then
    assert PointAccount.objects.get(resident=dora).balance == 0
