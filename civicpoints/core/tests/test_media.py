"""Uploads of every kind go through one path; /media/ serves them safely and only to
those allowed to see them (core/media.py)."""

import datetime as dt
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from civicpoints.core.media import MediaRefused

JS = b"*/=alert(document.domain);//<script>alert(1)</script>"
STORED = re.compile(r"^[a-z]+/(covers/)?[0-9/]+/[0-9a-f]{32}(_t)?\.jpg$")


def polyglot_gif() -> bytes:
    """A valid GIF that is also JavaScript: its width bytes are ``/*`` and the script
    follows the GIF trailer — served as text/javascript it runs ``alert``."""
    buf = io.BytesIO()
    Image.new("P", (0x2A2F, 1), 0).save(buf, "GIF")
    data = buf.getvalue()
    assert data[6:8] == b"/*" and b"*/" not in data[8:]
    return data + JS


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0xA431] = "SERIAL-12345"  # body serial number
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 9.0)}
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def _url(field_file) -> str:
    return field_file.url


def _assert_media_headers(resp, content_type="image/jpeg"):
    assert resp["Content-Type"] == content_type
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.fixture
def sections(catalog, town):
    from civicpoints.posts.services import sections_ensure_defaults
    from civicpoints.reports.services import categories_ensure_defaults

    categories_ensure_defaults(town.town.pk)
    return {s.code: s for s in sections_ensure_defaults(town.town.pk)}


def test_a_gif_javascript_polyglot_cover_is_stored_and_served_as_a_plain_jpeg(client, town):
    # given: a grid worker's draft article
    client.force_login(town.grid_worker_a)
    pk = client.post(
        "/api/v1/staff/articles",
        {"title": "c", "body_markdown": "c", "community_id": town.a.pk},
        content_type="application/json",
    ).json()["id"]
    # when: the cover is a GIF that is also JavaScript, named like a script
    upload = SimpleUploadedFile("x.js", polyglot_gif(), content_type="text/javascript")
    resp = client.post(f"/api/v1/staff/articles/{pk}/cover", {"cover": upload})
    # then: stored under a random .jpg name as JPEG pixels — no script survives
    assert resp.status_code == 200, resp.content
    from civicpoints.articles.models import Article

    cover = Article.objects.get(pk=pk).cover
    assert STORED.match(cover.name), cover.name
    data = cover.read()
    assert data[:3] == b"\xff\xd8\xff" and b"alert" not in data and b"script" not in data
    # and served as an image that cannot run: nosniff and a sandbox
    served = client.get(resp.json()["cover_url"])
    assert served.status_code == 200
    _assert_media_headers(served)


def test_cover_exif_is_removed(town):
    # given
    from civicpoints.articles.services import article_create

    upload = SimpleUploadedFile("c.jpg", jpeg_with_gps(), content_type="image/jpeg")
    # when
    article = article_create(actor=town.admin, title="t", body_markdown="b", cover=upload)
    # then: no EXIF at all (GPS, camera serial)
    data = article.cover.read()
    assert b"SERIAL-12345" not in data and b"PhoneMaker" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


def test_a_draft_cover_is_served_only_to_staff_who_may_edit_it(client, town):
    # given: a draft with a cover
    from civicpoints.articles.services import article_create, article_publish

    upload = SimpleUploadedFile("c.png", b"", content_type="image/png")
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    upload = SimpleUploadedFile("c.png", buf.getvalue(), content_type="image/png")
    article = article_create(actor=town.admin, title="t", body_markdown="b", cover=upload)
    url = _url(article.cover)
    # then: residents and visitors get 404; the town admin gets it
    assert client.get(url).status_code == 404
    client.force_login(town.alice)
    assert client.get(url).status_code == 404
    client.force_login(town.admin)
    assert client.get(url).status_code == 200
    # when: published, the audience (the town's residents) may see it
    article_publish(actor=town.admin, article_id=article.pk, at=timezone.now())
    client.force_login(town.alice)
    assert client.get(url).status_code == 200
    client.force_login(town.carol)  # another town
    assert client.get(url).status_code == 404


