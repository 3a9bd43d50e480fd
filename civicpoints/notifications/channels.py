"""Outbound channels behind one interface: console (default), SMS, WeChat template messages.

``settings.NOTIFICATION_CHANNELS`` lists dotted paths of ``Channel`` subclasses;
each gets every notification *after* the transaction that created it commits,
so a rolled-back change never sends anything. A channel that fails is logged
and does not stop the others (the in-app inbox row is already saved).
"""

import json
import logging
import urllib.request
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from civicpoints.accounts.sms import Outbox

log = logging.getLogger("civicpoints.notifications")


class Channel(ABC):
    """One way out (log, SMS, WeChat); subclasses implement ``send``.

    ``medium`` names what a person may switch off per kind (``Medium``: ``sms``,
    ``wechat``); None (the log) is always sent."""

    medium: str | None = None

    @abstractmethod
    def send(self, notification) -> None:
        """Deliver ``notification`` (a saved Notification). May raise on failure."""


class ConsoleChannel(Channel):
    """Writes each notification's id, kind and recipient id to the log (never its
    text); keeps the newest 100 in ``sent`` where ``SMS_CONSOLE_OUTBOX`` is on
    (tests, DEBUG), so memory stays bounded in a long-running process."""

    sent: list = Outbox()

    def send(self, notification) -> None:
        if settings.SMS_CONSOLE_OUTBOX:
            type(self).sent.append(notification)
        log.info(
            "notify %s [%s] #%s", notification.recipient_id, notification.kind, notification.pk
        )


def channels() -> list[Channel]:
    """Instances of the configured channels."""
    paths = getattr(
        settings, "NOTIFICATION_CHANNELS", ["civicpoints.notifications.channels.ConsoleChannel"]
    )
    return [import_string(p)() for p in paths]


def deliver(notification) -> None:
    """Send ``notification`` through every channel; failures are logged, not raised."""
    for channel in channels():
        try:
            channel.send(notification)
        except Exception:  # noqa: BLE001 - one broken channel must not stop the others
            log.exception(
                "channel %s failed for notification %s", type(channel).__name__, notification.pk
            )


# --- outbound gateways ---------------------------------------------------------
# Neither gateway is reachable from the development network: each channel builds
# its payload in a method of its own (tested), and the network call goes through
# an injectable transport (``NOTIFICATION_HTTP_TRANSPORT``; tests pass a fake).


def site_link(url: str) -> str:
    """``url`` made absolute with ``settings.SITE_URL`` (links leave the site by SMS/WeChat).

    Returns "" when there is no link, or a site path but no SITE_URL configured.
    """
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    base = settings.SITE_URL.rstrip("/")
    return f"{base}/{url.lstrip('/')}" if base else ""


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


class SMSChannel(Channel):
    """Sends a short text through the SMS backend of ``accounts.sms`` (``SMS_BACKEND``).

    Settings: ``NOTIFICATION_SMS_KINDS`` — the kinds worth a text message (SMS
    costs money; empty list = every kind); ``NOTIFICATION_SMS_MAX_CHARS`` — the
    text's length including the link (70 characters is one Chinese SMS segment).
    """

    medium = "sms"

    def __init__(self, backend=None):
        from civicpoints.accounts.sms import get_sms_backend

        self.backend = backend or get_sms_backend()

    def payload(self, notification) -> dict | None:
        """``{"mobile", "text"}`` for the SMS backend, or None when this kind is not texted."""
        kinds = settings.NOTIFICATION_SMS_KINDS
        if kinds and notification.kind not in kinds:
            return None
        mobile = notification.recipient.mobile
        if not mobile:
            return None
        link = site_link(notification.url)
        room = settings.NOTIFICATION_SMS_MAX_CHARS - (len(link) + 1 if link else 0)
        words = notification.title + (f": {notification.body}" if notification.body else "")
        text = _shorten(words, room)
        return {"mobile": mobile, "text": f"{text} {link}" if link else text}

    def send(self, notification) -> None:
        payload = self.payload(notification)
        if payload is not None:
            self.backend.send(**payload)


class HttpTransport:
    """JSON over HTTPS with the standard library (the one place that touches the network)."""

    timeout = 5  # seconds

    def post_json(self, url: str, payload: dict) -> dict:
        """POST ``payload`` as JSON to the https ``url``; returns the decoded JSON answer."""
        if not url.startswith("https://"):
            raise ValueError("only https URLs are called")
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - https only, checked above
            url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310  # nosec B310
            return json.loads(resp.read().decode("utf-8"))


def http_transport():
    """An instance of ``settings.NOTIFICATION_HTTP_TRANSPORT`` (default ``HttpTransport``)."""
    return import_string(settings.NOTIFICATION_HTTP_TRANSPORT)()


