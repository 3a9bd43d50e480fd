"""Organizing, sign-up and waitlist, check-in/out, completion awards and cancellation."""

import datetime as dt

import pytest

from civicpoints.accounts.card import resident_card_token
from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.events import services
from civicpoints.events.codes import checkin_code
from civicpoints.events.errors import (
    CheckInClosed,
    CodeExpired,
    EventNotOpen,
    InvalidCode,
    NotCheckedIn,
    NotEligible,
    NotSignedUp,
    NotYourEvent,
    SignUpClosed,
    TooLateToCancel,
    WrongStatus,
)
from civicpoints.events.models import EventStatus, Outcome, SignUp, SignUpStatus
from civicpoints.notifications.models import Notification, NotificationKind
from civicpoints.points.models import PointAccount, PointTransaction, TransactionKind
from civicpoints.points.selectors import reconcile
from civicpoints.points.services import points_spend


def _balance(user):
    return PointAccount.objects.get(resident=user).balance


def _check_in(ev, resident, at):
    return services.event_check_in_by_code(
        resident=resident, event=ev, code=checkin_code(event_id=ev.pk, at=at), at=at
    )


def _check_out(ev, resident, at):
    return services.event_check_out_by_code(
        resident=resident,
        event=ev,
        code=checkin_code(event_id=ev.pk, purpose="out", at=at),
        at=at,
    )


# --- organizing -------------------------------------------------------------------


def test_community_staff_create_events_for_their_own_community_only(town, make_event):
    # when
    ev = make_event(publish=False)
    # then
    assert ev.status == EventStatus.DRAFT and ev.community == town.a and ev.town == town.town
    with pytest.raises(NotYourEvent):
        make_event(publish=False, community=town.b)


def test_staff_of_another_community_cannot_publish_or_complete(town, make_event, start):
    ev = make_event(publish=False)
    with pytest.raises(NotYourEvent):
        services.event_publish(actor=town.staff_b, event=ev)
    with pytest.raises(NotYourEvent):
        services.event_publish(actor=town.outsider_admin, event=ev)
    with pytest.raises(OutOfScope) as exc:
        services.event_publish(actor=town.alice, event=ev)
    assert exc.value.code == "staff_only"
    # the town admin covers every community of the town
    assert services.event_publish(actor=town.admin, event=ev).status == EventStatus.PUBLISHED


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"title": "  "}, "title", "required"),
        ({"capacity": 0}, "capacity", "invalid_capacity"),
        ({"ends_at_offset": -1}, "ends_at", "ends_before_start"),
        ({"deadline_offset": 1}, "signup_deadline", "deadline_after_start"),
        ({"max_hours": 0, "award_mode": "per_hour"}, "max_hours", "invalid_max_hours"),
    ],
)
def test_bad_event_fields_are_refused_with_the_field_named(make_event, start, change, field, code):
    kw = dict(change)
    if "ends_at_offset" in kw:
        kw["ends_at"] = start + dt.timedelta(hours=kw.pop("ends_at_offset"))
    if "deadline_offset" in kw:
        kw["signup_deadline"] = start + dt.timedelta(hours=kw.pop("deadline_offset"))
    with pytest.raises(InvalidInput) as exc:
        make_event(publish=False, **kw)
    assert (exc.value.field, exc.value.code) == (field, code)


# --- sign-up and waitlist -----------------------------------------------------------


def test_sign_up_fills_places_then_the_waitlist_in_order(
    town, make_event, residents_a, before_deadline
):
    # given: an event with 2 places
    ev = make_event(capacity=2)
    # when: four residents sign up
    rows = [
        services.event_sign_up(resident=r, event=ev, at=before_deadline)
        for r in [town.alice, *residents_a[:3]]
    ]
    # then
    assert [r.status for r in rows] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [r.queue_no for r in rows] == [1, 2, 3, 4]
    ev.refresh_from_db()
    assert ev.confirmed_count == 2


def test_signing_up_twice_keeps_one_place(town, make_event, before_deadline):
    ev = make_event()
    first = services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    again = services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    assert first.created and not again.created and again.pk == first.pk
    ev.refresh_from_db()
    assert ev.confirmed_count == 1 and SignUp.objects.filter(event=ev).count() == 1


def test_sign_up_after_the_deadline_is_refused(town, make_event, start):
    ev = make_event()
    with pytest.raises(SignUpClosed) as exc:
        services.event_sign_up(
            resident=town.alice, event=ev, at=ev.signup_deadline + dt.timedelta(seconds=1)
        )
    assert exc.value.code == "signup_closed"
    assert not SignUp.objects.filter(event=ev).exists()


