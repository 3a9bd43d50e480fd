"""Photo intake: content type, EXIF/GPS removal, resizing, decompression bombs."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from civicpoints.core import photos
from civicpoints.core.photos import PhotoRefused, photo_process
from civicpoints.posts.errors import RuleNotClaimable
from civicpoints.posts.models import PostPhoto
from civicpoints.posts.tests.images import GPS_IFD, jpeg_bytes, jpeg_with_gps, png_bomb, upload


def test_a_photo_with_gps_exif_is_stored_without_it(town, make_post):
    # given: a phone photo that says where it was taken
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the precondition holds
    # when
    post = make_post(photos=[upload(data)])
    # then: neither the photo nor its thumbnail carries any EXIF
    stored = PostPhoto.objects.get(post=post)
    for f in (stored.image, stored.thumbnail):
        with f.open("rb") as fh:
            raw = fh.read()
        img = Image.open(io.BytesIO(raw))
        assert "exif" not in img.info
        assert not img.getexif()
        assert b"PhoneMaker" not in raw


def test_a_20000_by_20000_image_is_refused_from_its_header(monkeypatch):
    # given: a 40 KB PNG declaring 400 million pixels
    data = png_bomb()
    assert len(data) < 200_000

    def never(*a, **kw):
        raise AssertionError("pixel data must not be decoded")

    monkeypatch.setattr(Image.Image, "load", never)
    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    # when / then
    with pytest.raises(PhotoRefused) as exc:
        photo_process(upload(data, "bomb.png", "image/png"))
    assert exc.value.code == "photo_refused"


def test_refusing_the_bomb_does_not_exhaust_memory():
    # given: a fresh process (peak memory of this one is polluted by other tests)
    script = (
        "import django, json, resource; django.setup()\n"
        "from civicpoints.core.photos import photo_process, PhotoRefused\n"
        "from civicpoints.posts.tests.images import png_bomb, upload\n"
        "data = png_bomb()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    photo_process(upload(data, 'bomb.png', 'image/png')); r = 'accepted'\n"
        "except PhotoRefused as e:\n    r = e.code\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps([r, before, after]))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicpoints.settings", "DEBUG": "1"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[3],
        timeout=60,
        check=True,
    )
    result, before_kb, after_kb = json.loads(out.stdout.strip().splitlines()[-1])
    # then: refused, and the peak grew by far less than the 400 MB decoding would take
    assert result == "photo_refused"
    assert after_kb - before_kb < 50_000


def test_pixels_above_the_limit_are_refused_even_below_pillows_bomb_threshold(settings):
    big = Image.new("1", (8000, 6000))  # 48 MP > 40 MP limit, < Pillow's 89 MP warning
    buf = io.BytesIO()
    big.save(buf, "PNG")
    with pytest.raises(PhotoRefused):
        photo_process(upload(buf.getvalue(), "big.png", "image/png"))


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<script>alert(1)</script>", "evil.jpg"),
        (b"%PDF-1.4 not an image", "doc.jpg"),
        (jpeg_bytes()[:200], "truncated.jpg"),
    ],
)
def test_type_is_checked_by_content_not_by_name(data, name):
    with pytest.raises(PhotoRefused):
        photo_process(upload(data, name))


def test_a_png_named_txt_is_accepted_because_its_content_is_an_image():
    buf = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(buf, "PNG")
    out = photo_process(upload(buf.getvalue(), "notes.txt", "text/plain"))
    assert Image.open(io.BytesIO(out.photo.read())).format == "JPEG"


def test_large_photos_are_resized_with_a_thumbnail():
    out = photo_process(upload(jpeg_bytes(size=(4000, 3000))))
    assert (out.width, out.height) == (photos.MAX_EDGE, 1440)
    thumb = Image.open(io.BytesIO(out.thumbnail.read()))
    assert max(thumb.size) == photos.THUMB_EDGE


def test_too_many_bytes_are_refused_before_decoding(settings, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PHOTO_BYTES", 100)
    with pytest.raises(PhotoRefused):
        photo_process(upload(jpeg_bytes()))


def test_at_most_nine_photos_and_a_bad_one_writes_nothing(town, make_post):
    from civicpoints.core.errors import InvalidInput
    from civicpoints.posts.models import Post

    with pytest.raises(InvalidInput) as exc:
        make_post(photos=[upload(jpeg_bytes()) for _ in range(10)])
    assert exc.value.code == "too_many_photos"
    with pytest.raises(PhotoRefused):
        make_post(photos=[upload(jpeg_bytes()), upload(b"nope", "x.jpg")])
    with pytest.raises(RuleNotClaimable):
        make_post(claim="no_such_rule", photos=[upload(jpeg_bytes())])
    assert Post.objects.count() == 0
    post = make_post(photos=[upload(jpeg_bytes()) for _ in range(9)])
    assert post.photos.count() == 9


def test_the_decoding_work_of_one_edit_is_bounded_before_any_photo_is_decoded(
    town, make_post, monkeypatch
):
    # given: alice's post, and nine photos of 13 megapixels each (each under the
    # per-photo limit, 117 megapixels together), a few dozen KB apiece
    from civicpoints.posts import services

    post = make_post()
    bombs = [upload(png_bomb(3600, 3600), name=f"p{i}.png") for i in range(9)]
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda self: decoded.append(self) or real_load(self)
    )
    # when
    with pytest.raises(PhotoRefused) as exc:
        services.post_edit(author=town.alice, post=post, title="t", body="b", add_photos=bombs)
    # then: refused from the headers alone; nothing decoded, nothing written
    assert exc.value.field == "photos"
    assert decoded == []
    assert not PostPhoto.objects.filter(post=post).exists()


def test_a_request_over_the_byte_budget_is_refused_before_decoding():
    # given: five photos of 9 MB each (under the 10 MB per photo), 45 MB together
    files = [upload(jpeg_bytes() + b"\0" * (9 * 1024 * 1024)) for _ in range(5)]
    # when / then
    with pytest.raises(PhotoRefused):
        photos.photos_process(files)
