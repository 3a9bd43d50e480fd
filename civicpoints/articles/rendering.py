"""Markdown → safe HTML: rendered by ``markdown``, then sanitized by ``nh3`` (Ammonia).

What survives (everything else is stripped; ``<script>``/``<style>`` with their content):
  * text formatting, lists, quotes, code, tables, rules; headings (``#`` becomes
    ``<h2>``: the page title is the h1);
  * links with an ``http``, ``https`` or ``mailto`` scheme, or relative ones —
    ``javascript:``, ``data:`` and the like lose their ``href``; every link gets
    ``rel="noopener noreferrer nofollow"``;
  * images only from our own storage: a ``src`` whose normalized path (percent-
    decoded, dot segments resolved) lies under ``MEDIA_URL`` or ``STATIC_URL``;
    the normalized path is what is kept. Any other ``src`` is dropped.
"""

import posixpath
from urllib.parse import quote, unquote, urlsplit

import markdown
import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "del", "s", "sup", "sub",
    "blockquote", "code", "pre", "ul", "ol", "li", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _site_prefix(url: str) -> str:
    """``MEDIA_URL``/``STATIC_URL`` as the path prefix they are served under."""
    if urlsplit(url).scheme:
        return url
    return "/" + url.lstrip("/")


def _normalized_path(src: str) -> str | None:
    """The path a browser would request for ``src``, or None when it leaves this site.

    Percent-encoding is undone until nothing changes (``%252e`` too) and dot
    segments are resolved the way a browser resolves them (RFC 3986 §5.2.4),
    so ``/media/%2e%2e/api/v1/me`` becomes ``/api/v1/me`` *before* the prefix
    check. Anything with a scheme, a host, a backslash or a control character
    is refused outright.
    """
    value = src.strip()
    for _round in range(5):
        decoded = unquote(value)
        if decoded == value:
            break
        value = decoded
    else:
        return None  # still encoded after five rounds: nobody writes that by hand
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    path = posixpath.normpath(parts.path)
    if parts.path.endswith("/") and not path.endswith("/"):
        path += "/"
    if path.startswith("//"):
        return None
    return path


def own_image_src(src: str) -> str | None:
    """The normalized ``src`` when it points into our own media or static storage, else None.

    The check is made on the normalized path (``_normalized_path``), and the
    normalized path — re-encoded — is what the page gets, so the browser
    requests exactly what was checked.
    """
    path = _normalized_path(src)
    if path is None:
        return None
    if any(path.startswith(_site_prefix(p)) for p in (settings.MEDIA_URL, settings.STATIC_URL)):
        return quote(path, safe="/")
    return None


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return own_image_src(value)
    return value


def render_markdown(text: str) -> str:
    """The sanitized HTML of the Markdown ``text`` (safe to insert into a page as is)."""
    html = markdown.markdown(
        text or "",
        extensions=["tables", "fenced_code", "sane_lists", "toc"],
        extension_configs={"toc": {"baselevel": 2}},
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()
