"""The Tencent Cloud and Alibaba Cloud SMS backends (issue 15, item 2), each through its
official SDK against a fake provider on 127.0.0.1 (``fake_sms``): what reaches the
provider, and how its answers map to our errors and retries."""

import logging

import pytest

from civicpoints.accounts.models import CodePurpose, User, VerificationCode
from civicpoints.accounts.services import resident_register_with_code, verification_code_send
from civicpoints.accounts.sms import (
    AliyunSMSBackend,
    SMSRateLimited,
    SMSRejected,
    SMSUnavailable,
    TencentSMSBackend,
)
from civicpoints.accounts.tests.fake_sms import FakeGateway

MOBILE = "13600001234"
BACKENDS = {
    "tencent": ("civicpoints.accounts.sms.TencentSMSBackend", "TENCENT_SMS_ENDPOINT"),
    "aliyun": ("civicpoints.accounts.sms.AliyunSMSBackend", "ALIYUN_SMS_ENDPOINT"),
}


@pytest.fixture(params=sorted(BACKENDS))
def gateway(request, settings):
    """A fake provider with our settings pointing the official SDK at it."""
    kind = request.param
    path, endpoint_setting = BACKENDS[kind]
    settings.SMS_BACKEND = path
    settings.SMS_GATEWAY_SCHEME = "http"
    settings.SMS_SIGN_NAME = "公益积分"
    settings.SMS_TEMPLATE_IDS = ["code=1100001", "password_reset=1100002", "notice=1100003"]
    settings.SMS_TIMEOUT = 1
    settings.SMS_RETRIES = 2
    settings.SMS_RETRY_BACKOFF = 0
    settings.TENCENT_SMS_SECRET_ID = "AKIDtest"
    settings.TENCENT_SMS_SECRET_KEY = "tencent-test-key"
    settings.TENCENT_SMS_SDK_APP_ID = "1400000001"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "LTAItest"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "aliyun-test-secret"
    with FakeGateway(kind, stall_seconds=1.5) as fake:
        setattr(settings, endpoint_setting, fake.endpoint)
        yield fake


def _backend(fake):
    return TencentSMSBackend() if fake.kind == "tencent" else AliyunSMSBackend()


def _send(fake):
    _backend(fake).send(
        mobile=MOBILE, text="…", template="code", params={"code": "123456", "minutes": "5"}
    )


def _sent_fields(fake, request):
    """(phone, sign, template id, params) as the provider received them."""
    if fake.kind == "tencent":
        body = request["body"]
        return (
            body["PhoneNumberSet"],
            body["SignName"],
            body["TemplateId"],
            body["TemplateParamSet"],
        )
    query = request["query"]
    return (query["PhoneNumbers"], query["SignName"], query["TemplateCode"], query["TemplateParam"])


def test_a_text_reaches_the_provider_signed_with_our_sign_and_template(gateway):
    # when
    _send(gateway)
    # then
    (request,) = gateway.requests
    phone, sign, template, params = _sent_fields(gateway, request)
    assert sign == "公益积分" and template == "1100001"
    if gateway.kind == "tencent":
        assert (phone, params) == (["+8613600001234"], ["123456", "5"])
        assert request["headers"]["X-TC-Action"] == "SendSms"
        assert request["headers"]["X-TC-Version"] == "2021-01-11"
        assert request["headers"]["Authorization"].startswith(
            "TC3-HMAC-SHA256 Credential=AKIDtest/"
        )
        assert request["body"]["SmsSdkAppId"] == "1400000001"
    else:
        assert (phone, params) == ("13600001234", '{"code": "123456", "minutes": "5"}')
        assert request["headers"]["x-acs-action"] == "SendSms"
        assert request["headers"]["x-acs-version"] == "2017-05-25"
        assert "LTAItest" in request["headers"]["Authorization"]


def test_the_providers_rate_limit_is_ours_and_not_retried(gateway):
    # given
    gateway.script = ["rate"]
    # when
    with pytest.raises(SMSRateLimited) as exc:
        _send(gateway)
    # then
    assert exc.value.status == 429
    assert exc.value.provider_code in (
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "isv.BUSINESS_LIMIT_CONTROL",
    )
    assert len(gateway.requests) == 1


def test_a_bad_template_is_rejected_and_not_retried(gateway):
    gateway.script = ["template"]
    with pytest.raises(SMSRejected) as exc:
        _send(gateway)
    assert exc.value.provider_code in (
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "isv.SMS_TEMPLATE_ILLEGAL",
    )
    assert len(gateway.requests) == 1


def test_a_busy_provider_is_retried_until_it_answers(gateway):
    # given: two provider errors, then success
    gateway.script = ["busy", "busy", "ok"]
    # when
    _send(gateway)
    # then
    assert [r["scenario"] for r in gateway.requests] == ["busy", "busy", "ok"]


def test_a_timeout_is_retried_then_given_up(gateway):
    # given: a provider that never answers in time
    gateway.script = ["timeout"]
    # when
    with pytest.raises(SMSUnavailable):
        _send(gateway)
    # then: one call and SMS_RETRIES more
    assert len(gateway.requests) == 3


def test_a_timeout_then_an_answer_sends_once_more(gateway):
    gateway.script = ["timeout", "ok"]
    _send(gateway)
    assert [r["scenario"] for r in gateway.requests] == ["timeout", "ok"]


def test_a_template_we_did_not_configure_never_leaves(gateway, settings):
    settings.SMS_TEMPLATE_IDS = ["notice=1100003"]
    with pytest.raises(SMSRejected) as exc:
        _send(gateway)
    assert exc.value.provider_code == "template_not_configured"
    assert gateway.requests == []


def test_registration_by_code_through_the_provider(gateway, town, caplog):
    # given
    caplog.set_level(logging.DEBUG)
    verification_code_send(mobile=MOBILE, purpose=CodePurpose.REGISTER, ip="10.0.0.1")
    (request,) = gateway.requests
    params = _sent_fields(gateway, request)[3]
    code = params[0] if gateway.kind == "tencent" else params.split('"')[3]
    # when
    user = resident_register_with_code(
        mobile=MOBILE, code=code, nickname="Dora", password=town.password, community=town.a
    )
    # then
    assert user.mobile_verified_at is not None
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "136****1234" in logged and MOBILE not in logged and code not in logged


def test_a_refusing_provider_leaves_no_live_code_and_answers_in_chinese(client, gateway, town):
    # given
    gateway.script = ["rate"]
    # when
    resp = client.post(
        "/api/v1/auth/code",
        {"mobile": MOBILE, "purpose": "register"},
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
    )
    # then
    assert resp.status_code == 429
    assert resp.json() == {
        "code": "sms_rate_limited",
        "detail": "该号码短信发送过于频繁，请稍后再试。",
        "field": None,
    }
    assert not VerificationCode.objects.filter(mobile=MOBILE, closed_at__isnull=True).exists()
    assert not User.objects.filter(mobile=MOBILE).exists()
