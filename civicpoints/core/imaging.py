"""Image analysis for photos already cleaned by ``core.photos``: blurring and fingerprints.

Two things live here, apart from the upload pipeline so that the two can change
independently:

* **Public renditions.** A report or post photo shown in public has faces and
  licence plates blurred. Detection uses the Haar cascades that
  ``opencv-python-headless`` ships in ``cv2.data.haarcascades`` (frontal
  faces, Russian-style plates — the closest shipped plate model to the
  Chinese blue/yellow plates); nothing is downloaded at run time. Every region
  found is pixelated and then blurred, a margin around it included; every pixel
  outside the regions is left exactly as it was. The original stays in storage
  for the staff who handle the case.
* **Perceptual fingerprints.** ``photo_fingerprint`` gives 64-bit DCT
  perceptual hashes (``imagehash.phash``) of the whole photo, of centred
  crops of 90, 80, 70 and 60 % a side and of 90 and 80 % crops towards each
  corner. A recompressed or resized copy keeps the whole-photo hash within a
  few bits; a copy cropped at the edges matches the original's crop of about
  the same share.

Haar cascades are a classical detector: they find upright, roughly frontal
faces and plates of a few dozen pixels and more, and they miss faces turned far
away, very small or heavily shadowed. The rendition records what it blurred
(``regions``) so staff can see it; it is a safeguard, not a guarantee.
"""

from __future__ import annotations

import io
import secrets
import threading
from dataclasses import dataclass
from typing import IO, Any, Protocol

import cv2
import imagehash
import numpy as np
from django.core.files.base import ContentFile
from PIL import Image

from civicpoints.core.photos import ProcessedPhoto

DETECT_EDGE = 800  # pixels: detection runs on a copy at most this long (speed; faces stay > 24 px)
SCALE_STEP = 1.15  # detectMultiScale's scaleFactor: 1.1 finds ~the same faces 1.7x slower
MARGIN = 0.15  # each region is grown by this share of its size on every side
PIXEL_BLOCKS = 6  # a blurred region is first reduced to about this many blocks across
JPEG_QUALITY = 85
THUMB_EDGE = 400  # pixels, as core.photos.THUMB_EDGE

# (kind, cascade file, minNeighbors, min size in detection pixels)
CASCADES = (
    # alt2 finds the same frontal faces as "default" with fewer false hits on textures.
    ("face", "haarcascade_frontalface_alt2.xml", 5, 24),
    ("plate", "haarcascade_russian_plate_number.xml", 5, 30),
)

_local = threading.local()  # CascadeClassifier objects are not shared between threads


@dataclass(frozen=True)
class Region:
    """A detected face or plate: kind (``face``/``plate``) and a box in photo pixels."""

    kind: str
    x: int
    y: int
    w: int
    h: int

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclass(frozen=True)
class PublicRendition:
    """The photo to show in public (JPEG) and its thumbnail, and the regions blurred in them."""

    photo: ContentFile[bytes]
    thumbnail: ContentFile[bytes]
    regions: tuple[Region, ...]


def _classifiers() -> list[tuple[str, cv2.CascadeClassifier, int, int]]:
    loaded = getattr(_local, "classifiers", None)
    if loaded is None:
        loaded = []
        for kind, filename, neighbours, min_size in CASCADES:
            clf = cv2.CascadeClassifier(cv2.data.haarcascades + filename)  # type: ignore[attr-defined]
            if clf.empty():  # a broken install must not silently publish unblurred faces
                raise RuntimeError(f"OpenCV cascade {filename} is missing or unreadable")
            loaded.append((kind, clf, neighbours, min_size))
        _local.classifiers = loaded
    return loaded