def test_sign_up_refused_for_drafts_other_communities_and_unconfirmed_age(
    town, make_event, before_deadline
):
    draft = make_event(publish=False)
    with pytest.raises(EventNotOpen):
        services.event_sign_up(resident=town.alice, event=draft, at=before_deadline)
    ev = make_event(min_age=18)
    with pytest.raises(NotEligible):
        services.event_sign_up(resident=town.bob, event=ev, at=before_deadline)
    with pytest.raises(InvalidInput) as exc:
        services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    assert (exc.value.code, exc.value.field) == ("age_not_confirmed", "age_confirmed")
    row = services.event_sign_up(
        resident=town.alice, event=ev, age_confirmed=True, at=before_deadline
    )
    assert row.status == SignUpStatus.CONFIRMED


def test_town_wide_event_is_open_to_every_community_of_the_town(town, make_event, before_deadline):
    ev = make_event(actor=town.admin)
    assert ev.community is None
    assert services.event_sign_up(resident=town.bob, event=ev, at=before_deadline).created
    with pytest.raises(NotEligible):
        services.event_sign_up(resident=town.carol, event=ev, at=before_deadline)


def test_a_cancellation_promotes_the_first_waitlisted_and_tells_them(
    town, make_event, residents_a, before_deadline
):
    # given: 2 places taken, two residents waiting (w1 before w2)
    ev = make_event(capacity=2)
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    services.event_sign_up(resident=residents_a[0], event=ev, at=before_deadline)
    w1, w2 = residents_a[1], residents_a[2]
    services.event_sign_up(resident=w1, event=ev, at=before_deadline)
    services.event_sign_up(resident=w2, event=ev, at=before_deadline)
    # when: alice cancels
    cancelled = services.event_sign_up_cancel(resident=town.alice, event=ev, at=before_deadline)
    # then: w1 moves up, w2 still waits, the count is unchanged and w1 is told
    assert cancelled.status == SignUpStatus.CANCELLED
    status = dict(SignUp.objects.filter(event=ev).values_list("resident_id", "status"))
    assert status[w1.pk] == "confirmed" and status[w2.pk] == "waitlisted"
    ev.refresh_from_db()
    assert ev.confirmed_count == 2
    assert Notification.objects.filter(recipient=w1, kind=NotificationKind.GENERAL).count() == 1
    assert not Notification.objects.filter(recipient=w2).exists()
    # and cancelling again changes nothing
    again = services.event_sign_up_cancel(resident=town.alice, event=ev, at=before_deadline)
    assert not again.created
    ev.refresh_from_db()
    assert ev.confirmed_count == 2


def test_signing_up_again_after_cancelling_joins_the_back_of_the_queue(
    town, make_event, residents_a, before_deadline
):
    ev = make_event(capacity=1)
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    services.event_sign_up(resident=residents_a[0], event=ev, at=before_deadline)
    services.event_sign_up_cancel(resident=town.alice, event=ev, at=before_deadline)
    back = services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    assert (back.status, back.queue_no) == (SignUpStatus.WAITLISTED, 3)


def test_cancelling_after_the_start_is_refused(town, make_event, before_deadline, start):
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    with pytest.raises(TooLateToCancel):
        services.event_sign_up_cancel(resident=town.alice, event=ev, at=start)


# --- check-in -----------------------------------------------------------------------


def test_double_check_in_counts_once(town, make_event, before_deadline, start):
    # given
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    # when: alice scans twice, then the organizer scans her card as well
    first = _check_in(ev, town.alice, start)
    second = _check_in(ev, town.alice, start + dt.timedelta(minutes=5))
    third = services.event_check_in_by_card(
        actor=town.staff_a,
        event=ev,
        token=resident_card_token(town.alice),
        at=start + dt.timedelta(minutes=6),
    )
    # then: one check-in, at the first time
    assert first.created and not second.created and not third.created
    assert SignUp.objects.filter(event=ev, checked_in_at__isnull=False).count() == 1
    assert SignUp.objects.get(event=ev).checked_in_at == start


