"""Real threads against PostgreSQL: places, the waitlist order and awards hold under races."""

import datetime as dt

import pytest
from django.db import connection

from civicpoints.accounts.models import Role, User
from civicpoints.events import services
from civicpoints.events.models import Event, SignUp, SignUpStatus
from civicpoints.points.models import PointAccount
from civicpoints.points.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _residents(town, n):
    return [
        User.objects.create_user(
            f"135{i:08d}",
            None,
            nickname=f"R{i}",
            role=Role.RESIDENT,
            town=town.town,
            community=town.a,
        )
        for i in range(n)
    ]


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_sign_ups_for_ten_places(town, make_event, before_deadline):
    # given: 10 places, 50 residents
    ev = make_event(capacity=10)
    people = _residents(town, 50)
    # when: all 50 sign up at once
    results = run_threads(
        50, lambda i: services.event_sign_up(resident=people[i], event=ev, at=before_deadline)
    )
    # then: exactly 10 confirmed, 40 waitlisted, the queue numbered 1..50 without gaps,
    # every confirmed place ahead of every waitlisted one
    assert all(isinstance(r, SignUp) for r in results), results
    rows = list(SignUp.objects.filter(event=ev).order_by("queue_no"))
    assert [r.queue_no for r in rows] == list(range(1, 51))
    assert [r.status for r in rows] == ["confirmed"] * 10 + ["waitlisted"] * 40
    assert Event.objects.get(pk=ev.pk).confirmed_count == 10
    # and a cancellation promotes the first on the waitlist (queue number 11)
    services.event_sign_up_cancel(resident=rows[0].resident, event=ev, at=before_deadline)
    promoted = SignUp.objects.get(event=ev, queue_no=11)
    assert promoted.status == SignUpStatus.CONFIRMED
    assert SignUp.objects.filter(event=ev, status=SignUpStatus.CONFIRMED).count() == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_never_overfill(town, make_event, before_deadline):
    # given: 3 places taken and 6 waiting
    ev = make_event(capacity=3)
    people = _residents(town, 9)
    for p in people:
        services.event_sign_up(resident=p, event=ev, at=before_deadline)
    # when: the three confirmed cancel while three waitlisted sign up again at once
    results = run_threads(
        6,
        lambda i: (
            services.event_sign_up_cancel(resident=people[i], event=ev, at=before_deadline)
            if i < 3
            else services.event_sign_up(resident=people[i + 3], event=ev, at=before_deadline)
        ),
    )
    # then: the first three waiting (queue 4, 5, 6) hold the places
    assert all(isinstance(r, SignUp) for r in results), results
    confirmed = SignUp.objects.filter(event=ev, status=SignUpStatus.CONFIRMED)
    assert sorted(confirmed.values_list("queue_no", flat=True)) == [4, 5, 6]
    assert Event.objects.get(pk=ev.pk).confirmed_count == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_completions_award_once(town, make_event, before_deadline, start):
    from civicpoints.events.codes import checkin_code

    ev = make_event(capacity=3)
    people = _residents(town, 3)
    for p in people:
        services.event_sign_up(resident=p, event=ev, at=before_deadline)
        services.event_check_in_by_code(
            resident=p, event=ev, code=checkin_code(event_id=ev.pk, at=start), at=start
        )
    done = start + dt.timedelta(hours=3)
    results = run_threads(
        8, lambda i: services.event_complete(actor=town.staff_a, event=ev, at=done)
    )
    assert sum(r.points for r in results) == 60, results
    assert [PointAccount.objects.get(resident=p).balance for p in people] == [20, 20, 20]


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_ins_of_one_resident_count_once(town, make_event, before_deadline, start):
    from civicpoints.events.codes import checkin_code

    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    code = checkin_code(event_id=ev.pk, at=start)
    results = run_threads(
        10,
        lambda i: services.event_check_in_by_code(
            resident=town.alice, event=ev, code=code, at=start + dt.timedelta(seconds=i)
        ),
    )
    assert all(isinstance(r, SignUp) for r in results), results
    assert sum(r.created for r in results) == 1
    assert SignUp.objects.get(event=ev).checked_in_at in {
        start + dt.timedelta(seconds=i) for i in range(10)
    }


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_send_each_reminder_once(
    town, make_event, before_deadline, start
):
    from civicpoints.notifications.models import Notification, NotificationKind

    ev = make_event(capacity=5)
    people = _residents(town, 5)
    for p in people:
        services.event_sign_up(resident=p, event=ev, at=before_deadline)
    results = run_threads(
        4, lambda i: services.events_send_reminders(now=start - dt.timedelta(hours=20))
    )
    assert sum(results) == 5, results
    assert Notification.objects.filter(kind=NotificationKind.EVENT_REMINDER).count() == 5
