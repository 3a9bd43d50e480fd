"""Photo intake through Pillow, shared by posts, reports and events.

Every uploaded photo is:
  * limited in bytes (``MAX_PHOTO_BYTES``) before anything is decoded;
  * identified by its content (Pillow's format sniffing), never by its name or
    the browser's content type; only JPEG, PNG, WebP and GIF are accepted;
  * limited in pixels (``MAX_PHOTO_PIXELS``) from the header alone, before the
    pixel data is decoded, so a decompression bomb (a tiny file declaring
    20,000 × 20,000 pixels) is refused without allocating its memory;
  * re-encoded from pixels only: EXIF (GPS above all), XMP, ICC and text chunks
    are not carried over; the EXIF orientation is applied first so the photo
    still stands upright;
  * resized to at most ``MAX_EDGE`` pixels on its long edge, plus a thumbnail
    of at most ``THUMB_EDGE``.
"""

from __future__ import annotations

import io
import uuid
import warnings
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


def photo_process(upload: IO[bytes], *, field: str = "photos") -> ProcessedPhoto:
    """Check and clean one uploaded photo (a Django ``UploadedFile`` or any binary file object).

    Returns:
        ProcessedPhoto with JPEG content files named ``<uuid>.jpg`` / ``<uuid>_t.jpg``.

    Raises:
        PhotoRefused (422, code ``photo_refused``, ``field``): too many bytes, not
        an image of an accepted type, more than ``MAX_PHOTO_PIXELS`` pixels
        (decompression bombs included), or a truncated/corrupt file.
    """
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > MAX_PHOTO_BYTES:
        raise PhotoRefused(
            _("A photo may be at most %(mb)d MB.") % {"mb": MAX_PHOTO_BYTES // (1024 * 1024)},
            field=field,
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(upload, formats=sorted(ACCEPTED_FORMATS))  # header only
            if img.width * img.height > MAX_PHOTO_PIXELS:
                raise PhotoRefused(
                    _("This photo has too many pixels (%(w)d × %(h)d).")
                    % {"w": img.width, "h": img.height},
                    field=field,
                )
            img.seek(0)  # the first frame of an animated GIF
            img.load()
            img = ImageOps.exif_transpose(img)
    except PhotoRefused:
        raise
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