def test_an_expired_qr_code_is_refused(town, make_event, before_deadline, start):
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    code = checkin_code(event_id=ev.pk, at=start)
    # the previous minute's code is still good ...
    at = start + dt.timedelta(seconds=61)
    assert services.event_check_in_by_code(resident=town.alice, event=ev, code=code, at=at)
    # ... a code two minutes old is not
    ev2 = make_event(title="Second")
    services.event_sign_up(resident=town.alice, event=ev2, at=before_deadline)
    with pytest.raises(CodeExpired) as exc:
        services.event_check_in_by_code(
            resident=town.alice,
            event=ev2,
            code=checkin_code(event_id=ev2.pk, at=start),
            at=start + dt.timedelta(seconds=120),
        )
    assert (exc.value.code, exc.value.field) == ("code_expired", "code")
    assert SignUp.objects.get(event=ev2).checked_in_at is None


@pytest.mark.parametrize("code", ["", "garbage", "123-abc", "99999999999-0123456789abcdef"])
def test_forged_or_garbled_codes_are_refused(town, make_event, before_deadline, start, code):
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    with pytest.raises(InvalidCode):
        services.event_check_in_by_code(resident=town.alice, event=ev, code=code, at=start)


def test_another_events_or_the_check_out_code_does_not_check_in(
    town, make_event, before_deadline, start
):
    ev, other = make_event(), make_event(title="Other")
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    for code in (
        checkin_code(event_id=other.pk, at=start),
        checkin_code(event_id=ev.pk, purpose="out", at=start),
    ):
        with pytest.raises(InvalidCode):
            services.event_check_in_by_code(resident=town.alice, event=ev, code=code, at=start)


def test_check_in_without_sign_up_only_when_walk_ins_are_allowed(town, make_event, start):
    closed = make_event()
    with pytest.raises(NotSignedUp):
        _check_in(closed, town.alice, start)
    open_ = make_event(title="Open day", allow_walk_ins=True, capacity=1)
    row = _check_in(open_, town.alice, start)
    assert row.status == SignUpStatus.WALK_IN and row.checked_in_at == start
    open_.refresh_from_db()
    assert open_.confirmed_count == 0  # a walk-in takes no place
    with pytest.raises(NotEligible):
        _check_in(open_, town.bob, start)


def test_waitlisted_cannot_check_in_unless_walk_ins(
    town, make_event, residents_a, before_deadline, start
):
    ev = make_event(capacity=1)
    services.event_sign_up(resident=residents_a[0], event=ev, at=before_deadline)
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    with pytest.raises(NotSignedUp):
        _check_in(ev, town.alice, start)


def test_check_in_is_open_from_an_hour_before_until_the_end(
    town, make_event, before_deadline, start
):
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    with pytest.raises(CheckInClosed):
        _check_in(ev, town.alice, start - dt.timedelta(minutes=61))
    with pytest.raises(CheckInClosed):
        _check_in(ev, town.alice, ev.ends_at + dt.timedelta(minutes=1))


def test_check_out_records_minutes_and_needs_a_check_in(town, make_event, before_deadline, start):
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    with pytest.raises(NotCheckedIn):
        _check_out(ev, town.alice, start)
    _check_in(ev, town.alice, start - dt.timedelta(minutes=10))  # early: counted from the start
    row = _check_out(ev, town.alice, start + dt.timedelta(minutes=95))
    assert row.minutes == 95
    again = _check_out(ev, town.alice, start + dt.timedelta(minutes=150))
    assert not again.created and again.minutes == 95


def test_the_organizer_checks_in_by_card_only_inside_their_scope(
    town, make_event, before_deadline, start
):
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    token = resident_card_token(town.alice)
    with pytest.raises(NotYourEvent):
        services.event_check_in_by_card(actor=town.staff_b, event=ev, token=token, at=start)
    with pytest.raises(InvalidInput) as exc:
        services.event_check_in_by_card(actor=town.staff_a, event=ev, token="forged", at=start)
    assert exc.value.code == "invalid_card"
    row = services.event_check_in_by_card(actor=town.staff_a, event=ev, token=token, at=start)
    assert row.checked_in_at == start
    out = services.event_check_out_by_card(
        actor=town.staff_a, event=ev, token=token, at=start + dt.timedelta(hours=2)
    )
    assert out.minutes == 120


# --- completion ---------------------------------------------------------------------