def test_report_evidence_is_served_only_to_those_who_may_open_the_case(client, town, sections):
    # given: alice's report with a photo
    from civicpoints.reports.models import ReportCategory
    from civicpoints.reports.services import report_file

    photo = SimpleUploadedFile("e.jpg", jpeg_with_gps(), content_type="image/jpeg")
    report = report_file(
        reporter=town.alice,
        category=ReportCategory.objects.first(),
        place="Gate 3",
        body="Rubbish again",
        photos=[photo],
    )
    row = report.photos.get()
    urls = [_url(row.image), _url(row.thumbnail)]
    # then
    for url in urls:
        assert client.get(url).status_code == 404  # a visitor
        client.force_login(town.bob)  # another resident
        assert client.get(url).status_code == 404
        client.force_login(town.staff_b)  # staff of another community
        assert client.get(url).status_code == 404
        client.force_login(town.staff_a)
        _assert_media_headers(client.get(url))
        client.force_login(town.alice)
        resp = client.get(url)
        assert resp.status_code == 200 and "private" in resp["Cache-Control"]
        client.logout()


def test_a_pending_posts_photos_are_private_until_approved(client, town, sections):
    # given: alice's pending post with a photo
    from civicpoints.posts import services

    photo = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    post = services.post_create(
        author=town.alice, section=sections["good_deeds"], title="t", body="b", photos=[photo]
    )
    url = _url(post.photos.get().image)
    assert client.get(url).status_code == 404
    client.force_login(town.bob)
    assert client.get(url).status_code == 404
    client.force_login(town.alice)
    assert client.get(url).status_code == 200
    # when: approved, anyone (share previews) may fetch its public copy (faces and
    # plates blurred, issue 19); the original stays with the author and staff
    services.post_approve(actor=town.staff_a, post=post, no_points=True)
    client.logout()
    resp = client.get(_url(post.photos.get().public_image))
    assert resp.status_code == 200 and "public" in resp["Cache-Control"]
    _assert_media_headers(resp)
    assert client.get(url).status_code == 404
    client.force_login(town.alice)
    assert client.get(url).status_code == 200


def test_event_photos_follow_the_event(client, town, catalog):
    # given: a draft event with a photo
    from civicpoints.events import services
    from civicpoints.points.services import rule_get

    start = timezone.now() + dt.timedelta(days=3)
    ev = services.event_create(
        actor=town.staff_a,
        rule=rule_get("volunteer_service", town_id=town.town.pk),
        title="t",
        place="p",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        signup_deadline=start - dt.timedelta(days=1),
        capacity=3,
    )
    photo = services.event_photo_add(
        actor=town.staff_a,
        event=ev,
        upload=SimpleUploadedFile("e.jpg", jpeg_with_gps(), content_type="image/jpeg"),
    )
    url, public = _url(photo.image), _url(photo.public_image)
    client.force_login(town.alice)
    assert client.get(url).status_code == 404 and client.get(public).status_code == 404
    client.force_login(town.staff_a)
    assert client.get(url).status_code == 200 and client.get(public).status_code == 200
    services.event_publish(actor=town.staff_a, event=ev)
    client.force_login(town.alice)
    # the event's audience gets the public (blurred) copy; the original stays with staff
    assert client.get(public).status_code == 200
    assert client.get(url).status_code == 404


def test_storage_refuses_anything_that_did_not_come_through_the_photo_path(db):
    for name, data in [
        ("articles/covers/x.html", b"<script>alert(1)</script>"),
        ("posts/evil.js", b"alert(1)"),
        ("posts/" + "a" * 32 + ".jpg", b"GIF89a not a jpeg"),
    ]:
        with pytest.raises(MediaRefused):
            default_storage.save(name, ContentFile(data))


def test_files_nobody_claims_and_non_image_extensions_are_not_served(client, town, settings):
    # given: files on disk that no row refers to (an old upload, a stray script)
    root = settings.MEDIA_ROOT
    (root / "articles").mkdir(parents=True, exist_ok=True)
    (root / "articles" / "old.gif").write_bytes(polyglot_gif())
    (root / "articles" / "x.html").write_bytes(b"<script>alert(1)</script>")
    client.force_login(town.admin)
    # then
    for path in ["articles/old.gif", "articles/x.html", "../settings.py", "articles/../x.html"]:
        assert client.get("/media/" + path).status_code == 404, path
