"""The points services: award, spend, reverse, adjust — outcomes, idempotency, caps, errors."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.points import services
from civicpoints.points.errors import (
    CapReached,
    IdempotencyKeyReused,
    InsufficientPoints,
    NotAResident,
    RuleNotInForce,
    UnknownRule,
)
from civicpoints.points.governance import rule_change
from civicpoints.points.models import (
    LedgerIsAppendOnly,
    PointAccount,
    PointRule,
    PointTransaction,
    TransactionKind,
)
from civicpoints.points.selectors import reconcile

UTC = dt.UTC


def balance(user):
    return PointAccount.objects.get(resident=user).balance


def test_award_writes_one_row_and_moves_balance(town, rule):
    # when
    row = services.points_award(resident=town.alice, rule=rule, actor=town.staff_a)
    # then
    assert row.created is True
    assert (row.kind, row.points, row.balance_after) == ("award", 50, 50)
    acc = PointAccount.objects.get(resident=town.alice)
    assert (acc.balance, acc.lifetime_earned) == (50, 50)
    assert reconcile() == []


def test_award_repeated_with_same_cause_awards_once(town, catalog):
    # given: reading the same article (any model instance serves as the cause)
    reading = PointRule.objects.get(code="article_reading")
    cause = town.shop
    # when
    first = services.points_award(actor=town.admin, resident=town.alice, rule=reading, cause=cause)
    second = services.points_award(actor=town.admin, resident=town.alice, rule=reading, cause=cause)
    # then
    assert first.pk == second.pk and second.created is False
    assert PointTransaction.objects.filter(resident=town.alice).count() == 1
    assert balance(town.alice) == 2
    assert first.cause == town.shop


def test_key_reused_for_another_resident_is_refused(town, rule):
    services.points_award(
        actor=town.admin, resident=town.alice, rule=rule, idempotency_key="k-123456"
    )
    with pytest.raises(IdempotencyKeyReused):
        services.points_award(
            actor=town.admin, resident=town.bob, rule=rule, idempotency_key="k-123456"
        )
    assert balance(town.bob) == 0


def test_daily_cap_resets_at_local_midnight_not_utc(town, catalog):
    # given: reading an article is capped at 5 a day; Asia/Shanghai is UTC+8
    reading = PointRule.objects.get(code="article_reading")
    assert reading.daily_limit == 5
    late = dt.datetime(2026, 3, 1, 15, 59, tzinfo=UTC)  # 23:59 local, 1 March
    for i in range(5):
        services.points_award(
            actor=town.admin,
            resident=town.alice,
            rule=reading,
            idempotency_key=f"read-{i:04d}",
            at=late - dt.timedelta(minutes=i),
        )
    # when / then: a sixth at 23:59 local is refused …
    with pytest.raises(CapReached):
        services.points_award(
            actor=town.admin,
            resident=town.alice,
            rule=reading,
            idempotency_key="read-0005",
            at=late,
        )
    # … and one at 00:01 local (16:01 UTC, still 1 March in UTC) falls on 2 March
    row = services.points_award(
        actor=town.admin,
        resident=town.alice,
        rule=reading,
        idempotency_key="read-0006",
        at=dt.datetime(2026, 3, 1, 16, 1, tzinfo=UTC),
    )
    assert row.local_date == dt.date(2026, 3, 2)
    assert balance(town.alice) == 12
    assert PointTransaction.objects.filter(local_date=dt.date(2026, 3, 1)).count() == 5


def test_period_cap(town, catalog):
    yearly = PointRule.objects.get(code="civilized_household")
    assert (yearly.period, yearly.period_limit) == ("year", 1)
    services.points_award(
        actor=town.admin,
        resident=town.alice,
        rule=yearly,
        idempotency_key="year-1111",
        at=dt.datetime(2026, 1, 5, 2, tzinfo=UTC),
    )
    with pytest.raises(CapReached):
        services.points_award(
            actor=town.admin,
            resident=town.alice,
            rule=yearly,
            idempotency_key="year-2222",
            at=dt.datetime(2026, 11, 5, 2, tzinfo=UTC),
        )
    services.points_award(
        actor=town.admin,
        resident=town.alice,
        rule=yearly,
        idempotency_key="year-3333",
        at=dt.datetime(2027, 1, 5, 2, tzinfo=UTC),
    )
    assert balance(town.alice) == 2 * yearly.points


def test_inactive_rule_and_unknown_rule_are_refused(town, rule):
    rule_change(actor=town.admin, rule_id=rule.pk, changes={"is_active": False}, reason="停用")
    with pytest.raises(RuleNotInForce):
        services.points_award(actor=town.admin, resident=town.alice, rule=rule)
    with pytest.raises(UnknownRule) as exc:
        services.points_award_by_staff(
            actor=town.staff_a,
            resident=town.alice,
            rule_code="no_such_rule",
            note="",
            idempotency_key="n" * 8,
        )
    assert exc.value.field == "rule"
    assert PointTransaction.objects.count() == 0


def test_only_active_residents_hold_points(town, rule):
    with pytest.raises(NotAResident):
        services.points_award(actor=town.admin, resident=town.staff_a, rule=rule)
    town.alice.is_active = False
    town.alice.save()
    with pytest.raises(NotAResident):
        services.points_award(actor=town.admin, resident=town.alice, rule=rule)
    assert PointTransaction.objects.count() == 0


@pytest.mark.parametrize("points", [0, -5])
def test_rule_points_must_be_positive(catalog, points):
    with pytest.raises(IntegrityError), transaction.atomic():
        PointRule.objects.filter(code="voluntary_patrol").update(points=points)
    assert PointRule.objects.get(code="voluntary_patrol").points == 50


def test_spend_and_insufficient_points(town, rule):
    services.points_award(actor=town.admin, resident=town.alice, rule=rule)
    row = services.points_spend(resident=town.alice, points=30, idempotency_key="spend-0001")
    assert (row.points, row.balance_after) == (-30, 20)
    again = services.points_spend(resident=town.alice, points=30, idempotency_key="spend-0001")
    assert again.pk == row.pk and again.created is False
    with pytest.raises(InsufficientPoints):
        services.points_spend(resident=town.alice, points=21, idempotency_key="spend-0002")
    with pytest.raises(InvalidInput):
        services.points_spend(resident=town.alice, points=0, idempotency_key="spend-0003")
    acc = PointAccount.objects.get(resident=town.alice)
    assert (acc.balance, acc.lifetime_earned) == (20, 50)
    assert PointTransaction.objects.filter(resident=town.alice).count() == 2


def test_reversal_takes_back_exactly_what_was_granted_even_after_rule_change(town, rule):
    # given: an award at 50, then the rule raised to 80
    award = services.points_award(actor=town.admin, resident=town.alice, rule=rule)
    rule_change(actor=town.admin, rule_id=rule.pk, changes={"points": 80}, reason="raised")
    # when
    rev = services.points_reverse(original=award, actor=town.staff_a, memo="taken down")
    rev_again = services.points_reverse(original=award)
    # then
    assert (rev.kind, rev.points, rev.reverses_id) == ("reversal", -50, award.pk)
    assert rev_again.pk == rev.pk and rev_again.created is False
    award.refresh_from_db()
    assert award.points == 50
    acc = PointAccount.objects.get(resident=town.alice)
    assert (acc.balance, acc.lifetime_earned) == (0, 0)
    with pytest.raises(InvalidInput):
        services.points_reverse(original=rev)
    assert reconcile() == []


def test_reversing_an_award_already_spent_is_refused_and_writes_nothing(town, rule):
    award = services.points_award(actor=town.admin, resident=town.alice, rule=rule)
    services.points_spend(resident=town.alice, points=40, idempotency_key="spend-0001")
    with pytest.raises(InsufficientPoints):
        services.points_reverse(original=award)
    assert balance(town.alice) == 10
    assert not PointTransaction.objects.filter(kind=TransactionKind.REVERSAL).exists()


def test_adjustment_needs_reason_scope_and_nonzero_points(town):
    with pytest.raises(InvalidInput) as exc:
        services.points_adjust(
            actor=town.staff_a,
            resident=town.alice,
            points=10,
            reason="  ",
            idempotency_key="adj-0001",
        )
    assert exc.value.field == "reason"
    with pytest.raises(InvalidInput) as exc:
        services.points_adjust(
            actor=town.staff_a,
            resident=town.alice,
            points=0,
            reason="paper records",
            idempotency_key="adj-0002",
        )
    assert exc.value.field == "points"
    with pytest.raises(OutOfScope):
        services.points_adjust(
            actor=town.staff_b,
            resident=town.alice,
            points=10,
            reason="paper records",
            idempotency_key="adj-0003",
        )
    with pytest.raises(OutOfScope):
        services.points_adjust(
            actor=town.alice,
            resident=town.alice,
            points=10,
            reason="I deserve it",
            idempotency_key="adj-0004",
        )
    assert PointTransaction.objects.count() == 0
    row = services.points_adjust(
        actor=town.staff_a,
        resident=town.alice,
        points=10,
        reason="paper records 2025",
        idempotency_key="adj-0005",
    )
    assert (row.actor, row.memo, balance(town.alice)) == (town.staff_a, "paper records 2025", 10)
    with pytest.raises(InsufficientPoints):
        services.points_adjust(
            actor=town.admin,
            resident=town.alice,
            points=-11,
            reason="duplicate",
            idempotency_key="adj-0006",
        )


def test_ledger_rows_cannot_be_updated_or_deleted(town, rule):
    row = services.points_award(actor=town.admin, resident=town.alice, rule=rule)
    row.points = 5000
    with pytest.raises(LedgerIsAppendOnly):
        row.save()
    with pytest.raises(LedgerIsAppendOnly):
        row.delete()
    with pytest.raises(LedgerIsAppendOnly):
        PointTransaction.objects.filter(pk=row.pk).update(points=5000)
    with pytest.raises(LedgerIsAppendOnly):
        PointTransaction.objects.filter(pk=row.pk).delete()
    # Raw SQL is stopped by the database trigger.
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE points_pointtransaction SET points = 5000 WHERE id = %s", [row.pk])
    assert PointTransaction.objects.get(pk=row.pk).points == 50


def test_balance_constraint_refuses_negative(town):
    with pytest.raises(IntegrityError), transaction.atomic():
        PointAccount.objects.filter(resident=town.alice).update(balance=-1)


def test_reconcile_command_reports_a_tampered_balance(town, rule, capsys):
    services.points_award(actor=town.admin, resident=town.alice, rule=rule)
    call_command("reconcile_points")
    assert "clean" in capsys.readouterr().out
    PointAccount.objects.filter(resident=town.alice).update(balance=49)
    with pytest.raises(CommandError, match="1 account"):  # the CLI exits 1 on CommandError
        call_command("reconcile_points")
    assert f"resident {town.alice.pk}" in capsys.readouterr().out


def test_replaying_the_award_that_used_up_the_cap_returns_it(town, catalog):
    # given: the daily cap of 5 reached, the 5th award under key read-0004
    reading = PointRule.objects.get(code="article_reading")
    rows = [
        services.points_award(
            actor=town.admin, resident=town.alice, rule=reading, idempotency_key=f"read-{i:04d}"
        )
        for i in range(5)
    ]
    # when: the 5th request is repeated (a reload), and a 6th new one arrives
    again = services.points_award(
        actor=town.admin, resident=town.alice, rule=reading, idempotency_key="read-0004"
    )
    # then: the repeat is answered with the first row; the new one is refused
    assert again.pk == rows[-1].pk and again.created is False
    with pytest.raises(CapReached):
        services.points_award(
            actor=town.admin, resident=town.alice, rule=reading, idempotency_key="read-0005"
        )
    assert balance(town.alice) == 10


def test_rows_written_by_the_fast_path_read_back_exactly(town, rule):
    at = dt.datetime(2026, 5, 4, 16, 30, 5, 123456, tzinfo=UTC)  # 00:30 local on 5 May
    row = services.points_award(
        resident=town.alice,
        rule=rule,
        cause=town.shop,
        actor=town.staff_a,
        memo="night patrol",
        at=at,
    )
    stored = PointTransaction.objects.get(pk=row.pk)
    assert stored.created_at == at and stored.local_date == dt.date(2026, 5, 5)
    assert (stored.cause, stored.actor, stored.memo, stored.balance_after) == (
        town.shop,
        town.staff_a,
        "night patrol",
        50,
    )
    assert PointAccount.objects.get(resident=town.alice).updated_at == at


def test_a_resident_without_a_balance_row_gets_one(town, rule):
    PointAccount.objects.filter(resident=town.bob).delete()
    with pytest.raises(InsufficientPoints):
        services.points_spend(resident=town.bob, points=1, idempotency_key="spend-bob-1")
    services.points_award(actor=town.admin, resident=town.bob, rule=rule)
    assert balance(town.bob) == 50 and reconcile() == []


def test_a_key_reused_for_a_different_request_is_refused_not_replayed(town, catalog):
    patrol = PointRule.objects.get(code="voluntary_patrol")
    drive = PointRule.objects.get(code="sanitation_drive")
    services.points_award(
        actor=town.admin, resident=town.alice, rule=patrol, idempotency_key="form-nonce-1"
    )
    with pytest.raises(IdempotencyKeyReused):
        services.points_award(
            actor=town.admin, resident=town.alice, rule=drive, idempotency_key="form-nonce-1"
        )
    services.points_spend(resident=town.alice, points=10, idempotency_key="spend-nonce-1")
    with pytest.raises(IdempotencyKeyReused):
        services.points_spend(resident=town.alice, points=20, idempotency_key="spend-nonce-1")
    assert balance(town.alice) == 40