def test_completion_awards_each_attendee_once_even_when_run_twice(
    town, make_event, residents_a, before_deadline, start
):
    # given: alice and A0 attend, A1 is a no-show
    ev = make_event(capacity=3)
    for r in (town.alice, residents_a[0], residents_a[1]):
        services.event_sign_up(resident=r, event=ev, at=before_deadline)
    _check_in(ev, town.alice, start)
    _check_in(ev, residents_a[0], start)
    done = start + dt.timedelta(hours=3)
    # when: completed twice
    first = services.event_complete(actor=town.staff_a, event=ev, at=done)
    second = services.event_complete(actor=town.staff_a, event=ev, at=done)
    # then: one award (volunteer_service, 20 points) each, the no-show recorded
    assert (first.attended, first.no_shows, first.points) == (2, 1, 40)
    assert (second.attended, second.points) == (0, 0)
    awards = PointTransaction.objects.filter(kind=TransactionKind.AWARD)
    assert sorted(awards.values_list("resident_id", flat=True)) == sorted(
        [town.alice.pk, residents_a[0].pk]
    )
    assert _balance(town.alice) == 20 and _balance(residents_a[1]) == 0
    outcomes = dict(SignUp.objects.filter(event=ev).values_list("resident_id", "outcome"))
    assert outcomes[residents_a[1].pk] == Outcome.NO_SHOW
    assert outcomes[town.alice.pk] == Outcome.ATTENDED
    assert reconcile() == []


def test_per_hour_awards_one_row_per_whole_hour_up_to_the_cap(
    town, make_event, residents_a, before_deadline, start
):
    # given: 10 points per hour, at most 2 hours; alice stays 2h50, A0 stays 1h10
    ev = make_event(rule="event_attendance_hour", award_mode="per_hour", max_hours=2)
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    services.event_sign_up(resident=residents_a[0], event=ev, at=before_deadline)
    _check_in(ev, town.alice, start)
    _check_out(ev, town.alice, start + dt.timedelta(minutes=170))
    _check_in(ev, residents_a[0], start + dt.timedelta(minutes=20))
    _check_out(ev, residents_a[0], start + dt.timedelta(minutes=90))
    # when
    services.event_complete(actor=town.staff_a, event=ev, at=ev.ends_at)
    services.event_complete(actor=town.staff_a, event=ev, at=ev.ends_at)
    # then
    alice = SignUp.objects.get(event=ev, resident=town.alice)
    assert (alice.minutes, alice.hours_awarded, alice.points_awarded) == (170, 2, 20)
    assert _balance(town.alice) == 20 and _balance(residents_a[0]) == 10
    keys = set(
        PointTransaction.objects.filter(resident=town.alice).values_list(
            "idempotency_key", flat=True
        )
    )
    assert keys == {
        f"event:{ev.pk}:signup:{alice.pk}:hour:1",
        f"event:{ev.pk}:signup:{alice.pk}:hour:2",
    }
    assert all(r.cause == alice for r in PointTransaction.objects.filter(resident=town.alice))


def test_completing_a_per_hour_event_early_pays_only_the_time_that_happened(
    town, make_event, residents_a, before_deadline, start
):
    # given: an 8-hour per-hour event; a walk-in (alice) checked in at the start and
    # never out, A0 checked out after 5 minutes
    ev = make_event(
        rule="event_attendance_hour",
        award_mode="per_hour",
        allow_walk_ins=True,
        ends_at=start + dt.timedelta(hours=8),
    )
    services.event_sign_up(resident=residents_a[0], event=ev, at=before_deadline)
    _check_in(ev, town.alice, start)
    _check_in(ev, residents_a[0], start)
    _check_out(ev, residents_a[0], start + dt.timedelta(minutes=5))
    # when: the organizer completes it 10 minutes in
    result = services.event_complete(
        actor=town.staff_a, event=ev, at=start + dt.timedelta(minutes=10)
    )
    # then: 10 and 5 minutes attended, no whole hour, no points
    minutes = dict(SignUp.objects.filter(event=ev).values_list("resident_id", "minutes"))
    assert minutes == {town.alice.pk: 10, residents_a[0].pk: 5}
    assert result.points == 0 and _balance(town.alice) == 0
    assert not PointTransaction.objects.filter(kind=TransactionKind.AWARD).exists()


def test_completion_after_the_end_counts_up_to_the_scheduled_end_only(
    town, make_event, before_deadline, start
):
    # given: a 3-hour per-hour event, alice checked in at the start, never out
    ev = make_event(rule="event_attendance_hour", award_mode="per_hour")
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    _check_in(ev, town.alice, start)
    # when: completed a day later
    services.event_complete(actor=town.staff_a, event=ev, at=start + dt.timedelta(days=1))
    # then: the scheduled three hours, no more
    assert SignUp.objects.get(event=ev, resident=town.alice).minutes == 180