def detect_sensitive(img: Image.Image) -> list[Region]:
    """Faces and licence plates in ``img`` (any PIL mode), as boxes in ``img``'s pixels.

    Runs on a grey, histogram-equalised copy whose long edge is at most
    ``DETECT_EDGE`` pixels; the boxes are scaled back. Returns [] when nothing is found.
    """
    rgb = np.asarray(img.convert("RGB"))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    scale = min(1.0, DETECT_EDGE / max(grey.shape))
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    grey = cv2.equalizeHist(grey)
    found: list[Region] = []
    for kind, clf, neighbours, min_size in _classifiers():
        boxes = clf.detectMultiScale(
            grey, scaleFactor=SCALE_STEP, minNeighbors=neighbours, minSize=(min_size, min_size)
        )
        for x, y, w, h in boxes:
            found.append(
                Region(kind, int(x / scale), int(y / scale), int(w / scale), int(h / scale))
            )
    return found


def blur_regions(img: Image.Image, regions: list[Region] | tuple[Region, ...]) -> Image.Image:
    """A copy of ``img`` (RGB) with each region, plus ``MARGIN``, pixelated then blurred.

    Pixels outside the grown regions are copied unchanged.
    """
    out = np.array(img.convert("RGB"))  # a writable copy
    height, width = out.shape[:2]
    for r in regions:
        mx, my = int(r.w * MARGIN), int(r.h * MARGIN)
        x0, y0 = max(0, r.x - mx), max(0, r.y - my)
        x1, y1 = min(width, r.x + r.w + mx), min(height, r.y + r.h + my)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        patch = out[y0:y1, x0:x1]
        small = cv2.resize(
            patch,
            (max(1, min(PIXEL_BLOCKS, x1 - x0)), max(1, min(PIXEL_BLOCKS, y1 - y0))),
            interpolation=cv2.INTER_AREA,
        )
        blocky = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
        k = max(3, (min(x1 - x0, y1 - y0) // 2) | 1)  # odd kernel, half the region
        out[y0:y1, x0:x1] = cv2.GaussianBlur(blocky, (k, k), 0)
    return Image.fromarray(out)


def _jpeg(img: Image.Image, name: str) -> ContentFile[bytes]:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(buf.getvalue(), name=name)


PhotoSource = bytes | IO[bytes]


def _open(photo: PhotoSource) -> Image.Image:
    data = photo if isinstance(photo, bytes) else _read(photo)
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.convert("RGB")


def _read(f: IO[bytes]) -> bytes:
    f.seek(0)
    data: bytes = f.read()
    f.seek(0)
    return data


def public_rendition(photo: PhotoSource, *, stem: str) -> PublicRendition:
    """The public version of a cleaned photo (bytes or a file such as ``ProcessedPhoto.photo``).

    Returns JPEG files named ``<stem>_p.jpg`` and ``<stem>_pt.jpg`` (thumbnail,
    at most ``THUMB_EDGE`` pixels) and the regions blurred. When nothing is
    detected the rendition is still written, so public pages never fall back to
    the original.
    """
    img = _open(photo)
    regions = tuple(detect_sensitive(img))
    public = blur_regions(img, regions) if regions else img
    thumb = public.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    return PublicRendition(
        photo=_jpeg(public, f"{stem}_p.jpg"),
        thumbnail=_jpeg(thumb, f"{stem}_pt.jpg"),
        regions=regions,
    )


# ---------------------------------------------------------------- perceptual fingerprints

HASH_BITS = 64
NEAR_DISTANCE = 10  # Hamming bits (of 64) at or under which two hashes are "the same photo"
# The photo is also hashed cropped to these boxes — (share of each side kept, where the
# box sits horizontally and vertically: 0 left/top, 0.5 centred, 1 right/bottom) — so
# a copy cropped at the edges, evenly or towards a corner, matches one of them.
CROPS = (
    (0.9, 0.5, 0.5),
    (0.8, 0.5, 0.5),
    (0.7, 0.5, 0.5),
    (0.6, 0.5, 0.5),
    *((share, ax, ay) for share in (0.9, 0.8) for ax in (0, 1) for ay in (0, 1)),
)
PLAIN_STD = 6.0  # grey-level spread under which a photo is too plain to compare


@dataclass(frozen=True)
class Fingerprint:
    """Perceptual hashes (16 hex digits each): the whole photo, then its centred crops
    (``CROPS``). ``plain``: a near-uniform picture (a wall, a blank) whose hashes
    say nothing; it is never compared."""

    hashes: tuple[str, ...]
    plain: bool = False

    @property
    def whole(self) -> str:
        return self.hashes[0]

    def serialize(self) -> str:
        return " ".join(self.hashes)

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        return cls(tuple(text.split()))


def photo_fingerprint(photo: PhotoSource | Image.Image) -> Fingerprint:
    """Perceptual hashes of a photo (bytes, a file or a PIL image)."""
    img = photo if isinstance(photo, Image.Image) else _open(photo)
    w, h = img.size
    hashes = [str(imagehash.phash(img))]
    for share, ax, ay in CROPS:
        cw, ch = int(w * share), int(h * share)
        x0, y0 = int((w - cw) * ax), int((h - ch) * ay)
        hashes.append(str(imagehash.phash(img.crop((x0, y0, x0 + cw, y0 + ch)))))
    plain = float(np.asarray(img.convert("L"), dtype=np.float32).std()) < PLAIN_STD
    return Fingerprint(tuple(hashes), plain=plain)


def hash_distance(a: str, b: str) -> int:
    """Hamming distance in bits between two hex hashes of equal length."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def fingerprint_distance(a: Fingerprint, b: Fingerprint) -> int:
    """The smallest distance between one photo as a whole and the other whole or cropped.

    A resized or recompressed copy matches whole to whole; a copy cropped at the
    edges matches the original's crop of about the same share (``a.whole`` vs one
    of ``b.hashes``, or the reverse).
    """
    return min(
        min(hash_distance(a.whole, h) for h in b.hashes),
        min(hash_distance(h, b.whole) for h in a.hashes),
    )


@dataclass(frozen=True)
class PreparedPhoto:
    """A cleaned upload (``core.photos.ProcessedPhoto``) with its public rendition and hashes."""

    processed: ProcessedPhoto
    public: PublicRendition
    fingerprint: Fingerprint


def photo_prepare(processed: ProcessedPhoto) -> PreparedPhoto:
    """Blur and fingerprint a photo that ``core.photos.photo_process`` has cleaned.

    Slow (a few hundred ms per photo on a busy CPU): call it before opening the
    transaction that saves the photo.
    """
    stem = (processed.photo.name or "photo").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return PreparedPhoto(
        processed=processed,
        public=public_rendition(processed.photo, stem=stem),
        fingerprint=photo_fingerprint(processed.photo),
    )


class _PhotoRow(Protocol):
    image: Any
    public_image: Any
    public_thumbnail: Any
    blurred: Any

    def save(self, *, update_fields: list[str]) -> None: ...


def photo_row_blur(row: _PhotoRow) -> bool:
    """Give a stored photo row (fields ``image``, ``public_image``, ``public_thumbnail``,
    ``blurred``) its public rendition if it has none; True when one was written.

    For photos stored before blurring existed (``manage.py photos_blur``). The
    row is saved with ``update_fields`` only; the original file is untouched.
    """
    if row.public_image:
        return False
    with row.image.open("rb") as f:
        data = f.read()
    # A fresh random stem: media names are ``<32 hex>[_suffix].jpg`` (core.media), and a
    # copy made earlier and since unlinked from the row may still hold the old name.
    stem = secrets.token_hex(16)
    pub = public_rendition(data, stem=stem)
    row.public_image.save(pub.photo.name, pub.photo, save=False)
    row.public_thumbnail.save(pub.thumbnail.name, pub.thumbnail, save=False)
    row.blurred = [r.as_dict() for r in pub.regions]
    row.save(update_fields=["public_image", "public_thumbnail", "blurred"])
    return True
