"""What a post, article or event page needs to be shared (issue 15, item 4): the
address to share (with the viewer's sharer token) and, inside WeChat only, the
signed ``wx.config`` and the card (title, description, image) for
``updateAppMessageShareData`` / ``updateTimelineShareData``.

The page includes ``sharing/wechat_share.html`` at its end: with a card it adds the
card as a JSON data block (not run as script), our own copy of jweixin 1.6.0 and
``js/wechat-share.js`` — all from our origin, so the Content-Security-Policy
(``script-src 'self'``, no inline script) stays as strict as on every other page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

from civicpoints.accounts import wechat
from civicpoints.sharing.services import TOKEN_PARAM, VisitResult, share_token, share_visit_record

DESC_MAX = 60  # characters of the card's description
WECHAT_UA = "micromessenger"


def in_wechat(request: HttpRequest) -> bool:
    """True when the page is opened in WeChat's browser (User-Agent ``MicroMessenger``)."""
    return WECHAT_UA in request.headers.get("user-agent", "").lower()


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def share_context(
    request: HttpRequest,
    *,
    target: str,
    object_id: int,
    town_id: int,
    path: str,
    title: str,
    description: str = "",
    image_url: str = "",
    with_token: bool = False,
) -> dict[str, Any]:
    """The template context for sharing the item at ``path`` (a site path).

    The viewer's share link (a ``ShareLink`` row the first time) is made only where
    it can be shared: inside WeChat, or when the page shows the link (``with_token``:
    the post's share page) — not on every page view elsewhere.

    Returns ``{"share_url": absolute URL (with ``?s=<token>`` for a resident, in
    WeChat or ``with_token``), "wechat_share": None, or (in WeChat, with an official
    account and a ticket) {"config": wx.config's fields, "title", "desc", "link",
    "imgUrl"}}``.
    """
    wechat_ua = in_wechat(request)
    link = request.build_absolute_uri(path)
    if wechat_ua or with_token:
        token = share_token(
            sharer=request.user, target=target, object_id=object_id, town_id=town_id
        )
        if token:
            link = f"{link}?{urlencode({TOKEN_PARAM: token})}"
    card = None
    if wechat_ua:
        # WeChat signs the address the browser shows (query included, no fragment)
        config = wechat.jssdk_config(request.build_absolute_uri())
        if config is not None:
            card = {
                "config": config,
                "title": _short(title, 60),
                "desc": _short(description, DESC_MAX),
                "link": link,
                "imgUrl": request.build_absolute_uri(image_url) if image_url else "",
            }
    return {"share_url": link, "wechat_share": card}


def share_visit_from(
    request: HttpRequest,
    *,
    target: str,
    object_id: int,
    seen_before: bool = False,
    title: str = "",
) -> VisitResult:
    """Record the visit when the page was opened with a sharer token (``?s=``); a
    missing or bad token changes nothing. See ``services.share_visit_record``."""
    return share_visit_record(
        token=request.GET.get(TOKEN_PARAM),
        reader=request.user,
        target=target,
        object_id=object_id,
        seen_before=seen_before,
        title=title,
    )
