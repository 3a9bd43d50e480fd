"""Markdown → safe HTML: rendered by ``markdown``, then sanitized by ``nh3`` (Ammonia).

What survives (everything else is stripped; ``<script>``/``<style>`` with their content):
  * text formatting, lists, quotes, code, tables, rules; headings (``#`` becomes
    ``<h2>``: the page title is the h1);
  * links with an ``http``, ``https`` or ``mailto`` scheme, or relative ones —
    ``javascript:``, ``data:`` and the like lose their ``href``; every link gets
    ``rel="noopener noreferrer nofollow"``;
  * images only from our own storage: a ``src`` under ``MEDIA_URL`` or
    ``STATIC_URL`` (a path on this site). Any other ``src`` is dropped.
"""

from urllib.parse import urlsplit

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


def own_image_src(src: str) -> bool:
    """True when ``src`` points into our own media or static storage."""
    if ".." in src or "\\" in src:
        return False
    return any(
        src.startswith(_site_prefix(prefix)) for prefix in (settings.MEDIA_URL, settings.STATIC_URL)
    )


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not own_image_src(value):
        return None
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
