"""SMS and WeChat template-message channels: payloads, token handling, after-commit delivery.

Neither gateway is reachable here: the SMS channel talks to the console SMS
backend, the WeChat channel to a recording transport that plays WeChat's answers.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import translation

from civicpoints.accounts.sms import ConsoleSMSBackend
from civicpoints.notifications.channels import (
    HttpTransport,
    SMSChannel,
    WeChatError,
    WeChatTemplateChannel,
)
from civicpoints.notifications.models import NotificationKind
from civicpoints.notifications.services import notify


class RecordingTransport:
    """Plays scripted WeChat answers and records every call."""

    calls: list = []
    answers: list = []

    def post_json(self, url, payload):
        type(self).calls.append((url, payload))
        if "stable_token" in url:
            return {"access_token": f"TOKEN{len(self.token_calls())}", "expires_in": 7200}
        return type(self).answers.pop(0) if type(self).answers else {"errcode": 0, "errmsg": "ok"}

    def token_calls(self):
        return [c for c in type(self).calls if "stable_token" in c[0]]


@pytest.fixture(autouse=True)
def _alice_bound_wechat(request):
    """Alice bound her WeChat (openid ``oALICE-openid``) by SMS code; Bob did not."""
    if "town" not in request.fixturenames:
        return
    from civicpoints.accounts.services import wechat_identity_bind

    town = request.getfixturevalue("town")
    code = request.getfixturevalue("texted_code")(town.alice.mobile, "bind")
    wechat_identity_bind(mobile=town.alice.mobile, code=code, openid="oALICE-openid")
    ConsoleSMSBackend.outbox.clear()  # the tests count the texts their notes cause


@pytest.fixture(autouse=True)
def _wechat(settings):
    cache.clear()
    RecordingTransport.calls = []
    RecordingTransport.answers = []
    settings.SITE_URL = "https://points.example.gov.cn/"
    settings.WECHAT_APP_ID = "wx123"
    settings.WECHAT_APP_SECRET = "s3cret"
    settings.WECHAT_TEMPLATE_ID = "TPL-DEFAULT"
    settings.WECHAT_TEMPLATE_IDS = ["voucher_expiring=TPL-VOUCHER"]
    settings.WECHAT_TEMPLATE_FIELDS = ["thing1", "thing2", "time3"]
    settings.NOTIFICATION_HTTP_TRANSPORT = (
        "civicpoints.notifications.tests.test_channels.RecordingTransport"
    )


def _note(town, **kw):
    kw.setdefault("kind", NotificationKind.POINTS_AWARDED)
    kw.setdefault("title", "You earned 50 points: Voluntary patrol")
    return notify(recipient=kw.pop("recipient", town.alice), **kw)


def test_sms_text_has_title_body_and_absolute_link_within_the_limit(town, settings):
    # given
    settings.NOTIFICATION_SMS_MAX_CHARS = 120
    note = _note(town, body="Thank you " * 20, url="/points/history/")
    # when
    payload = SMSChannel(backend=ConsoleSMSBackend()).payload(note)
    # then
    link = "https://points.example.gov.cn/points/history/"
    assert payload["mobile"] == "13800138001"
    assert payload["text"].startswith("You earned 50 points: Voluntary patrol: Thank you")
    assert payload["text"].endswith("… " + link) and len(payload["text"]) == 120


def test_sms_only_for_the_configured_kinds(town, settings):
    settings.NOTIFICATION_SMS_KINDS = ["voucher_expiring"]
    channel = SMSChannel(backend=ConsoleSMSBackend())
    assert channel.payload(_note(town)) is None
    assert channel.payload(_note(town, kind=NotificationKind.VOUCHER_EXPIRING, title="Soon"))


def test_sms_is_sent_after_commit_and_never_for_a_rolled_back_change(
    town, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_CHANNELS = ["civicpoints.notifications.channels.SMSChannel"]
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        _note(town, title="rolled back")
        1 / 0  # noqa: B018 - the change fails after notify()
    assert ConsoleSMSBackend.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        _note(town, title="committed")
    assert ConsoleSMSBackend.outbox == [("13800138001", "committed")]


def test_wechat_payload_uses_the_kind_template_short_values_and_local_time(town):
    # given: a notice created at 16:30 UTC = 00:30 next day in Shanghai
    note = _note(
        town,
        kind=NotificationKind.VOUCHER_EXPIRING,
        title="Your voucher for a haircut at 叶子发艺 expires tomorrow",
        url="/messages/",
    )
    note.created_at = dt.datetime(2026, 11, 29, 16, 30, tzinfo=dt.UTC)
    # when
    with translation.override("en"):
        payload = WeChatTemplateChannel(transport=RecordingTransport()).payload(note)
    # then
    assert payload == {
        "touser": "oALICE-openid",
        "template_id": "TPL-VOUCHER",
        "client_msg_id": f"notification-{note.pk}",
        "url": "https://points.example.gov.cn/messages/",
        "data": {
            "thing1": {"value": "Your voucher for a …"},
            "thing2": {"value": "Voucher expiring"},
            "time3": {"value": "2026-11-30 00:30"},
        },
    }
    assert len(payload["data"]["thing1"]["value"]) == 20


def test_wechat_fetches_a_token_once_and_sends(town):
    # when: two notifications go out
    channel = WeChatTemplateChannel()
    channel.send(_note(town))
    channel.send(_note(town, title="again"))
    # then: one token request (cached), two sends with that token
    calls = RecordingTransport.calls
    assert [url.split("?")[0].rsplit("/", 1)[1] for url, _ in calls] == [
        "stable_token",
        "send",
        "send",
    ]
    assert calls[0][1] == {
        "grant_type": "client_credential",
        "appid": "wx123",
        "secret": "s3cret",
        "force_refresh": False,
    }
    assert calls[1][0].endswith("?access_token=TOKEN1") and calls[2][0].endswith("TOKEN1")
    assert calls[1][1]["template_id"] == "TPL-DEFAULT"


def test_wechat_refreshes_an_expired_token_once_then_gives_up(town):
    # given: the cached token has expired on WeChat's side
    RecordingTransport.answers = [{"errcode": 42001, "errmsg": "access_token expired"}]
    # when
    WeChatTemplateChannel().send(_note(town))
    # then: refreshed (force_refresh) and retried with the new token
    calls = RecordingTransport.calls
    assert [c[1].get("force_refresh") for c in calls if "stable_token" in c[0]] == [False, True]
    assert calls[-1][0].endswith("access_token=TOKEN2")
    # and any other error is raised (deliver() logs it)
    RecordingTransport.answers = [{"errcode": 43004, "errmsg": "require subscribe"}]
    with pytest.raises(WeChatError) as exc:
        WeChatTemplateChannel().send(_note(town))
    assert exc.value.errcode == 43004


def test_wechat_skips_people_without_an_openid(town):
    WeChatTemplateChannel().send(_note(town, recipient=town.bob))
    assert RecordingTransport.calls == []


def test_wechat_misconfiguration_is_loud(town, settings):
    settings.WECHAT_TEMPLATE_IDS = ["voucher_expiring"]
    with pytest.raises(ImproperlyConfigured):
        WeChatTemplateChannel().payload(_note(town))
    settings.WECHAT_TEMPLATE_IDS = []
    settings.WECHAT_APP_SECRET = ""
    with pytest.raises(ImproperlyConfigured):
        WeChatTemplateChannel().send(_note(town))


def test_wechat_failure_does_not_stop_the_other_channels(
    town, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_CHANNELS = [
        "civicpoints.notifications.channels.WeChatTemplateChannel",
        "civicpoints.notifications.channels.SMSChannel",
    ]
    RecordingTransport.answers = [{"errcode": 43004, "errmsg": "require subscribe"}]
    with django_capture_on_commit_callbacks(execute=True):
        _note(town, title="both")
    assert ConsoleSMSBackend.outbox == [("13800138001", "both")]


def test_the_http_transport_only_calls_https():
    with pytest.raises(ValueError):
        HttpTransport().post_json("http://api.weixin.qq.com/x", {})
