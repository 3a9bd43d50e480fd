"""Editing an event, photos for its record, the statement of volunteer hours."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from civicpoints.accounts.card import resident_card_token
from civicpoints.core.errors import InvalidInput
from civicpoints.events import selectors, services
from civicpoints.events.errors import NotYourEvent, WrongStatus
from civicpoints.events.models import EventPhoto, SignUp, SignUpStatus
from civicpoints.notifications.models import Notification
from civicpoints.points.services import rule_get


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def soon():
    from django.utils import timezone

    return (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)


def _fields(ev, **change):
    fields = {
        name: getattr(ev, name)
        for name in (
            "title",
            "description",
            "place",
            "starts_at",
            "ends_at",
            "signup_deadline",
            "capacity",
            "rule",
            "award_mode",
            "max_hours",
            "min_age",
            "allow_walk_ins",
        )
    }
    fields.update(change)
    return fields


def _png_with_gps():
    img = Image.new("RGB", (3000, 1500), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (30.0, 0.0, 0.0)}  # GPSInfo
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buf.getvalue(), content_type="image/jpeg")


def test_more_places_move_the_waitlist_up_and_fewer_than_confirmed_is_refused(
    town, make_event, residents_a, soon
):
    # given: 1 place, alice confirmed, A0 and A1 waiting
    ev = make_event(
        capacity=1, starts_at=soon, ends_at=soon + dt.timedelta(hours=2), signup_deadline=soon
    )
    for r in (town.alice, residents_a[0], residents_a[1]):
        services.event_sign_up(resident=r, event=ev)
    # when: two places
    services.event_update(actor=town.staff_a, event=ev, **_fields(ev, capacity=2))
    # then: A0 moves up, A1 still waits
    status = dict(SignUp.objects.filter(event=ev).values_list("resident_id", "status"))
    assert status[residents_a[0].pk] == SignUpStatus.CONFIRMED
    assert status[residents_a[1].pk] == SignUpStatus.WAITLISTED
    with pytest.raises(InvalidInput) as exc:
        services.event_update(actor=town.staff_a, event=ev, **_fields(ev, capacity=1))
    assert (exc.value.code, exc.value.field) == ("capacity_below_confirmed", "capacity")


def test_moving_a_published_event_tells_those_signed_up(town, make_event, soon):
    ev = make_event(starts_at=soon, ends_at=soon + dt.timedelta(hours=2), signup_deadline=soon)
    services.event_sign_up(resident=town.alice, event=ev)
    later = soon + dt.timedelta(days=1)
    services.event_update(
        actor=town.staff_a,
        event=ev,
        **_fields(ev, starts_at=later, ends_at=later + dt.timedelta(hours=1)),
    )
    assert Notification.objects.filter(recipient=town.alice).count() == 1
    with pytest.raises(NotYourEvent):
        services.event_update(actor=town.staff_b, event=ev, **_fields(ev))


def test_a_completed_event_cannot_be_edited(town, make_event, start, before_deadline):
    ev = make_event()
    services.event_complete(actor=town.staff_a, event=ev, at=ev.ends_at)
    with pytest.raises(WrongStatus):
        services.event_update(
            actor=town.staff_a,
            event=ev,
            **_fields(ev, rule=rule_get("volunteer_service", town_id=town.town.pk)),
        )


def test_a_photo_is_stored_as_a_smaller_jpeg_without_location(town, make_event):
    ev = make_event()
    photo = services.event_photo_add(
        actor=town.staff_a, event=ev, upload=_png_with_gps(), caption="Bags of rubbish"
    )
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 1920
        assert 0x8825 not in stored.getexif()
    assert "IMG_0001" not in photo.image.name


def test_not_an_image_is_refused_and_nothing_is_saved(town, make_event):
    ev = make_event()
    fake = SimpleUploadedFile("x.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as exc:
        services.event_photo_add(actor=town.staff_a, event=ev, upload=fake)
    assert (exc.value.code, exc.value.field) == ("photo_refused", "image")
    with pytest.raises(NotYourEvent):
        services.event_photo_add(actor=town.staff_b, event=ev, upload=_png_with_gps())
    assert not EventPhoto.objects.exists()


def test_photo_upload_page_and_the_record_shows_it(client, town, make_event):
    ev = make_event()
    client.force_login(town.staff_a)
    url = reverse("events:photo", args=[ev.pk])
    assert client.post(url, {"image": SimpleUploadedFile("a.jpg", b"nope")}).status_code == 422
    assert client.post(url, {"image": _png_with_gps(), "caption": "Team"}).status_code == 302
    client.force_login(town.alice)
    page = client.get(reverse("events:detail", args=[ev.pk])).content.decode()
    assert 'alt="Team"' in page


def test_the_edit_page_saves_changes(client, town, make_event, soon):
    ev = make_event(starts_at=soon, ends_at=soon + dt.timedelta(hours=2), signup_deadline=soon)
    client.force_login(town.staff_a)
    url = reverse("events:edit", args=[ev.pk])
    form = client.get(url)
    assert form.status_code == 200 and "River clean-up" in form.content.decode()
    local = soon.astimezone(dt.timezone(dt.timedelta(hours=8)))
    response = client.post(
        url,
        {
            "title": "River clean-up, second round",
            "place": ev.place,
            "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (local + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "signup_deadline": local.strftime("%Y-%m-%dT%H:%M"),
            "capacity": "5",
            "rule": "volunteer_service",
            "award_mode": "flat",
        },
    )
    assert response.status_code == 302
    ev.refresh_from_db()
    assert (ev.title, ev.capacity, ev.starts_at) == ("River clean-up, second round", 5, soon)


def test_the_statement_counts_only_completed_events_attended(
    town, make_event, before_deadline, start
):
    # given: alice attended a completed event (1h40) and one later cancelled
    kept = make_event(rule="event_attendance_hour", award_mode="per_hour")
    dropped = make_event(title="Dropped")
    token = resident_card_token(town.alice)
    for ev in (kept, dropped):
        services.event_sign_up(resident=town.alice, event=ev, at=before_deadline)
        services.event_check_in_by_card(actor=town.staff_a, event=ev, token=token, at=start)
    services.event_check_out_by_card(
        actor=town.staff_a, event=kept, token=token, at=start + dt.timedelta(minutes=100)
    )
    for ev in (kept, dropped):
        services.event_complete(actor=town.staff_a, event=ev, at=ev.ends_at)
    services.event_cancel(actor=town.staff_a, event=dropped)
    # when
    statement = selectors.volunteer_statement(town.alice)
    # then
    assert [r.event_id for r in statement.rows] == [kept.pk]
    assert (statement.minutes, statement.points, statement.hours) == (100, 10, 1.7)


def test_staff_print_the_statement_of_residents_in_their_scope_only(client, town):
    client.force_login(town.staff_a)
    assert client.get(reverse("events:staff_statement", args=[town.alice.pk])).status_code == 200
    assert client.get(reverse("events:staff_statement", args=[town.bob.pk])).status_code == 404
    client.force_login(town.alice)
    assert client.get(reverse("events:staff_statement", args=[town.alice.pk])).status_code == 403


def test_the_api_serves_the_ics_and_my_statement(client, town, make_event):
    ev = make_event()
    client.force_login(town.alice)
    ics = client.get(f"/api/v1/events/{ev.pk}/event.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.content
    statement = client.get("/api/v1/me/volunteer-statement")
    assert statement.json() == {"events": 0, "minutes": 0, "points": 0, "rows": []}


def test_api_update_summary_and_photo(client, town, make_event, soon):
    ev = make_event(starts_at=soon, ends_at=soon + dt.timedelta(hours=2), signup_deadline=soon)
    client.force_login(town.staff_a)
    body = {
        "title": "Renamed",
        "place": "Hall",
        "starts_at": soon.isoformat(),
        "ends_at": (soon + dt.timedelta(hours=1)).isoformat(),
        "signup_deadline": soon.isoformat(),
        "capacity": 4,
    }
    updated = client.put(f"/api/v1/events/{ev.pk}", body, content_type="application/json")
    assert updated.status_code == 200 and updated.json()["title"] == "Renamed"
    naive = client.put(
        f"/api/v1/events/{ev.pk}",
        {**body, "starts_at": "2030-01-01T09:00:00"},
        content_type="application/json",
    )
    assert naive.status_code == 422 and naive.json()["field"] == "starts_at"
    summary = client.post(
        f"/api/v1/events/{ev.pk}/summary", {"summary": "Done."}, content_type="application/json"
    )
    assert summary.json()["summary"] == "Done."
    photo = client.post(
        f"/api/v1/events/{ev.pk}/photos", {"image": _png_with_gps(), "caption": "Hall"}
    )
    assert photo.status_code == 201 and photo.json()["url"].endswith(".jpg")
    bad = client.post(
        f"/api/v1/events/{ev.pk}/photos", {"image": SimpleUploadedFile("x.png", b"no")}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "photo_refused"
    client.force_login(town.alice)
    assert client.get(f"/api/v1/events/{ev.pk}").json()["photos"][0]["caption"] == "Hall"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_record_pages_render_in_both_languages(
    client, town, make_event, before_deadline, start, language
):
    # given: a per-hour event, completed, with an attendee and a no-show
    ev = make_event(rule="event_attendance_hour", award_mode="per_hour", max_hours=2, min_age=16)
    services.event_sign_up(resident=town.alice, event=ev, age_confirmed=True, at=before_deadline)
    services.event_check_in_by_card(
        actor=town.staff_a, event=ev, token=resident_card_token(town.alice), at=start
    )
    services.event_complete(actor=town.staff_a, event=ev, at=ev.ends_at)
    client.cookies["django_language"] = language
    # when / then
    client.force_login(town.staff_a)
    for name in ("events:manage", "events:detail"):
        page = client.get(reverse(name, args=[ev.pk]), HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200, name
    client.force_login(town.alice)
    detail = client.get(reverse("events:detail", args=[ev.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert detail.status_code == 200 and "+20" in detail.content.decode()
    statement = client.get(reverse("events:statement"), HTTP_ACCEPT_LANGUAGE=language)
    assert "River clean-up" in statement.content.decode()
    listing = client.get(reverse("events:list"), HTTP_ACCEPT_LANGUAGE=language)
    assert "River clean-up" in listing.content.decode()
