"""Manual awards and adjustments: per-role daily limits, and a second staff member above
the town's threshold (issue 16, item 5)."""

import pytest
from django.db import connection
from django.urls import reverse

from civicpoints.points import services
from civicpoints.points.errors import (
    DailyLimitReached,
    SameStaffMember,
    SecondConfirmationRequired,
)
from civicpoints.points.models import PendingAdjustment, PendingStatus, PointAccount
from civicpoints.points.selectors import reconcile

API = "/api/v1"


def _balance(user):
    return PointAccount.objects.filter(resident=user).values_list("balance", flat=True).first()


def _adjust(client, resident, points, key):
    return client.post(
        f"{API}/staff/residents/{resident.pk}/adjustments",
        {"points": points, "reason": "correction", "idempotency_key": key},
        content_type="application/json",
    )


def test_a_grid_worker_cannot_give_two_hundred_thousand_points(client, town):
    # given
    client.force_login(town.grid_worker_a)
    # when: two +100,000 adjustments
    answers = [_adjust(client, town.alice, 100_000, f"big-{i:06d}") for i in range(2)]
    # then: both refused by the grid worker's daily limit; nothing booked or filed
    assert [a.status_code for a in answers] == [409, 409]
    assert {a.json()["code"] for a in answers} == {"manual_daily_limit"}
    assert _balance(town.alice) == 0 and not PendingAdjustment.objects.exists()


def test_the_daily_limit_counts_both_signs_and_a_replay_counts_nothing(town, settings):
    # given: a grid worker may move 500 points a local day
    settings.MANUAL_POINTS_DAILY_LIMITS = {
        **settings.MANUAL_POINTS_DAILY_LIMITS,
        "grid_worker": 500,
    }
    gw = town.grid_worker_a
    services.points_adjust(
        actor=gw, resident=town.alice, points=300, reason="r", idempotency_key="adj-1"
    )
    services.points_adjust(
        actor=gw, resident=town.alice, points=-150, reason="r", idempotency_key="adj-2"
    )
    # when: the first is replayed, and 100 more are asked for
    again = services.points_adjust(
        actor=gw, resident=town.alice, points=300, reason="r", idempotency_key="adj-1"
    )
    with pytest.raises(DailyLimitReached) as exc:
        services.points_adjust(
            actor=gw, resident=town.alice, points=100, reason="r", idempotency_key="adj-3"
        )
    # then: 300 + 150 used, the replay returned the first row, 50 are left
    assert again.created is False
    assert exc.value.field == "points"
    assert services.manual_points_used(gw, again.local_date) == 450
    assert _balance(town.alice) == 150


def test_manual_awards_count_against_the_same_limit(town, catalog, settings):
    settings.MANUAL_POINTS_DAILY_LIMITS = {**settings.MANUAL_POINTS_DAILY_LIMITS, "grid_worker": 60}
    # voluntary_patrol is worth 50 points
    services.points_award_by_staff(
        actor=town.grid_worker_a,
        resident=town.alice,
        rule_code="voluntary_patrol",
        note="",
        idempotency_key="patrol-1",
    )
    with pytest.raises(DailyLimitReached):
        services.points_adjust(
            actor=town.grid_worker_a,
            resident=town.alice,
            points=20,
            reason="r",
            idempotency_key="adj-x",
        )


def test_above_the_towns_threshold_a_second_staff_member_confirms(client, town):
    # given: the town wants a second person above 200 points
    town.town.manual_points_confirm_above = 200
    town.town.save(update_fields=["manual_points_confirm_above"])
    with pytest.raises(SecondConfirmationRequired):
        services.points_adjust(
            actor=town.staff_a, resident=town.alice, points=201, reason="r", idempotency_key="k1"
        )
    # when: staff_a files +800 through the API
    client.force_login(town.staff_a)
    filed = _adjust(client, town.alice, 800, "req-000001")
    # then: 202, nothing booked yet; staff_a may not confirm it herself
    assert filed.status_code == 202, filed.content
    pk = filed.json()["id"]
    assert filed.json()["status"] == "pending" and _balance(town.alice) == 0
    resp = client.post(f"{API}/staff/adjustments/{pk}/confirm")
    assert (resp.status_code, resp.json()["code"]) == (403, "same_staff_member")
    assert client.get(f"{API}/staff/adjustments/pending").json() == []
    # when: the grid worker of the community confirms it (twice: idempotent)
    client.force_login(town.grid_worker_a)
    assert [r["id"] for r in client.get(f"{API}/staff/adjustments/pending").json()] == [pk]
    first = client.post(f"{API}/staff/adjustments/{pk}/confirm")
    second = client.post(f"{API}/staff/adjustments/{pk}/confirm")
    # then: booked once, under the requester's name
    assert (
        first.status_code == 200 and second.json()["ledger_row_id"] == first.json()["ledger_row_id"]
    )
    pending = PendingAdjustment.objects.get(pk=pk)
    assert pending.status == PendingStatus.CONFIRMED and pending.decided_by == town.grid_worker_a
    assert pending.ledger_row.actor == town.staff_a and pending.ledger_row.points == 800
    assert _balance(town.alice) == 800
    assert reconcile() == []


def test_staff_of_another_community_cannot_confirm_and_a_refusal_books_nothing(town):
    pending = services.adjustment_request(
        actor=town.staff_a, resident=town.alice, points=2000, reason="r", idempotency_key="rq"
    )
    from civicpoints.core.errors import OutOfScope

    with pytest.raises(OutOfScope):
        services.adjustment_confirm(actor=town.staff_b, adjustment_id=pending.pk)
    with pytest.raises(SameStaffMember):
        services.adjustment_refuse(actor=town.staff_a, adjustment_id=pending.pk)
    services.adjustment_refuse(actor=town.admin, adjustment_id=pending.pk, note="no")
    pending.refresh_from_db()
    assert pending.status == PendingStatus.REFUSED and _balance(town.alice) == 0


def test_the_staff_desk_page_confirms_a_waiting_adjustment(client, town):
    # given: staff_a filed +1,500 on the staff desk
    client.force_login(town.staff_a)
    page = client.post(
        reverse("portal:staff_adjust", args=[town.alice.pk]),
        {"points": 1500, "reason": "Missed event hours", "nonce": "n-0000001"},
    )
    assert page.status_code == 302
    pending = PendingAdjustment.objects.get()
    assert _balance(town.alice) == 0
    # when: the town admin opens the list and confirms
    client.force_login(town.admin)
    listing = client.get(reverse("points:pending_adjustments"))
    assert "Missed event hours" in listing.content.decode()
    done = client.post(
        reverse("points:adjustment_decide", args=[pending.pk]), {"decision": "confirm"}
    )
    # then
    assert done.status_code == 302 and _balance(town.alice) == 1500


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_racing_adjustments_cannot_exceed_the_daily_limit(town, settings):
    # given: a grid worker may move 500 a day; ten sessions each try +100 at once
    from civicpoints.points.tests.test_concurrency import run_threads

    settings.MANUAL_POINTS_DAILY_LIMITS = {
        **settings.MANUAL_POINTS_DAILY_LIMITS,
        "grid_worker": 500,
    }
    results = run_threads(
        10,
        lambda i: services.points_adjust(
            actor=town.grid_worker_a,
            resident=town.alice,
            points=100,
            reason="race",
            idempotency_key=f"race-{i:04d}",
        ),
    )
    # then: exactly five pass
    assert sum(not isinstance(r, Exception) for r in results) == 5, results
    assert all(isinstance(r, DailyLimitReached) for r in results if isinstance(r, Exception))
    assert _balance(town.alice) == 500
