"""Photo intake through Pillow: the one way in for every uploaded image.

Article covers, post, report and event photos and rectification evidence all
come through here; ``core.media.MediaStorage`` refuses to store anything else
(see ``core/media.py`` for how the results are served).

Every uploaded photo is:
  * limited in bytes (``MAX_PHOTO_BYTES``, or the caller's smaller limit) before
    anything is decoded;
  * identified by its content (Pillow's format sniffing), never by its name or
    the browser's content type; only JPEG, PNG, WebP and GIF are accepted;
  * limited in pixels (``MAX_PHOTO_PIXELS``) from the header alone, before the
    pixel data is decoded, so a decompression bomb (a tiny file declaring
    20,000 × 20,000 pixels) is refused without allocating its memory;
  * re-encoded from pixels only: EXIF (GPS above all), XMP, ICC and text chunks
    are not carried over; the EXIF orientation is applied first so the photo
    still stands upright;
  * resized to at most ``MAX_EDGE`` pixels on its long edge, plus a thumbnail
    of at most ``THUMB_EDGE``; a JPEG is decoded straight at a reduced scale
    (libjpeg's DCT scaling, ``Image.draft``) when it is much larger than that;
  * stored as JPEG under a random name, ``<32 hex>.jpg`` (``<32 hex>_t.jpg``
    for the thumbnail): the extension is that of the format we wrote.

Decoding work per request is bounded too: ``photos_process`` checks the sum of
bytes (``MAX_REQUEST_BYTES``) and of declared pixels (``MAX_REQUEST_PIXELS``) of
all the photos of one request from their headers before decoding any of them.
"""

from __future__ import annotations

import io
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from civicpoints.core.errors import InvalidInput

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # bytes per photo as uploaded
MAX_PHOTO_PIXELS = 40_000_000  # width × height declared by the file (a 48 MP phone: resize first)
MAX_EDGE = 1920  # pixels, long edge of the stored photo
THUMB_EDGE = 400  # pixels, long edge of the thumbnail
JPEG_QUALITY = 85
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# One request (a post with 9 photos) may bring nine 12-megapixel phone photos, no more:
MAX_REQUEST_BYTES = 40 * 1024 * 1024  # bytes of all the photos of one request
MAX_REQUEST_PIXELS = 110_000_000  # declared pixels of all the photos of one request


class PhotoRefused(InvalidInput):
    code = "photo_refused"
    default_detail = _("This photo cannot be used.")


@dataclass(frozen=True)
class ProcessedPhoto:
    """A cleaned photo: JPEG bytes of the photo and of its thumbnail, and its size in pixels."""

    photo: ContentFile[bytes]
    thumbnail: ContentFile[bytes]
    width: int
    height: int


def _encode(img: Image.Image, name: str) -> ContentFile[bytes]:
    buf = io.BytesIO()
    # Saved from pixels with no exif=/icc_profile= arguments: no metadata survives.
    img.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(buf.getvalue(), name=name)


def _size_of(upload: IO[bytes]) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    return size


def _header(upload: IO[bytes], field: str) -> Image.Image:
    """Open ``upload`` reading its header only (no pixel data decoded)."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(upload, formats=sorted(ACCEPTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(_("This photo has too many pixels."), field=field) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PhotoRefused(
            _("This file is not a JPEG, PNG, WebP or GIF photo."), field=field
        ) from None


def photo_process(
    upload: IO[bytes], *, field: str = "photos", max_bytes: int = MAX_PHOTO_BYTES
) -> ProcessedPhoto:
    """Check and clean one uploaded photo (a Django ``UploadedFile`` or any binary file object).

    Args:
        field: the form/API field named in errors.
        max_bytes: the largest upload taken (bytes; at most ``MAX_PHOTO_BYTES``).

    Returns:
        ProcessedPhoto with JPEG content files named ``<uuid>.jpg`` / ``<uuid>_t.jpg``.

    Raises:
        PhotoRefused (422, code ``photo_refused``, ``field``): too many bytes, not
        an image of an accepted type, more than ``MAX_PHOTO_PIXELS`` pixels
        (decompression bombs included), or a truncated/corrupt file.
    """
    max_bytes = min(max_bytes, MAX_PHOTO_BYTES)
    if _size_of(upload) > max_bytes:
        raise PhotoRefused(
            _("A photo may be at most %(mb)d MB.") % {"mb": max(1, max_bytes // (1024 * 1024))},
            field=field,
        )
    img = _header(upload, field)
    if img.width * img.height > MAX_PHOTO_PIXELS:
        raise PhotoRefused(
            _("This photo has too many pixels (%(w)d × %(h)d).")
            % {"w": img.width, "h": img.height},
            field=field,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.seek(0)  # the first frame of an animated GIF
            if img.format == "JPEG":
                # decode at 1/2, 1/4 or 1/8 scale when that still covers MAX_EDGE
                scale = MAX_EDGE / max(img.width, img.height)
                if scale < 1:
                    img.draft("RGB", (round(img.width * scale), round(img.height * scale)))
            img.load()
            img = ImageOps.exif_transpose(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(_("This photo has too many pixels."), field=field) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # UnidentifiedImageError is an OSError; truncated data raises OSError/SyntaxError.
        raise PhotoRefused(
            _("This file is not a JPEG, PNG, WebP or GIF photo."), field=field
        ) from None
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, (255, 255, 255))
        img.paste(rgba, mask=rgba.getchannel("A"))
    elif img.mode != "RGB":
        img = img.convert("RGB")
    img.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    thumb = img.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    stem = uuid.uuid4().hex
    return ProcessedPhoto(
        photo=_encode(img, f"{stem}.jpg"),
        thumbnail=_encode(thumb, f"{stem}_t.jpg"),
        width=img.width,
        height=img.height,
    )


def photos_process(uploads: Iterable[IO[bytes]], *, field: str = "photos") -> list[ProcessedPhoto]:
    """Check and clean all the photos of one request, bounding the work first.

    Before any pixel is decoded, the uploads' sizes must add up to at most
    ``MAX_REQUEST_BYTES`` and their declared pixels (read from the headers) to
    at most ``MAX_REQUEST_PIXELS``; then each goes through ``photo_process``.
    Nothing is written here, so a refusal leaves nothing behind.

    Raises: PhotoRefused (field ``field``): over either bound, or any photo refused.
    """
    uploads = list(uploads)
    if sum(_size_of(u) for u in uploads) > MAX_REQUEST_BYTES:
        raise PhotoRefused(
            _("These photos are larger than %(mb)d MB together.")
            % {"mb": MAX_REQUEST_BYTES // (1024 * 1024)},
            field=field,
        )
    pixels = 0
    for upload in uploads:
        img = _header(upload, field)
        pixels += img.width * img.height
    if pixels > MAX_REQUEST_PIXELS:
        raise PhotoRefused(
            _("These photos have too many pixels together; send smaller ones."), field=field
        )
    return [photo_process(u, field=field) for u in uploads]