class WeChatError(Exception):
    """The WeChat API answered with a non-zero ``errcode``."""

    def __init__(self, errcode, errmsg=""):
        self.errcode = errcode
        super().__init__(f"WeChat error {errcode}: {errmsg}")


class WeChatTemplateChannel(Channel):
    """WeChat Official Account template messages (公众号模板消息).

    Settings (environment variables of the same name):
      * ``WECHAT_APP_ID``, ``WECHAT_APP_SECRET`` — the official account;
      * ``WECHAT_TEMPLATE_ID`` — the template used for every kind, and
        ``WECHAT_TEMPLATE_IDS`` — per-kind overrides, ``kind=template_id,…``;
      * ``WECHAT_TEMPLATE_FIELDS`` — the template's keys for title, text and
        time, default ``thing1,thing2,time3`` (``thing`` values hold ≤ 20 characters);
      * the recipient's openid is the one bound to the account by WeChat sign-in
        (``accounts.selectors.wechat_openid``); people who never bound WeChat
        are skipped.

    The access token comes from ``/cgi-bin/stable_token`` and is cached for its
    lifetime minus five minutes; an "invalid/expired token" answer refreshes it
    once. ``client_msg_id`` makes WeChat drop a repeated send of one notification.
    """

    TOKEN_URL = "https://api.weixin.qq.com/cgi-bin/stable_token"  # noqa: S105 - a URL  # nosec B105
    SEND_URL = "https://api.weixin.qq.com/cgi-bin/message/template/send"
    TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential / token, token expired
    THING_MAX = 20
    medium = "wechat"

    def __init__(self, transport=None, openid_lookup=None):
        self.transport = transport or http_transport()
        from civicpoints.accounts.selectors import wechat_openid

        self.openid_lookup = openid_lookup or wechat_openid

    @staticmethod
    def template_id(kind: str) -> str:
        """``kind``'s template: its WECHAT_TEMPLATE_IDS override, else WECHAT_TEMPLATE_ID."""
        overrides = {}
        for item in settings.WECHAT_TEMPLATE_IDS:
            key, sep, value = item.partition("=")
            if not sep or not value.strip():
                raise ImproperlyConfigured(f"WECHAT_TEMPLATE_IDS: expected kind=id, got {item!r}")
            overrides[key.strip()] = value.strip()
        return overrides.get(kind, settings.WECHAT_TEMPLATE_ID)

    def payload(self, notification) -> dict | None:
        """The JSON body of ``message/template/send``, or None when the person has no openid."""
        openid = self.openid_lookup(notification.recipient)
        if not openid:
            return None
        template = self.template_id(notification.kind)
        if not template:
            raise ImproperlyConfigured("WECHAT_TEMPLATE_ID is not set")
        title_key, text_key, time_key = settings.WECHAT_TEMPLATE_FIELDS
        text = notification.body or notification.get_kind_display()
        body = {
            "touser": openid,
            "template_id": template,
            "client_msg_id": f"notification-{notification.pk}",
            "data": {
                title_key: {"value": _shorten(notification.title, self.THING_MAX)},
                text_key: {"value": _shorten(text, self.THING_MAX)},
                time_key: {
                    "value": timezone.localtime(notification.created_at).strftime("%Y-%m-%d %H:%M")
                },
            },
        }
        link = site_link(notification.url)
        if link:
            body["url"] = link
        return body

    def access_token(self, *, refresh: bool = False) -> str:
        """The account's access token (cached). Raises WeChatError, ImproperlyConfigured."""
        app_id, secret = settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET
        if not (app_id and secret):
            raise ImproperlyConfigured("WECHAT_APP_ID and WECHAT_APP_SECRET are required")
        key = f"wechat:access_token:{app_id}"
        token = None if refresh else cache.get(key)
        if token:
            return token
        answer = self.transport.post_json(
            self.TOKEN_URL,
            {
                "grant_type": "client_credential",
                "appid": app_id,
                "secret": secret,
                "force_refresh": refresh,
            },
        )
        if "access_token" not in answer:
            raise WeChatError(answer.get("errcode"), answer.get("errmsg", ""))
        cache.set(key, answer["access_token"], max(int(answer.get("expires_in", 7200)) - 300, 60))
        return answer["access_token"]

    def send(self, notification) -> None:
        body = self.payload(notification)
        if body is None:
            log.debug("no WeChat openid for user %s; skipped", notification.recipient_id)
            return
        for attempt in (0, 1):
            token = self.access_token(refresh=attempt == 1)
            answer = self.transport.post_json(f"{self.SEND_URL}?access_token={token}", body)
            errcode = answer.get("errcode", 0)
            if errcode == 0:
                return
            if errcode not in self.TOKEN_ERRORS or attempt == 1:
                raise WeChatError(errcode, answer.get("errmsg", ""))
