"""The event pages and the JSON API, end to end through the test client."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from civicpoints.accounts.card import resident_card_token
from civicpoints.events import services
from civicpoints.events.codes import checkin_code
from civicpoints.events.models import Event, EventStatus, SignUp, SignUpStatus


@pytest.fixture
def future():
    """A week from the real clock, on a whole minute (pages use the real time)."""
    from django.utils import timezone

    return (timezone.now() + dt.timedelta(days=7)).replace(second=0, microsecond=0)


@pytest.fixture
def live_event(town, make_event):
    """A published event of community A happening now (check-in open), deadline passed."""
    from django.utils import timezone

    now = timezone.now()
    return make_event(
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=2),
        signup_deadline=now - dt.timedelta(hours=1),
        allow_walk_ins=True,
    )


@pytest.fixture
def upcoming_event(make_event, future):
    return make_event(
        starts_at=future, ends_at=future + dt.timedelta(hours=2), signup_deadline=future
    )


def _login(client, user):
    client.force_login(user)
    return client


# --- pages ------------------------------------------------------------------------


def test_a_resident_finds_an_event_and_signs_up_on_the_page(client, town, upcoming_event):
    _login(client, town.alice)
    listing = client.get(reverse("events:list"))
    assert listing.status_code == 200 and "River clean-up" in listing.content.decode()
    page = client.get(reverse("events:detail", args=[upcoming_event.pk]))
    assert page.status_code == 200
    response = client.post(reverse("events:sign_up", args=[upcoming_event.pk]))
    assert response.status_code == 302
    assert SignUp.objects.get(event=upcoming_event, resident=town.alice).status == "confirmed"
    client.post(reverse("events:cancel_sign_up", args=[upcoming_event.pk]))
    assert SignUp.objects.get(event=upcoming_event).status == SignUpStatus.CANCELLED


def test_a_sign_up_page_error_is_a_form_error_not_a_500(client, town, make_event, future):
    ev = make_event(
        min_age=18, starts_at=future, ends_at=future + dt.timedelta(hours=1), signup_deadline=future
    )
    _login(client, town.alice)
    response = client.post(reverse("events:sign_up", args=[ev.pk]))
    assert response.status_code == 422
    assert not SignUp.objects.filter(event=ev).exists()


def test_drafts_and_other_communities_events_are_not_found(client, town, make_event, future):
    draft = make_event(publish=False)
    other = make_event(actor=town.staff_b)
    _login(client, town.alice)
    assert client.get(reverse("events:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("events:detail", args=[other.pk])).status_code == 404
    _login(client, town.staff_b)
    assert client.get(reverse("events:manage", args=[draft.pk])).status_code == 404


def test_the_organizer_screen_shows_a_qr_and_refreshes_itself_without_scripts(
    client, town, live_event
):
    _login(client, town.staff_a)
    response = client.get(reverse("events:screen", args=[live_event.pk]) + "?mode=in")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="' in html
    assert "<svg" in html and "<script" not in html


def test_scanning_the_screen_checks_the_resident_in(client, town, live_event):
    # given: alice walks in (walk-ins allowed) and scans the current code
    code = checkin_code(event_id=live_event.pk)
    _login(client, town.alice)
    url = reverse("events:scan", args=[live_event.pk])
    landing = client.get(url, {"mode": "in", "code": code})
    assert landing.status_code == 200 and code in landing.content.decode()
    # when
    response = client.post(url, {"mode": "in", "code": code})
    # then
    assert response.status_code == 302
    assert SignUp.objects.get(event=live_event, resident=town.alice).checked_in_at is not None


def test_an_expired_code_on_the_scan_page_is_refused_with_a_message(client, town, live_event):
    from django.utils import timezone

    old = checkin_code(event_id=live_event.pk, at=timezone.now() - dt.timedelta(minutes=3))
    town.alice.language = "en"  # read the message in English, the resident's saved language
    town.alice.save(update_fields=["language"])
    _login(client, town.alice)
    response = client.post(
        reverse("events:scan", args=[live_event.pk]), {"mode": "in", "code": old}
    )
    assert response.status_code == 422
    assert "expired" in response.content.decode()
    assert not SignUp.objects.filter(event=live_event).exists()


def test_the_organizer_scans_a_card_and_completes_the_event(client, town, live_event):
    _login(client, town.staff_a)
    url = reverse("events:card_scan", args=[live_event.pk])
    assert client.post(url, {"token": "forged", "mode": "in"}).status_code == 422
    response = client.post(url, {"token": resident_card_token(town.alice), "mode": "in"})
    assert response.status_code == 302
    assert client.get(reverse("events:manage", args=[live_event.pk])).status_code == 200
    client.post(reverse("events:complete", args=[live_event.pk]))
    live_event.refresh_from_db()
    assert live_event.status == EventStatus.COMPLETED
    assert SignUp.objects.get(event=live_event).points_awarded == 20


def test_staff_create_a_draft_from_the_form(client, town, catalog):
    _login(client, town.staff_a)
    assert client.get(reverse("events:create")).status_code == 200
    data = {
        "title": "Read to the elderly",
        "place": "Community centre",
        "starts_at": "2030-05-01T09:00",
        "ends_at": "2030-05-01T11:00",
        "signup_deadline": "2030-04-30T18:00",
        "capacity": "8",
        "rule": "event_attendance_hour",
        "award_mode": "per_hour",
        "max_hours": "2",
    }
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 302
    ev = Event.objects.get(title="Read to the elderly")
    assert ev.community == town.a and ev.status == EventStatus.DRAFT
    assert ev.starts_at == dt.datetime(2030, 5, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    bad = client.post(reverse("events:create"), {**data, "ends_at": "2030-05-01T08:00"})
    assert bad.status_code == 422 and Event.objects.count() == 1
    _login(client, town.alice)
    assert client.get(reverse("events:create")).status_code == 403


def test_the_ics_file_is_a_calendar_with_the_event(client, town, upcoming_event):
    _login(client, town.alice)
    response = client.get(reverse("events:ics", args=[upcoming_event.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "River clean-up"
    assert vevent.decoded("DTSTART") == upcoming_event.starts_at
    assert str(vevent["LOCATION"]) == "Baqiao riverside"


def test_the_statement_lists_attended_events_with_hours(client, town, live_event):
    services.event_check_in_by_card(
        actor=town.staff_a, event=live_event, token=resident_card_token(town.alice)
    )
    services.event_complete(actor=town.staff_a, event=live_event)
    _login(client, town.alice)
    response = client.get(reverse("events:statement"))
    html = response.content.decode()
    assert response.status_code == 200 and "River clean-up" in html


# --- API --------------------------------------------------------------------------


def test_api_sign_up_replay_and_cancel(client, town, upcoming_event):
    _login(client, town.alice)
    url = f"/api/v1/events/{upcoming_event.pk}/signup"
    first = client.post(url, {}, content_type="application/json")
    again = client.post(url, {}, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["status"] == "confirmed" and again.json()["replayed"] is True
    assert client.get(url).json()["queue_no"] == 1
    cancelled = client.delete(url)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_api_sign_up_after_the_deadline_is_a_409_with_its_code(client, town, live_event):
    _login(client, town.alice)
    response = client.post(
        f"/api/v1/events/{live_event.pk}/signup", {}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "signup_closed",
        "detail": response.json()["detail"],
        "field": "event",
    }


def test_api_scan_with_the_current_code_and_an_expired_one(client, town, live_event):
    from django.utils import timezone

    _login(client, town.staff_a)
    code = client.get(f"/api/v1/events/{live_event.pk}/checkin-code").json()["code"]
    _login(client, town.alice)
    url = f"/api/v1/events/{live_event.pk}/scan"
    old = checkin_code(event_id=live_event.pk, at=timezone.now() - dt.timedelta(minutes=5))
    expired = client.post(url, {"code": old}, content_type="application/json")
    assert expired.status_code == 422 and expired.json()["code"] == "code_expired"
    ok = client.post(url, {"code": code}, content_type="application/json")
    twice = client.post(url, {"code": code}, content_type="application/json")
    assert (ok.status_code, twice.status_code) == (201, 200)
    assert ok.json()["status"] == "walk_in"


def test_api_organizer_endpoints_are_scoped(client, town, catalog, live_event):
    _login(client, town.staff_b)
    assert client.post(f"/api/v1/events/{live_event.pk}/complete").status_code == 404
    assert client.get(f"/api/v1/events/{live_event.pk}/checkin-code").status_code == 404
    _login(client, town.alice)
    response = client.post(
        "/api/v1/events",
        {
            "title": "x",
            "place": "y",
            "starts_at": "2030-01-01T09:00:00+08:00",
            "ends_at": "2030-01-01T10:00:00+08:00",
            "signup_deadline": "2030-01-01T08:00:00+08:00",
            "capacity": 5,
        },
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "staff_only"


def test_api_create_publish_card_scan_complete(client, town, catalog):
    _login(client, town.admin)
    response = client.post(
        "/api/v1/events",
        {
            "title": "Town fair",
            "place": "Square",
            "starts_at": "2030-01-01T09:00:00+08:00",
            "ends_at": "2030-01-01T12:00:00+08:00",
            "signup_deadline": "2030-01-01T08:00:00+08:00",
            "capacity": 5,
            "rule": "event_attendance_hour",
            "award_mode": "per_hour",
            "max_hours": 2,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["community"] is None and body["status"] == "draft"
    naive = client.post(
        "/api/v1/events",
        {**body, "starts_at": "2030-01-01T09:00:00", "rule": "volunteer_service"},
        content_type="application/json",
    )
    assert naive.status_code == 422
    published = client.post(f"/api/v1/events/{body['id']}/publish")
    assert published.json()["status"] == "published"
    signups = client.get(f"/api/v1/events/{body['id']}/signups")
    assert signups.status_code == 200 and signups.json() == {"items": [], "count": 0}


def test_the_desk_loads_the_camera_scanner_from_our_own_static_files(client, town, live_event):
    import re

    from django.contrib.staticfiles import finders

    client.force_login(town.staff_a)
    html = client.get(reverse("events:manage", args=[live_event.pk])).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all('src="/static/' in tag for tag in scripts)
    assert "</script>" not in html.replace("></script>", "")  # no inline script bodies
    assert finders.find("js/qr-scan.js") and finders.find("vendor/jsQR-1.4.0.js")
