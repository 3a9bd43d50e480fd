"""Report and post photos in public have faces blurred; staff handling the case see originals."""

import io

from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from skimage import data

from civicpoints.posts.models import PostPhoto
from civicpoints.posts.tests.images import upload
from civicpoints.reports import services
from civicpoints.reports.models import CaseStatus, ReportPhoto
from civicpoints.reports.tests.test_workflow import to_state


def _astronaut_jpeg() -> bytes:
    """A real photograph with one face (scikit-image's astronaut, 512 × 512)."""
    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def test_a_report_photo_gets_a_blurred_public_copy_and_keeps_its_original(town, make_report):
    # when
    report = make_report(photos=[upload(_astronaut_jpeg())])
    # then
    ph = ReportPhoto.objects.get(report=report)
    assert [r["kind"] for r in ph.blurred] == ["face"]
    assert ph.public_image and ph.public_thumbnail and ph.image
    assert ph.public_image.name != ph.image.name
    with ph.image.open("rb") as a, ph.public_image.open("rb") as b:
        assert a.read() != b.read()


def test_the_reporter_sees_the_blurred_copy_and_the_case_staff_the_original(
    client, town, make_report
):
    # given
    report = make_report(photos=[upload(_astronaut_jpeg())])
    ph = ReportPhoto.objects.get(report=report)
    url = reverse("reports:detail", args=[report.pk])
    # when / then: the reporter
    client.force_login(town.alice)
    html = client.get(url).content.decode()
    assert ph.public_thumbnail.url in html and ph.image.url not in html
    api = client.get(f"/api/v1/reports/{report.pk}").json()
    assert api["photos"][0]["url"] == ph.public_image.url and "original_url" not in api["photos"][0]
    # ... the community's staff, with what the public copy hides
    client.force_login(town.staff_a)
    html = client.get(url).content.decode()
    assert ph.image.url in html and ph.public_image.url in html
    assert "1" in html and "blur-note" in html
    api = client.get(f"/api/v1/reports/{report.pk}").json()
    assert api["photos"][0]["original_url"] == ph.image.url


def test_a_published_report_shows_only_blurred_photos_in_the_square(client, town, make_report):
    # given
    report = to_state(make_report(photos=[upload(_astronaut_jpeg())]), CaseStatus.ASSIGNED, town)
    ph = ReportPhoto.objects.get(report=report)
    # when
    post = services.report_publish(actor=town.staff_a, report=report, title="Gate 3", body="b")
    # then: the post shares the report's files, public copies included
    pp = PostPhoto.objects.get(post=post)
    assert pp.public_image.name == ph.public_image.name and pp.blurred == ph.blurred
    for page in ("posts:share", "posts:detail"):
        html = client.get(reverse(page, args=[post.pk])).content.decode()
        assert ph.public_thumbnail.url in html
        assert ph.image.url not in html and ph.thumbnail.url not in html
    api = client.get(f"/api/v1/posts/{post.pk}").json()
    assert api["photos"][0]["url"] == ph.public_image.url


def test_photos_stored_before_blurring_get_their_public_copy_from_the_command(town, make_report):
    # given: a photo row from before this feature (no public copy)
    report = make_report(photos=[upload(_astronaut_jpeg())])
    rows = ReportPhoto.objects.filter(report=report)
    rows.update(public_image="", public_thumbnail="", blurred=[])
    ph = ReportPhoto.objects.get(report=report)
    assert ph.public_url == ph.image.url  # the documented fallback until the command runs
    # when
    out = io.StringIO()
    call_command("photos_blur", stdout=out)
    call_command("photos_blur", stdout=out)
    # then
    ph.refresh_from_db()
    assert ph.public_image and [r["kind"] for r in ph.blurred] == ["face"]
    assert "1 public copies" in out.getvalue() and "0 public copies" in out.getvalue()
