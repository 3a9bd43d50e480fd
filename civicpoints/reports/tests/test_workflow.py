"""The report case workflow: every move, every refused move, scope, awards, publication."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.notifications.models import Notification, NotificationKind
from civicpoints.points.models import PointAccount, PointTransaction
from civicpoints.points.selectors import reconcile
from civicpoints.posts.models import PostStatus
from civicpoints.posts.tests.images import jpeg_bytes, jpeg_with_gps, upload
from civicpoints.reports import selectors, services
from civicpoints.reports.errors import AlreadyPublished, IllegalTransition
from civicpoints.reports.models import CaseEvent, CaseStatus, Report


def balance(user):
    return PointAccount.objects.filter(resident=user).values_list("balance", flat=True).first() or 0


def to_state(report, state, town):
    """Move ``report`` along the happy path (or to rejected) with community A's staff."""
    path = {
        CaseStatus.SUBMITTED: [],
        CaseStatus.ACCEPTED: ["accept"],
        CaseStatus.ASSIGNED: ["accept", "assign"],
        CaseStatus.RECTIFIED: ["accept", "assign", "rectify"],
        CaseStatus.CLOSED: ["accept", "assign", "rectify", "close"],
        CaseStatus.REJECTED: ["reject"],
    }[state]
    for move in path:
        report = do(move, report, town)
    return report


def do(move, report, town, actor=None):
    actor = actor or town.staff_a
    if move == "accept":
        return services.report_accept(actor=actor, report=report)
    if move == "reject":
        return services.report_reject(actor=actor, report=report, reason="Not in our area")
    if move == "assign":
        return services.report_assign(actor=actor, report=report, assignee=town.grid_worker_a)
    if move == "rectify":
        return services.report_rectify(
            actor=actor, report=report, after_photo=upload(jpeg_bytes(color="green"))
        )
    return services.report_close(actor=actor, report=report)


def test_the_whole_workflow_is_recorded_and_the_reporter_told(town, make_report):
    # given
    report = make_report(photos=[upload(jpeg_bytes())])
    # when
    report = services.report_accept(actor=town.staff_a, report=report, note="On it")
    report = services.report_assign(actor=town.staff_a, report=report, assignee=town.grid_worker_a)
    report = services.report_rectify(
        actor=town.grid_worker_a, report=report, after_photo=upload(jpeg_bytes(color="green"))
    )
    report = services.report_close(actor=town.staff_a, report=report)
    # then
    assert report.status == CaseStatus.CLOSED
    moves = list(
        CaseEvent.objects.filter(report=report).values_list("actor", "from_status", "to_status")
    )
    assert moves == [
        (town.alice.pk, "", "submitted"),
        (town.staff_a.pk, "submitted", "accepted"),
        (town.staff_a.pk, "accepted", "assigned"),
        (town.grid_worker_a.pk, "assigned", "rectified"),
        (town.staff_a.pk, "rectified", "closed"),
    ]
    assert all(e.at is not None for e in report.events.all())
    told = Notification.objects.filter(recipient=town.alice, kind=NotificationKind.REPORT_UPDATED)
    assert told.count() == 4
    assert Notification.objects.filter(recipient=town.grid_worker_a).count() == 1
    assert [p.kind for p in report.photos.all()] == ["evidence", "after"]
    assert balance(town.alice) == 5
    assert reconcile() == []


ILLEGAL = [
    (CaseStatus.SUBMITTED, ["assign", "rectify", "close"]),
    (CaseStatus.ACCEPTED, ["accept", "rectify", "close"]),
    (CaseStatus.ASSIGNED, ["accept", "assign", "reject", "close"]),
    (CaseStatus.RECTIFIED, ["accept", "assign", "reject", "rectify"]),
    (CaseStatus.CLOSED, ["accept", "assign", "reject", "rectify", "close"]),
    (CaseStatus.REJECTED, ["accept", "assign", "reject", "rectify", "close"]),
]


@pytest.mark.parametrize(
    ("state", "move"), [(s, m) for s, moves in ILLEGAL for m in moves], ids=lambda v: str(v)
)
def test_illegal_moves_are_refused_and_change_nothing(town, make_report, state, move):
    # given
    report = to_state(make_report(), state, town)
    events = CaseEvent.objects.filter(report=report).count()
    points = PointTransaction.objects.count()
    # when / then
    with pytest.raises(IllegalTransition) as exc:
        do(move, report, town)
    assert exc.value.code == "illegal_transition"
    report.refresh_from_db()
    assert report.status == state
    assert CaseEvent.objects.filter(report=report).count() == events
    assert PointTransaction.objects.count() == points