def test_an_award_the_ledger_refuses_is_noted_and_the_others_go_ahead(
    town, make_event, residents_a, before_deadline, start
):
    # given: alice already earned volunteer_service today (daily limit 1)
    from civicpoints.points.services import points_award, rule_get

    done = start + dt.timedelta(hours=3)
    points_award(
        actor=town.admin,
        resident=town.alice,
        rule=rule_get("volunteer_service", town_id=town.town.pk),
        idempotency_key="other",
        at=done,
    )
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    services.event_sign_up(resident=residents_a[0], event=ev, at=before_deadline)
    _check_in(ev, town.alice, start)
    _check_in(ev, residents_a[0], start)
    # when
    result = services.event_complete(actor=town.staff_a, event=ev, at=done)
    # then
    assert result.not_awarded == ["Alice"] and result.points == 20
    assert SignUp.objects.get(event=ev, resident=town.alice).award_note
    assert _balance(residents_a[0]) == 20


def test_completion_before_the_start_is_refused(town, make_event, before_deadline):
    ev = make_event()
    with pytest.raises(WrongStatus):
        services.event_complete(actor=town.staff_a, event=ev, at=before_deadline)


# --- cancellation ---------------------------------------------------------------------


def test_cancelling_a_completed_event_reverses_its_awards_once(
    town, make_event, before_deadline, start
):
    # given: alice earned 20 points at a completed event
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    _check_in(ev, town.alice, start)
    services.event_complete(actor=town.staff_a, event=ev, at=ev.ends_at)
    assert _balance(town.alice) == 20
    # when: cancelled, twice
    result = services.event_cancel(actor=town.staff_a, event=ev, reason="Held in error")
    again = services.event_cancel(actor=town.staff_a, event=ev, reason="Held in error")
    # then: one compensating row, balance back to 0
    assert (result.reversed_rows, again.reversed_rows) == (1, 0)
    assert _balance(town.alice) == 0
    assert PointTransaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1
    ev.refresh_from_db()
    assert ev.status == EventStatus.CANCELLED
    assert SignUp.objects.get(event=ev).points_awarded == 0
    assert reconcile() == []


def test_cancelling_leaves_spent_points_for_staff_to_settle(
    town, make_event, before_deadline, start
):
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    _check_in(ev, town.alice, start)
    services.event_complete(actor=town.staff_a, event=ev, at=ev.ends_at)
    points_spend(resident=town.alice, points=15, idempotency_key="haircut-1")
    result = services.event_cancel(actor=town.staff_a, event=ev)
    assert result.not_reversed == ["Alice"] and result.reversed_rows == 0
    assert _balance(town.alice) == 5
    assert reconcile() == []


def test_cancelling_a_published_event_tells_those_signed_up(
    town, make_event, residents_a, before_deadline
):
    ev = make_event()
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    services.event_cancel(actor=town.staff_a, event=ev, reason="Storm warning")
    note = Notification.objects.get(recipient=town.alice)
    assert note.kind == NotificationKind.GENERAL and note.body == "Storm warning"
    with pytest.raises(EventNotOpen):
        services.event_sign_up(resident=residents_a[0], event=ev, at=before_deadline)


# --- reminders ------------------------------------------------------------------------


def test_reminders_go_once_to_confirmed_residents_the_day_before(
    town, make_event, residents_a, before_deadline, start
):
    ev = make_event(capacity=1)
    services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
    services.event_sign_up(resident=residents_a[0], event=ev, at=before_deadline)  # waitlisted
    the_day_before = start - dt.timedelta(hours=24)
    two_days_before = start - dt.timedelta(hours=48)
    assert services.events_send_reminders(now=two_days_before) == 0
    assert services.events_send_reminders(now=the_day_before) == 1
    assert services.events_send_reminders(now=the_day_before) == 0
    reminders = Notification.objects.filter(kind=NotificationKind.EVENT_REMINDER)
    assert list(reminders.values_list("recipient_id", flat=True)) == [town.alice.pk]


def test_the_reminder_job_is_registered_at_nine_local():
    from civicpoints.core.jobs import registered_jobs

    job = registered_jobs()["events.reminders"]
    assert job.cron == "0 9 * * *"


def test_the_database_refuses_more_confirmed_places_than_capacity(make_event):
    from django.db import IntegrityError, transaction

    from civicpoints.events.models import Event

    ev = make_event(capacity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=ev.pk).update(confirmed_count=3)
