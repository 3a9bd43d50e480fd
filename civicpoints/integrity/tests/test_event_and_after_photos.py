"""Event record photos and rectification after-photos: hashed on upload (a near repeat
flags them and holds what they would earn), blurred in public, originals for staff."""

import datetime as dt
import io

import numpy as np
from django.urls import reverse
from PIL import Image

from civicpoints.events import services as events
from civicpoints.events.models import EventPhoto, SignUp
from civicpoints.integrity import services
from civicpoints.integrity.models import Flag, FlagKind, HeldAward, HeldStatus, PhotoFingerprint
from civicpoints.integrity.tests.photos import demo_photo, recycled
from civicpoints.integrity.tests.test_decisions import WAITS
from civicpoints.integrity.tests.test_signals import _in
from civicpoints.points.models import PointAccount
from civicpoints.posts.models import PostPhoto
from civicpoints.posts.tests.images import upload
from civicpoints.reports import services as report_services
from civicpoints.reports.models import CaseStatus, PhotoKind, ReportPhoto
from civicpoints.reports.services import categories_ensure_defaults
from civicpoints.reports.tests.test_public_photos import _astronaut_jpeg


def _pixels(field) -> np.ndarray:
    with field.open("rb") as f:
        return np.asarray(Image.open(io.BytesIO(f.read())).convert("RGB"), dtype=np.int16)