def test_acceptance_awards_once_and_rejection_awards_nothing(town, make_report):
    accepted = services.report_accept(actor=town.staff_a, report=make_report())
    with pytest.raises(IllegalTransition):
        services.report_accept(actor=town.staff_a, report=accepted)  # the repeated request
    services.report_reject(actor=town.staff_a, report=make_report(), reason="Duplicate")
    assert balance(town.alice) == 5
    assert accepted.award.rule.code == "uncivil_report_accepted"
    assert reconcile() == []


def test_rejection_needs_a_reason_the_reporter_sees(town, make_report):
    report = make_report()
    with pytest.raises(InvalidInput):
        services.report_reject(actor=town.staff_a, report=report, reason="")
    services.report_reject(actor=town.staff_a, report=report, reason="Private land")
    assert Notification.objects.filter(recipient=town.alice, body="Private land").exists()


@pytest.mark.parametrize("who", ["staff_b", "outsider_admin", "bob", "merchant", "alice"])
def test_staff_of_another_community_and_non_staff_cannot_move_a_case(town, make_report, who):
    report = make_report()
    with pytest.raises(OutOfScope):
        services.report_accept(actor=getattr(town, who), report=report)
    with pytest.raises(OutOfScope):
        services.report_reject(actor=getattr(town, who), report=report, reason="x")
    report.refresh_from_db()
    assert report.status == CaseStatus.SUBMITTED


def test_the_town_admin_may_move_any_case_of_the_town(town, make_report):
    report = services.report_accept(actor=town.admin, report=make_report(reporter=town.bob))
    assert report.status == CaseStatus.ACCEPTED


def test_assignment_needs_a_grid_worker_of_the_community_or_a_responsible_party(town, make_report):
    report = to_state(make_report(), CaseStatus.ACCEPTED, town)
    with pytest.raises(InvalidInput) as exc:
        services.report_assign(actor=town.staff_a, report=report)
    assert exc.value.field == "assignee"
    for wrong in (town.staff_b, town.bob):
        with pytest.raises(InvalidInput) as exc:
            services.report_assign(actor=town.staff_a, report=report, assignee=wrong)
        assert exc.value.code == "invalid_assignee"
    report = services.report_assign(
        actor=town.staff_a, report=report, responsible_party="Property company"
    )
    assert report.status == CaseStatus.ASSIGNED


def test_rectification_needs_an_after_photo_and_the_right_person(town, make_report):
    report = to_state(make_report(), CaseStatus.ASSIGNED, town)
    with pytest.raises(InvalidInput) as exc:
        services.report_rectify(actor=town.grid_worker_a, report=report, after_photo=None)
    assert exc.value.field == "after_photo"
    with pytest.raises(OutOfScope):
        services.report_rectify(actor=town.staff_b, report=report, after_photo=upload(jpeg_bytes()))
    report.refresh_from_db()
    assert report.status == CaseStatus.ASSIGNED


def test_only_residents_file_reports_and_photos_lose_their_gps(town, make_report, categories):
    with pytest.raises(OutOfScope):
        make_report(reporter=town.staff_a)
    report = make_report(photos=[upload(jpeg_with_gps())])
    with report.photos.get().image.open("rb") as fh:
        assert b"PhoneMaker" not in fh.read()


def test_publishing_shows_the_case_without_the_reporter_and_adds_the_after_photo(
    client, town, make_report
):
    # given
    report = make_report(photos=[upload(jpeg_bytes())])
    with pytest.raises(IllegalTransition):
        services.report_publish(actor=town.staff_a, report=report, title="t", body="b")
    report = to_state(report, CaseStatus.ASSIGNED, town)
    # when
    post = services.report_publish(
        actor=town.staff_a, report=report, title="Rubbish at gate 3", body="Being cleared."
    )
    # then
    assert post.status == PostStatus.APPROVED and post.section.code == "uncivil_reports"
    assert post.author == town.staff_a and post.photos.count() == 1
    with pytest.raises(AlreadyPublished):
        services.report_publish(actor=town.staff_a, report=report, title="t", body="b")
    do("rectify", report, town)
    assert post.photos.count() == 2
    html = client.get(reverse("posts:share", args=[post.pk])).content.decode()
    assert "Rubbish at gate 3" in html
    assert town.alice.nickname not in html and town.alice.mobile not in html
    api = client.get(f"/api/v1/posts/{post.pk}").json()
    assert town.alice.nickname not in str(api)


def test_a_rejected_report_cannot_be_published(town, make_report):
    report = to_state(make_report(), CaseStatus.REJECTED, town)
    with pytest.raises(IllegalTransition):
        services.report_publish(actor=town.staff_a, report=report, title="t", body="b")


