"""Uploaded media: how it is stored, who may fetch it, and how it is served.

One way in: every uploaded image of every kind (article covers, post, report
and event photos, rectification evidence) goes through
``core.photos.photo_process`` — checked by content, re-encoded from pixels as
JPEG (no EXIF, XMP, ICC or text chunks), named ``<32 hex>.jpg`` (thumbnails
``<32 hex>_t.jpg``). ``MediaStorage`` (the default storage) refuses to write any
other name or any content that is not JPEG, so no code path can store a file
under the uploader's name or extension (a GIF/JavaScript polyglot stays a
JPEG of its pixels).

One way out: ``/media/<path>`` is answered by ``media_serve`` in development
and production alike (the web server passes ``/media/`` to the app, README
"Production"). It

  * serves only names whose extension is an image type (``MEDIA_TYPES``), with
    the ``Content-Type`` taken from that extension, never sniffed;
  * sets ``X-Content-Type-Options: nosniff``, ``Content-Security-Policy:
    default-src 'none'; sandbox`` (a file opened as a document runs nothing and
    has no origin) and ``Cross-Origin-Resource-Policy: same-origin``;
  * serves a file only when an app's *media guard* says the viewer may see the
    object it belongs to — a published post's photo to anyone; a report's
    evidence to its reporter, assignee and the staff covering the reporter; a
    draft article's cover or a pending post's photos to their author and the
    staff covering them. A file no guard claims is 404 (deny by default), and
    so is one the viewer may not see (indistinguishable from missing).

Apps declare guards in their ``media.py`` (autodiscovered, like ``metrics``)::

    from civicpoints.core.media import PUBLIC, PRIVATE, media_guard

    @media_guard("posts/")
    def post_photos(user, name):   # -> PUBLIC, PRIVATE or None (not allowed / not mine)
        ...
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.utils._os import safe_join
from django.utils.module_loading import autodiscover_modules
from django.views.decorators.http import require_safe

# Extension -> Content-Type of what may be served from /media/. What we write
# is JPEG only; the others cover files stored before every upload was re-encoded.
MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
# The only file names MediaStorage writes: photo_process's random names.
# <random>.jpg, its thumbnail _t, and the public (faces and plates blurred) copy _p / _pt
STORED_NAME = re.compile(r"^[0-9a-f]{32}(_t|_p|_pt)?\.jpg$")
JPEG_MAGIC = b"\xff\xd8\xff"

MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}

PUBLIC = "public"  # anyone may fetch it (a published post's photo: share previews)
PRIVATE = "private"  # this viewer may (signed-in audiences, evidence, drafts)

Guard = Callable[[Any, str], str | None]
_GUARDS: list[tuple[str, Guard]] = []


class MediaRefused(ValueError):
    """A write to media storage that did not come through ``photo_process``."""


def media_guard(prefix: str) -> Callable[[Guard], Guard]:
    """Register ``func(user, name) -> PUBLIC | PRIVATE | None`` for stored names under ``prefix``.

    ``user`` may be anonymous. Return None when the viewer may not see the file
    or the file is not the guard's; the file is served if any guard allows it.
    """

    def register(func: Guard) -> Guard:
        _GUARDS.append((prefix, func))
        return func

    return register


def media_access(user: object, name: str) -> str | None:
    """PUBLIC / PRIVATE when some app's guard lets ``user`` fetch the stored ``name``, else None."""
    autodiscover_modules("media")
    best = None
    for prefix, guard in _GUARDS:
        if name.startswith(prefix):
            verdict = guard(user, name)
            if verdict == PUBLIC:
                return PUBLIC
            best = verdict or best
    return best


class MediaStorage(FileSystemStorage):
    """The default file storage: writes only ``photo_process`` output (random name, JPEG bytes).

    Raises MediaRefused for any other name or content — a programming error
    (an upload saved without going through ``photo_process``), never user input.
    """

    def _save(self, name: str, content: File[bytes]) -> str:
        base = PurePosixPath(name.replace("\\", "/")).name
        if not STORED_NAME.match(base):
            raise MediaRefused(f"media storage takes photo_process output only, not {base!r}")
        content.seek(0)
        head = content.read(len(JPEG_MAGIC))
        content.seek(0)
        if head != JPEG_MAGIC:
            raise MediaRefused(f"media storage takes JPEG only, not {base!r}")
        return str(super()._save(name, content))  # type: ignore[misc]

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # A random 128-bit name never collides in practice; never rename (the
        # default would append "_<random>" and leave STORED_NAME).
        if self.exists(name):
            raise MediaRefused(f"media name already taken: {name!r}")
        return name


def apply_media_headers(response: HttpResponseBase) -> HttpResponseBase:
    """Set the headers every /media/ response carries (see the module docstring)."""
    for header, value in MEDIA_HEADERS.items():
        response[header] = value
    return response


def _clean_name(path: str) -> str:
    if "\\" in path or "\x00" in path or path.startswith("/"):
        raise Http404()
    name = posixpath.normpath(path)
    if name != path or name.startswith("..") or name in (".", ""):
        raise Http404()
    return name


@require_safe
def media_serve(request: HttpRequest, path: str) -> HttpResponseBase:
    """GET/HEAD ``/media/<path>``: the stored file, if a media guard lets the viewer see it.

    Content-Type from the extension (``MEDIA_TYPES``); other extensions are 404.
    Cache-Control ``public, max-age=86400`` for PUBLIC files, ``private,
    max-age=3600`` otherwise. Raises Http404 (missing, not allowed, bad path).
    """
    name = _clean_name(path)
    content_type = MEDIA_TYPES.get(PurePosixPath(name).suffix.lower())
    if content_type is None:
        raise Http404()
    access = media_access(request.user, name)
    if access is None:
        raise Http404()
    try:
        full = safe_join(settings.MEDIA_ROOT, name)
        handle = open(full, "rb")  # noqa: SIM115 - FileResponse closes it
    except (OSError, ValueError):
        raise Http404() from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = (
        "public, max-age=86400" if access == PUBLIC else "private, max-age=3600"
    )
    response["Vary"] = "Cookie"
    return apply_media_headers(response)


class MediaHeadersMiddleware:
    """Defence in depth: any response under ``MEDIA_URL`` carries the media headers,
    whatever view produced it (e.g. a ``static()`` route someone adds back)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.prefix = "/" + settings.MEDIA_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith(self.prefix) and response.status_code < 300:
            if "Content-Type" in response and not any(
                response["Content-Type"].startswith(t) for t in set(MEDIA_TYPES.values())
            ):
                guessed = mimetypes.guess_type(request.path)[0] or ""
                response["Content-Type"] = (
                    guessed if guessed in MEDIA_TYPES.values() else "application/octet-stream"
                )
            apply_media_headers(response)
        return response
