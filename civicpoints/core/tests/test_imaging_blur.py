"""Public renditions: faces (and plates) blurred on a real photograph, the rest untouched."""

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data

from civicpoints.core import imaging

# The astronaut's face in skimage.data.astronaut() (512 × 512), measured by hand:
# forehead to chin and ear to ear lie inside this box (x0, y0, x1, y1).
FACE_BOX = (180, 70, 270, 165)


def _astronaut() -> Image.Image:
    return Image.fromarray(data.astronaut())


def _jpeg(img: Image.Image, quality=95) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _grown_mask(shape, regions) -> np.ndarray:
    mask = np.zeros(shape[:2], dtype=bool)
    for r in regions:
        mx, my = int(r.w * imaging.MARGIN), int(r.h * imaging.MARGIN)
        mask[max(0, r.y - my) : r.y + r.h + my, max(0, r.x - mx) : r.x + r.w + mx] = True
    return mask


def _detail(a: np.ndarray) -> float:
    """Mean step between neighbouring pixels: high for eyes, mouth and edges, low when blurred."""
    return float(np.abs(np.diff(a, axis=0)).mean() + np.abs(np.diff(a, axis=1)).mean())


def test_the_astronauts_face_is_found_and_nothing_else():
    # given
    img = _astronaut()
    # when
    regions = imaging.detect_sensitive(img)
    # then: one face, covering the hand-measured face box
    assert [r.kind for r in regions] == ["face"]
    r = regions[0]
    x0, y0, x1, y1 = FACE_BOX
    assert r.x <= x0 + 10 and r.y <= y0 + 10
    assert r.x + r.w >= x1 - 10 and r.y + r.h >= y1 - 10


def test_blurring_changes_the_face_and_leaves_every_other_pixel_alone():
    # given
    img = _astronaut()
    before = np.asarray(img).astype(int)
    regions = imaging.detect_sensitive(img)
    # when
    after = np.asarray(imaging.blur_regions(img, regions)).astype(int)
    # then: the face is unrecognisable (large change, detail gone) ...
    x0, y0, x1, y1 = FACE_BOX
    face_before, face_after = before[y0:y1, x0:x1], after[y0:y1, x0:x1]
    assert np.abs(face_after - face_before).mean() > 15
    assert _detail(face_after) < _detail(face_before) * 0.3  # fine detail (edges) gone
    assert imaging.detect_sensitive(Image.fromarray(after.astype(np.uint8))) == []
    # ... and outside the blurred box not one pixel differs
    outside = ~_grown_mask(before.shape, regions)
    assert outside.sum() > 0.8 * outside.size
    assert np.array_equal(before[outside], after[outside])


def test_the_public_rendition_of_a_jpeg_blurs_the_face_and_keeps_the_rest():
    # given: the photograph as the upload pipeline stores it (a JPEG)
    original = _jpeg(_astronaut())
    # when
    pub = imaging.public_rendition(original, stem="abc")
    # then
    assert pub.photo.name == "abc_p.jpg" and pub.thumbnail.name == "abc_pt.jpg"
    assert [r.kind for r in pub.regions] == ["face"]
    before = np.asarray(Image.open(io.BytesIO(original)).convert("RGB")).astype(int)
    after = np.asarray(Image.open(io.BytesIO(pub.photo.read())).convert("RGB")).astype(int)
    x0, y0, x1, y1 = FACE_BOX
    assert np.abs(after[y0:y1, x0:x1] - before[y0:y1, x0:x1]).mean() > 15
    outside = ~_grown_mask(before.shape, pub.regions)
    # only JPEG re-encoding noise outside the face
    assert np.abs(after[outside] - before[outside]).mean() < 2.5
    assert max(Image.open(io.BytesIO(pub.thumbnail.read())).size) <= imaging.THUMB_EDGE


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket"])
def test_a_photo_without_people_or_cars_is_published_unchanged(name):
    # given: other photographs that ship with scikit-image (a cup, a cat, a rocket)
    img = Image.fromarray(getattr(data, name)())
    # when
    regions = imaging.detect_sensitive(img)
    # then
    assert regions == []
    assert np.array_equal(np.asarray(imaging.blur_regions(img, regions)), np.asarray(img))


def test_a_plate_shaped_region_is_blurred_like_a_face():
    # given: a plate region handed in (the cascade's own hits are covered above)
    img = Image.fromarray(data.rocket())
    plate = imaging.Region("plate", 100, 200, 120, 30)
    # when
    out = np.asarray(imaging.blur_regions(img, [plate])).astype(int)
    # then
    src = np.asarray(img).astype(int)
    assert np.abs(out[200:230, 100:220] - src[200:230, 100:220]).mean() > 1
    assert np.array_equal(out[:190], src[:190])