def test_rejecting_a_published_report_reverses_the_award_and_takes_the_post_down(
    client, town, make_report
):
    # given: an accepted report (+5 for alice), published in the square by staff_a
    report = to_state(make_report(photos=[upload(jpeg_bytes())]), CaseStatus.ACCEPTED, town)
    post = services.report_publish(actor=town.staff_a, report=report, title="t", body="b")
    photo_url = post.photos.get().public_url  # the blurred copy the square shows
    assert balance(town.alice) == 5 and client.get(photo_url).status_code == 200
    # when: the town admin rejects it after all
    services.report_reject(actor=town.admin, report=report, reason="Not uncivil after all")
    # then: the award is reversed, the post is down, its photo no longer public
    assert balance(town.alice) == 0
    reversal = PointTransaction.objects.get(reverses=report.award)
    assert reversal.points == -5
    post.refresh_from_db()
    assert post.status == PostStatus.TAKEN_DOWN
    assert client.get(f"/api/v1/posts/{post.pk}").status_code == 404
    assert client.get(photo_url).status_code == 404
    assert reconcile() == []


def test_staff_may_take_down_a_post_they_published_for_a_report(town, make_report):
    # given: staff_a published a case in the square
    from civicpoints.posts.services import post_take_down

    report = to_state(make_report(), CaseStatus.ACCEPTED, town)
    post = services.report_publish(actor=town.staff_a, report=report, title="t", body="b")
    # when
    post = post_take_down(actor=town.staff_a, post=post, reason="Wrong photo")
    # then
    assert post.status == PostStatus.TAKEN_DOWN


def test_the_queue_is_per_community_with_ages_and_overdue_cases(client, town, make_report):
    # given: an old and a new case in A, one in B
    old = make_report(place="Old case")
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=4))
    new = make_report(place="New case")
    theirs = make_report(reporter=town.bob, place="B case")
    # then
    queue = list(selectors.staff_queue(town.staff_a))
    assert queue == [old, new]
    assert [r.is_overdue for r in queue] == [True, False]
    assert list(selectors.staff_queue(town.staff_b)) == [theirs]
    assert set(selectors.staff_queue(town.admin)) == {old, new, theirs}
    client.force_login(town.staff_a)
    html = client.get(reverse("reports:queue")).content.decode()
    assert html.count('class="overdue"') == 1 and "B case" not in html
    with pytest.raises(NotFound):
        selectors.report_for_viewer(town.staff_b, old.pk)
    with pytest.raises(NotFound):
        selectors.report_for_viewer(town.bob, old.pk)


def test_pages_file_and_move_a_case(client, town, categories):
    client.force_login(town.alice)
    r = client.post(
        reverse("reports:new"),
        {
            "category": categories["parking"].pk,
            "place": "Fire lane",
            "body": "<b>Blocked</b> again",
            "photos": [upload(jpeg_bytes())],
        },
    )
    report = Report.objects.get()
    assert r.status_code == 302
    client.force_login(town.staff_a)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "&lt;b&gt;Blocked&lt;/b&gt;" in page
    r = client.post(reverse("reports:move", args=[report.pk, "close"]), {"note": ""})
    assert r.status_code == 422  # illegal move shown on the page
    client.post(reverse("reports:move", args=[report.pk, "accept"]), {"note": "ok"})
    client.post(
        reverse("reports:move", args=[report.pk, "assign"]), {"assignee": town.grid_worker_a.pk}
    )
    client.force_login(town.grid_worker_a)
    r = client.post(
        reverse("reports:move", args=[report.pk, "rectify"]),
        {"after_photo": upload(jpeg_bytes(color="green"))},
    )
    report.refresh_from_db()
    assert r.status_code == 302 and report.status == CaseStatus.RECTIFIED
    client.force_login(town.staff_b)
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404


def test_api_files_and_moves_a_case(client, town, categories):
    client.force_login(town.alice)
    r = client.post(
        "/api/v1/reports",
        {"category": "noise", "place": "Block 5", "body": "Drilling at 2am"},
    )
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    client.force_login(town.staff_b)
    r = client.post(f"/api/v1/staff/reports/{rid}/accept", {}, content_type="application/json")
    assert r.status_code == 404
    client.force_login(town.staff_a)
    r = client.post(f"/api/v1/staff/reports/{rid}/close", {}, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "illegal_transition")
    r = client.post(f"/api/v1/staff/reports/{rid}/accept", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["awarded_points"] == 5
    r = client.post(
        f"/api/v1/staff/reports/{rid}/assign",
        {"assignee_id": town.grid_worker_a.pk},
        content_type="application/json",
    )
    assert r.json()["status"] == "assigned"
    r = client.post(f"/api/v1/staff/reports/{rid}/rectify", {"after_photo": upload(jpeg_bytes())})
    assert r.status_code == 200 and r.json()["status"] == "rectified"
    assert [q["id"] for q in client.get("/api/v1/staff/reports").json()["items"]] == [rid]
