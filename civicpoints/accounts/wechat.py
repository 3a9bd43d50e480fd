"""WeChat sign-in: the official account's web OAuth and the mini-program's
``jscode2session``, called over HTTPS with the standard library.

``WECHAT_API_BASE`` (``https://api.weixin.qq.com``) and ``WECHAT_OPEN_BASE``
(``https://open.weixin.qq.com``) may point at a fake server on 127.0.0.1 for the
tests; any other host must be HTTPS. WeChat answers errors as HTTP 200 with
``errcode``/``errmsg``; those become ``WeChatLoginError`` with a Chinese message
for the person (README, "WeChat sign-in").
"""

from __future__ import annotations

import json
import logging
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from django.conf import settings
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