def _face_changed_rest_kept(original, public, box: dict) -> None:
    """The face box differs a lot between original and public copy; far from it, the
    two differ only by a JPEG re-encoding."""
    a, b = _pixels(original), _pixels(public)
    x, y, w, h = box["x"], box["y"], box["w"], box["h"]
    face = np.abs(a[y : y + h, x : x + w] - b[y : y + h, x : x + w]).mean()
    rest = np.abs(a[:, x + w + w // 2 :] - b[:, x + w + w // 2 :]).mean()
    assert face > 15 and rest < 3, (face, rest)


def _report(town, photo: bytes):
    from civicpoints.posts.services import sections_ensure_defaults

    sections_ensure_defaults(town.town.pk)  # an accepted report is published in the square
    category = categories_ensure_defaults(town.town.pk)[0]
    report = report_services.report_file(
        reporter=town.alice,
        category=category,
        place="Gate 3",
        body="Rubbish",
        photos=[upload(photo)],
    )
    report = report_services.report_accept(actor=town.staff_a, report=report)
    return report_services.report_assign(
        actor=town.staff_a, report=report, assignee=town.grid_worker_a
    )


# ---------------------------------------------------------------- event photos: blur


def test_an_event_photo_is_blurred_for_the_audience_and_original_for_its_organizers(
    client, town, make_event
):
    # given
    ev = make_event()
    # when
    photo = events.event_photo_add(
        actor=town.staff_a, event=ev, upload=upload(_astronaut_jpeg()), caption="Team"
    )
    # then: one face blurred in the public copy, the rest of the photo as it was
    assert [r["kind"] for r in photo.blurred] == ["face"]
    assert photo.thumbnail and photo.public_image and photo.public_thumbnail
    _face_changed_rest_kept(photo.image, photo.public_image, photo.blurred[0])
    # a resident of the community: the page and the API show the public copy only
    client.force_login(town.alice)
    page = client.get(reverse("events:detail", args=[ev.pk])).content.decode()
    assert photo.public_thumbnail.url in page and photo.public_image.url in page
    assert photo.image.url not in page and photo.thumbnail.url not in page
    api = client.get(f"/api/v1/events/{ev.pk}").json()
    assert api["photos"][0]["url"] == photo.public_image.url
    assert api["photos"][0]["thumbnail_url"] == photo.public_thumbnail.url
    # ... and the media URLs serve the blurred copy, never the original
    served = client.get(photo.public_image.url)
    assert served.status_code == 200
    with photo.public_image.open("rb") as f:
        assert b"".join(served.streaming_content) == f.read()
    assert client.get(photo.image.url).status_code == 404
    assert client.get(photo.thumbnail.url).status_code == 404
    # the organizing staff see the original, with what the public copy hides
    client.force_login(town.staff_a)
    manage = client.get(reverse("events:manage", args=[ev.pk])).content.decode()
    assert photo.image.url in manage and "blur-note" in manage
    assert client.get(photo.image.url).status_code == 200
    # staff of another community may not see this event's photos at all
    client.force_login(town.staff_b)
    assert client.get(photo.public_image.url).status_code == 404


# ---------------------------------------------------------------- event photos: repeats


def test_a_repeated_event_photo_flags_the_event_and_holds_its_attendance_awards(
    client, town, make_event, residents_a, start
):
    # given: last month's event has a photo; this event's organizer posts a crop of it
    data = demo_photo("river clean-up")
    earlier = make_event(title="Last month")
    first = events.event_photo_add(actor=town.staff_a, event=earlier, upload=upload(data))
    ev = make_event(allow_walk_ins=True, capacity=10)
    for r in residents_a[:3]:
        _in(ev, r, start + dt.timedelta(minutes=5))
    # when
    events.event_photo_add(
        actor=town.staff_a, event=ev, upload=upload(recycled(data)["crop 10% a side"])
    )
    # then: a flag on the event, with the earlier event's photo beside it
    flag = Flag.objects.about(ev).get()
    assert flag.kind == FlagKind.PHOTO_REPEAT and flag.community == town.a
    match = flag.evidence["matches"][0]
    assert match["earlier"]["url"] == reverse("events:manage", args=[earlier.pk])
    assert match["earlier"]["thumbnail_url"] == first.thumbnail.url
    assert PhotoFingerprint.objects.count() == 2
    client.force_login(town.staff_a)
    manage = client.get(reverse("events:manage", args=[ev.pk])).content.decode()
    assert "integrity-flags" in manage and first.thumbnail.url in manage
    queue = client.get(reverse("integrity:queue")).content.decode()
    assert reverse("integrity:flag", args=[flag.pk]) in queue
    # completing the event holds every attendance award while the flag is open
    before = {r.pk: PointAccount.objects.get(resident=r).balance for r in residents_a[:3]}
    events.event_complete(actor=town.staff_a, event=ev, at=start + dt.timedelta(hours=3))
    signups = SignUp.objects.filter(event=ev).order_by("pk")
    assert [s.points_awarded for s in signups] == [0, 0, 0]
    assert {s.award_note for s in signups} == {WAITS}
    assert HeldAward.objects.filter(also_id=str(ev.pk), status=HeldStatus.HELD).count() == 3
    detail = client.get(reverse("integrity:flag", args=[flag.pk])).content.decode()
    assert residents_a[0].nickname in detail  # the held awards, whose they are
    # a false flag: cleared with why, the held awards are written and counted
    services.flag_clear(actor=town.staff_a, flag=flag, why="The same river; a new clean-up.")
    for s in SignUp.objects.filter(event=ev):
        assert s.points_awarded > 0 and s.award_note == ""
        assert PointAccount.objects.get(resident=s.resident).balance == (
            before[s.resident_id] + s.points_awarded
        )
    assert not HeldAward.objects.filter(status=HeldStatus.HELD).exists()


def test_an_award_held_by_the_event_and_a_late_check_in_waits_for_both_flags(
    town, make_event, residents_a, start
):
    # given: a repeated record photo flags the event ...
    data = demo_photo("swept square")
    events.event_photo_add(actor=town.staff_a, event=make_event(title="Old"), upload=upload(data))
    ev = make_event(allow_walk_ins=True, capacity=10)
    events.event_photo_add(
        actor=town.staff_a, event=ev, upload=upload(recycled(data)["resize to 50%"])
    )
    # ... and alice checks in after most attendees left
    for r in residents_a[:4]:
        _in(ev, r, start + dt.timedelta(minutes=5))
    from civicpoints.integrity.tests.test_signals import _out

    for r in residents_a[:3]:
        _out(ev, r, start + dt.timedelta(hours=1))
    late = _in(ev, town.alice, start + dt.timedelta(hours=2, minutes=50))
    events.event_complete(actor=town.staff_a, event=ev, at=start + dt.timedelta(hours=3))
    event_flag = Flag.objects.about(ev).get()
    late_flag = Flag.objects.about(late).get()
    # when: the event's flag is cleared
    services.flag_clear(actor=town.staff_a, flag=event_flag, why="A new photo of the same place.")
    # then: the others are paid, alice's award still waits for her own flag
    late.refresh_from_db()
    assert late.points_awarded == 0
    assert SignUp.objects.get(event=ev, resident=residents_a[0]).points_awarded > 0
    held = HeldAward.objects.get(resident=town.alice)
    assert held.status == HeldStatus.HELD
    # when: upheld, it is withheld for good
    services.flag_uphold(actor=town.staff_a, flag=late_flag, why="Code passed on in a group.")
    held.refresh_from_db()
    assert held.status == HeldStatus.WITHHELD


def test_upholding_an_event_photo_flag_withholds_its_attendance_awards(
    town, make_event, residents_a, start
):
    # given
    data = demo_photo("planted trees")
    events.event_photo_add(actor=town.staff_a, event=make_event(title="Old"), upload=upload(data))
    ev = make_event(allow_walk_ins=True, capacity=10)
    _in(ev, residents_a[0], start + dt.timedelta(minutes=5))
    events.event_photo_add(
        actor=town.staff_a, event=ev, upload=upload(recycled(data)["recompress q30"])
    )
    events.event_complete(actor=town.staff_a, event=ev, at=start + dt.timedelta(hours=3))
    before = PointAccount.objects.get(resident=residents_a[0]).balance
    # when
    services.flag_uphold(
        actor=town.staff_a, flag=Flag.objects.about(ev).get(), why="No such event took place."
    )
    # then
    assert HeldAward.objects.get().status == HeldStatus.WITHHELD
    assert PointAccount.objects.get(resident=residents_a[0]).balance == before


def test_a_fresh_event_photo_is_not_flagged(town, make_event):
    events.event_photo_add(
        actor=town.staff_a, event=make_event(title="Old"), upload=upload(demo_photo("a"))
    )
    ev = make_event()
    events.event_photo_add(actor=town.staff_a, event=ev, upload=upload(demo_photo("b", seed=7)))
    assert not Flag.objects.about(ev).exists() and EventPhoto.objects.count() == 2


# ---------------------------------------------------------------- rectification photos


def test_a_rectification_photo_repeating_the_cases_own_evidence_is_flagged(client, town):
    # given: a case whose evidence shows bags of rubbish
    data = demo_photo("bags by the gate")
    report = _report(town, data)
    # when: the grid worker sends a crop of that same photo as "after"
    report = report_services.report_rectify(
        actor=town.grid_worker_a,
        report=report,
        after_photo=upload(recycled(data)["crop 5% a side"]),
    )
    # then: the after photo is flagged, the evidence photo beside it, on the case page
    after = ReportPhoto.objects.get(report=report, kind=PhotoKind.AFTER)
    evidence = ReportPhoto.objects.get(report=report, kind=PhotoKind.EVIDENCE)
    flag = Flag.objects.about(after).get()
    assert flag.kind == FlagKind.PHOTO_REPEAT and flag.resident == town.grid_worker_a
    assert flag.community == town.a
    assert flag.subject_url == reverse("reports:detail", args=[report.pk])
    assert flag.evidence["matches"][0]["earlier"]["thumbnail_url"] == evidence.thumbnail.url
    client.force_login(town.staff_a)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "integrity-flags" in page and evidence.thumbnail.url in page
    assert (
        reverse("integrity:flag", args=[flag.pk])
        in client.get(reverse("integrity:queue")).content.decode()
    )
    # the reporter sees no flag
    client.force_login(town.alice)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "integrity-flags" not in page


def test_a_fresh_rectification_photo_is_not_flagged(town):
    report = _report(town, demo_photo("bags by the gate"))
    report = report_services.report_rectify(
        actor=town.grid_worker_a, report=report, after_photo=upload(demo_photo("clean", seed=9))
    )
    after = ReportPhoto.objects.get(report=report, kind=PhotoKind.AFTER)
    assert not Flag.objects.about(after).exists() and not Flag.objects.about(report).exists()
    assert PhotoFingerprint.objects.count() == 2


def test_a_rectification_photo_is_blurred_for_the_reporter_and_in_the_square(client, town):
    # given: a published case
    report = _report(town, demo_photo("bags by the gate"))
    post = report_services.report_publish(actor=town.staff_a, report=report, title="Gate", body="b")
    # when: rectified with a photo that shows a face
    report = report_services.report_rectify(
        actor=town.grid_worker_a, report=report, after_photo=upload(_astronaut_jpeg())
    )
    # then
    after = ReportPhoto.objects.get(report=report, kind=PhotoKind.AFTER)
    assert report.status == CaseStatus.RECTIFIED
    assert [r["kind"] for r in after.blurred] == ["face"]
    _face_changed_rest_kept(after.image, after.public_image, after.blurred[0])
    # the square (anyone, signed in or not) shows and serves only the blurred copy
    pp = PostPhoto.objects.get(post=post, image=after.image.name)
    assert pp.public_image.name == after.public_image.name
    client.logout()
    for page in ("posts:share", "posts:detail"):
        html = client.get(reverse(page, args=[post.pk])).content.decode()
        assert after.public_thumbnail.url in html
        assert after.image.url not in html and after.thumbnail.url not in html
    served = client.get(after.public_image.url)
    assert served.status_code == 200
    with after.public_image.open("rb") as f:
        assert b"".join(served.streaming_content) == f.read()
    assert client.get(after.image.url).status_code == 404
    # the reporter's case page shows the blurred copy; the case staff the original
    client.force_login(town.alice)
    html = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert after.public_thumbnail.url in html and after.image.url not in html
    client.force_login(town.staff_a)
    html = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert after.image.url in html


def test_event_photos_stored_before_blurring_get_their_public_copy_from_the_command(
    client, town, make_event
):
    # given: an event photo row from before this feature (no thumbnail, no public copy)
    from django.core.management import call_command

    ev = make_event()
    photo = events.event_photo_add(actor=town.staff_a, event=ev, upload=upload(_astronaut_jpeg()))
    EventPhoto.objects.filter(pk=photo.pk).update(
        thumbnail="", public_image="", public_thumbnail="", blurred=[]
    )
    photo.refresh_from_db()
    client.force_login(town.alice)
    assert client.get(photo.image.url).status_code == 200  # the documented fallback
    # when
    out = io.StringIO()
    call_command("photos_blur", stdout=out)
    # then: the public copy exists, the audience is served it and no longer the original
    photo.refresh_from_db()
    assert photo.public_image and [r["kind"] for r in photo.blurred] == ["face"]
    assert "1 public copies" in out.getvalue()
    assert client.get(photo.public_image.url).status_code == 200
    assert client.get(photo.image.url).status_code == 404
