"""WeChat sign-in: the official account's web OAuth and the mini-program's
``jscode2session``, called over HTTPS with the standard library.

``WECHAT_API_BASE`` (``https://api.weixin.qq.com``) and ``WECHAT_OPEN_BASE``
(``https://open.weixin.qq.com``) may point at a fake server on 127.0.0.1 for the
tests; any other host must be HTTPS. WeChat answers errors as HTTP 200 with
``errcode``/``errmsg``; those become ``WeChatLoginError`` with a Chinese message
for the person (README, "WeChat sign-in").

The JS-SDK's ``wx.config`` (sharing a page to friends and Moments) is signed here too
(``jssdk_config``): from the official account's access token (``cgi-bin/stable_token``,
cached under the same key as the template channel's) and its jsapi_ticket
(``cgi-bin/ticket/getticket?type=jsapi``), both cached in Django's cache, per the
JS-SDK documentation, appendix 1 "JS-SDK使用权限签名算法".
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import DomainError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger("civicpoints.accounts")

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class WeChatLoginError(DomainError):
    """WeChat refused or failed; ``errcode`` is WeChat's own (None: network)."""

    code = "wechat_failed"
    status = 502
    default_detail = _("WeChat is not answering. Please try again in a moment.")

    def __init__(
        self, detail: StrOrPromise | None = None, *, errcode: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(detail, **kwargs)
        self.errcode = errcode


# errcode -> (our code, HTTP status, message)
ERRORS = {
    40029: ("wechat_code_invalid", 400, _("The WeChat sign-in link is invalid. Please try again.")),
    40163: (
        "wechat_code_used",
        400,
        _("This WeChat sign-in link was already used. Please try again."),
    ),
    45011: ("wechat_rate_limited", 429, _("Too many WeChat sign-ins just now. Wait a minute.")),
    -1: ("wechat_busy", 503, _("WeChat is busy. Please try again in a moment.")),
}


def _error(errcode: int | None, errmsg: str = "") -> WeChatLoginError:
    fallback = ("wechat_failed", 502, WeChatLoginError.default_detail)
    code, status, detail = ERRORS.get(errcode, fallback) if errcode is not None else fallback
    exc = WeChatLoginError(detail, errcode=errcode, code=code)
    exc.status = status
    log.warning("WeChat sign-in error %s", errcode)
    return exc


def _checked_base(base: str) -> str:
    parts = urllib.parse.urlsplit(base)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
        raise ImproperlyConfigured("WeChat bases must be https (http only for 127.0.0.1 tests)")
    return base.rstrip("/")


def get_json(path: str, params: dict[str, Any]) -> dict[str, Any]:
    """GET ``WECHAT_API_BASE + path`` with ``params``; the decoded answer.

    Raises: WeChatLoginError (an ``errcode`` answer, a timeout or a network error).
    """
    url = f"{_checked_base(settings.WECHAT_API_BASE)}{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=settings.WECHAT_TIMEOUT) as resp:  # noqa: S310  # nosec B310 - scheme checked
            answer: dict[str, Any] = json.loads(resp.read().decode("utf-8"))
    except (OSError, ValueError):
        raise _error(None) from None
    if answer.get("errcode"):
        raise _error(answer["errcode"], answer.get("errmsg", ""))
    return answer


class WeChatNotConfigured(WeChatLoginError):
    code = "wechat_not_configured"
    status = 404
    default_detail = _("WeChat sign-in is not available on this site.")


def authorize_url(*, redirect_uri: str, scope: str, state: str) -> str:
    """The official account's OAuth page (``snsapi_base`` silent, ``snsapi_userinfo``
    asks the person) that WeChat sends back to ``redirect_uri`` with ``code``.

    Raises: WeChatNotConfigured (404) without ``WECHAT_APP_ID``."""
    if not (settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET):
        raise WeChatNotConfigured()
    query = urllib.parse.urlencode(
        {
            "appid": settings.WECHAT_APP_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": state,
        }
    )
    return (
        f"{_checked_base(settings.WECHAT_OPEN_BASE)}/connect/oauth2/authorize?{query}"
        "#wechat_redirect"
    )


def oauth_exchange(code: str) -> dict[str, Any]:
    """``sns/oauth2/access_token``: ``{openid, unionid?, scope, access_token, …}``."""
    return get_json(
        "/sns/oauth2/access_token",
        {
            "appid": settings.WECHAT_APP_ID,
            "secret": settings.WECHAT_APP_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
    )


def oauth_userinfo(*, access_token: str, openid: str) -> dict[str, Any]:
    """``sns/userinfo`` (scope snsapi_userinfo): ``{nickname, unionid?, …}``."""
    return get_json(
        "/sns/userinfo", {"access_token": access_token, "openid": openid, "lang": "zh_CN"}
    )


def mini_code2session(js_code: str) -> dict[str, Any]:
    """The mini-program's ``sns/jscode2session``: ``{openid, unionid?, session_key}``.

    Raises: WeChatNotConfigured (404) without the mini-program's id and secret;
    WeChatLoginError as ``get_json``."""
    if not (settings.WECHAT_MINI_APP_ID and settings.WECHAT_MINI_APP_SECRET):
        raise WeChatNotConfigured()
    return get_json(
        "/sns/jscode2session",
        {
            "appid": settings.WECHAT_MINI_APP_ID,
            "secret": settings.WECHAT_MINI_APP_SECRET,
            "js_code": js_code,
            "grant_type": "authorization_code",
        },
    )


# --- JS-SDK (wx.config) ---------------------------------------------------------------

# access token invalid / expired (40001 invalid credential, 40014 invalid token,
# 42001 token expired): fetch a fresh token once and ask again
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
TICKET_TTL = 7000  # seconds; WeChat's tickets last 7200
JS_API_LIST = ("updateAppMessageShareData", "updateTimelineShareData")


def post_json(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` as JSON to ``WECHAT_API_BASE + path``; the decoded answer.

    Raises: WeChatLoginError (an ``errcode`` answer, a timeout or a network error)."""
    url = f"{_checked_base(settings.WECHAT_API_BASE)}{path}"
    request = urllib.request.Request(  # noqa: S310 - scheme checked
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WECHAT_TIMEOUT) as resp:  # noqa: S310  # nosec B310 - scheme checked
            answer: dict[str, Any] = json.loads(resp.read().decode("utf-8"))
    except (OSError, ValueError):
        raise _error(None) from None
    if answer.get("errcode"):
        raise _error(answer["errcode"], answer.get("errmsg", ""))
    return answer


def _token_key() -> str:
    # shared with notifications.channels.WeChatTemplateChannel.access_token
    return f"wechat:access_token:{settings.WECHAT_APP_ID}"


def access_token(*, refresh: bool = False) -> str:
    """The official account's access token (``cgi-bin/stable_token``), cached for its
    lifetime (``expires_in``, 7200 s) minus 300 s; ``refresh`` asks WeChat for a new one.

    Raises: WeChatNotConfigured (no ``WECHAT_APP_ID``/``SECRET``); WeChatLoginError."""
    if not (settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET):
        raise WeChatNotConfigured()
    token = None if refresh else cache.get(_token_key())
    if token:
        return str(token)
    answer = post_json(
        "/cgi-bin/stable_token",
        {
            "grant_type": "client_credential",
            "appid": settings.WECHAT_APP_ID,
            "secret": settings.WECHAT_APP_SECRET,
            "force_refresh": refresh,
        },
    )
    token = str(answer["access_token"])
    cache.set(_token_key(), token, max(int(answer.get("expires_in", 7200)) - 300, 60))
    return token


def jsapi_ticket(*, refresh: bool = False) -> str:
    """The jsapi_ticket (``cgi-bin/ticket/getticket?type=jsapi``), cached ``TICKET_TTL``
    (7000 s, or WeChat's ``expires_in`` minus 200 s when shorter) for every process
    sharing the cache. An answer that the access token is invalid or expired (40001,
    40014, 42001) fetches a fresh token and asks once more.

    Raises: WeChatNotConfigured; WeChatLoginError (WeChat refused or is unreachable)."""
    key = f"wechat:jsapi_ticket:{settings.WECHAT_APP_ID}"
    ticket = None if refresh else cache.get(key)
    if ticket:
        return str(ticket)
    for attempt in (0, 1):
        token = access_token(refresh=attempt == 1)
        try:
            answer = get_json("/cgi-bin/ticket/getticket", {"access_token": token, "type": "jsapi"})
            break
        except WeChatLoginError as exc:
            if exc.errcode not in TOKEN_ERRCODES or attempt == 1:
                raise
    ticket = str(answer["ticket"])
    ttl = min(TICKET_TTL, int(answer.get("expires_in", 7200)) - 200)
    cache.set(key, ticket, max(ttl, 60))
    return ticket


def jssdk_signature(*, ticket: str, noncestr: str, timestamp: int, url: str) -> str:
    """``sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…")`` in hex: the four fields
    in ASCII order of their names, raw values (no URL escaping), ``url`` without its
    ``#`` fragment (JS-SDK documentation, appendix 1)."""
    url = url.split("#", 1)[0]
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode(), usedforsecurity=False).hexdigest()


def jssdk_config(url: str) -> dict[str, Any] | None:
    """What ``wx.config`` needs on the page at ``url`` (the full address the browser
    shows, query included): ``{appId, timestamp (s), nonceStr, signature, jsApiList}``;
    None without an official account or when WeChat cannot give a ticket (the page
    then shares as a plain link; the failure is logged without secrets)."""
    if not (settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET):
        return None
    try:
        ticket = jsapi_ticket()
    except WeChatLoginError as exc:
        log.warning("no jsapi_ticket for wx.config (%s)", exc.errcode)
        return None
    noncestr = secrets.token_urlsafe(12)
    timestamp = int(time.time())
    return {
        "appId": settings.WECHAT_APP_ID,
        "timestamp": timestamp,
        "nonceStr": noncestr,
        "signature": jssdk_signature(
            ticket=ticket, noncestr=noncestr, timestamp=timestamp, url=url
        ),
        "jsApiList": list(JS_API_LIST),
    }
