"""Outbound SMS behind one interface: Tencent Cloud, Alibaba Cloud, and a console backend.

``settings.SMS_BACKEND`` names the ``SMSBackend`` subclass. Chinese gateways send
only approved templates with a registered sign name, so a message is a logical
``template`` (``code``, ``password_reset``, ``notice``) with its ``params``; the
provider's template ids come from the environment (README, "SMS"). ``text`` is the
same message written out, for the console backend and for tests.

Errors: every backend raises ``SMSRateLimited`` (the provider refuses this number
for now: not retried), ``SMSRejected`` (bad template, sign, number or credit: not
retried, a configuration problem) or ``SMSUnavailable`` (timeout, network, provider
busy: retried here ``SMS_RETRIES`` times with backoff, then raised for the task
queue to try again later). No backend logs a code, a password or a full mobile
number: log lines name the template and the masked number only.
"""

from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import DomainError
from civicpoints.core.mobile import mask_mobile

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger("civicpoints.sms")

TEMPLATES = ("code", "password_reset", "notice")


class SMSError(DomainError):
    """The gateway did not take the message. ``provider_code`` is the provider's own."""

    code = "sms_failed"
    status = 502
    default_detail = _("The text message could not be sent. Please try again later.")

    def __init__(
        self, detail: StrOrPromise | None = None, *, provider_code: str = "", **kwargs: Any
    ) -> None:
        super().__init__(detail, **kwargs)
        self.provider_code = provider_code


class SMSRateLimited(SMSError):
    code = "sms_rate_limited"
    status = 429
    default_detail = _(
        "Too many text messages to this number for now. Please wait a while and try again."
    )


class SMSRejected(SMSError):
    code = "sms_rejected"
    default_detail = _("The text message service is not available. Please contact your community.")


class SMSUnavailable(SMSError):
    code = "sms_unavailable"
    status = 503


class SMSBackend(ABC):
    """A gateway; subclasses implement ``_send_once``. ``delivers`` is False when
    nothing leaves the machine (console), so callers never claim a text was sent."""

    delivers = True

    def send(
        self,
        *,
        mobile: str,
        text: str,
        template: str = "notice",
        params: dict[str, str] | None = None,
    ) -> None:
        """Send ``template`` with ``params`` (``text`` is the same message written out)
        to the canonical 11-digit ``mobile``; ``notice`` defaults to ``{"text": text}``.

        Transient failures (``SMSUnavailable``) are retried ``settings.SMS_RETRIES``
        times, waiting ``SMS_RETRY_BACKOFF`` seconds, doubled each time. A retried
        timeout may deliver twice (neither provider deduplicates SendSms): accepted,
        a duplicate text is better than none.

        Raises: SMSRateLimited, SMSRejected, SMSUnavailable (after the retries).
        """
        if template not in TEMPLATES:
            raise ValueError(f"unknown SMS template {template!r}")
        if params is None:
            params = {"text": text}
        delay = settings.SMS_RETRY_BACKOFF
        for attempt in range(settings.SMS_RETRIES + 1):
            try:
                self._send_once(mobile=mobile, text=text, template=template, params=params)
            except SMSUnavailable as exc:
                log.warning(
                    "SMS %s to %s failed (%s, attempt %d)",
                    template,
                    mask_mobile(mobile),
                    exc.provider_code,
                    attempt + 1,
                )
                if attempt == settings.SMS_RETRIES:
                    raise
                time.sleep(delay)
                delay *= 2
            else:
                log.info("SMS %s to %s sent", template, mask_mobile(mobile))
                return

    @abstractmethod
    def _send_once(self, *, mobile: str, text: str, template: str, params: dict[str, str]) -> None:
        """One call to the gateway. Raises SMSRateLimited, SMSRejected, SMSUnavailable."""


class Outbox(list[Any]):
    """The console backend's memory of sent messages, trimmed to its newest ``maxlen``."""

    maxlen = 100

    def append(self, item: Any) -> None:
        super().append(item)
        del self[: -self.maxlen]


class ConsoleSMSBackend(SMSBackend):
    """Sends nothing. Logs the template and the masked number, never the text; keeps
    ``(mobile, text)`` in the bounded ``outbox`` only where ``SMS_CONSOLE_OUTBOX`` is
    on (tests and ``DEBUG``, where ``/dev/sms/`` shows it to the developer).

    With ``DEBUG`` off the settings refuse this backend unless
    ``SMS_CONSOLE_IN_PRODUCTION=1`` (``civicpoints.env.check_console_allowed``)."""

    delivers = False
    outbox: Outbox = Outbox()

    def _send_once(self, *, mobile: str, text: str, template: str, params: dict[str, str]) -> None:
        if settings.SMS_CONSOLE_OUTBOX:
            type(self).outbox.append((mobile, text))


def _template_id(template: str) -> str:
    """The provider's template id for our logical ``template`` (``SMS_TEMPLATE_IDS``)."""
    ids = {}
    for item in settings.SMS_TEMPLATE_IDS:
        key, sep, value = item.partition("=")
        if sep and value.strip():
            ids[key.strip()] = value.strip()
    if template not in ids:
        raise SMSRejected(provider_code="template_not_configured")
    return ids[template]


def _require(*names: str) -> list[str]:
    values = [getattr(settings, n) for n in names]
    missing = [n for n, v in zip(names, values, strict=True) if not v]
    if missing:
        raise ImproperlyConfigured(f"SMS backend needs {', '.join(missing)}")
    return values


class TencentSMSBackend(SMSBackend):
    """Tencent Cloud SMS, ``SendSms`` of API 2021-01-11, through the official SDK
    (``tencentcloud-sdk-python-sms``).

    Settings: ``TENCENT_SMS_SECRET_ID``, ``TENCENT_SMS_SECRET_KEY``,
    ``TENCENT_SMS_SDK_APP_ID``, ``TENCENT_SMS_REGION`` (ap-guangzhou),
    ``SMS_SIGN_NAME``, ``SMS_TEMPLATE_IDS``; ``TENCENT_SMS_ENDPOINT`` and
    ``SMS_GATEWAY_SCHEME`` only to point the SDK elsewhere (the tests' fake server).
    Template parameters are sent in the order of ``params``.
    """

    # Per-number refusals that a later try may pass (FailedOperation.* rate
    # ones included); the provider's docs list them under LimitExceeded.
    RATE_CODES = (
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
        "LimitExceeded.PhoneNumberDailyLimit",
        "LimitExceeded.PhoneNumberSameContentDailyLimit",
        "LimitExceeded.DeliveryFrequencyLimit",
        "LimitExceeded.AppDailyLimit",
        "RequestLimitExceeded",
    )
    TRANSIENT_CODES = (
        "InternalError",
        "InternalError.Timeout",
        "InternalError.RequestTimeException",
        "ClientNetworkError",
        "ServerNetworkError",
        "ReadTimeout",
        "ConnectTimeout",
        "ConnectionError",
        "FailedOperation.FailResolvePacket",
    )

    def __init__(self) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        secret_id, secret_key, self.app_id, self.sign_name = _require(
            "TENCENT_SMS_SECRET_ID",
            "TENCENT_SMS_SECRET_KEY",
            "TENCENT_SMS_SDK_APP_ID",
            "SMS_SIGN_NAME",
        )
        http = HttpProfile(
            protocol=settings.SMS_GATEWAY_SCHEME,
            endpoint=settings.TENCENT_SMS_ENDPOINT,
            reqTimeout=settings.SMS_TIMEOUT,
        )
        profile = ClientProfile(httpProfile=http)
        profile.disable_region_breaker = True  # one region; our retries decide
        self.client = sms_client.SmsClient(
            credential.Credential(secret_id, secret_key), settings.TENCENT_SMS_REGION, profile
        )

    def _classify(self, code: str, message: str) -> SMSError:
        if code in self.RATE_CODES or code.startswith("LimitExceeded"):
            return SMSRateLimited(provider_code=code)
        if code in self.TRANSIENT_CODES or code.startswith("InternalError"):
            return SMSUnavailable(provider_code=code)
        return SMSRejected(provider_code=code)

    def _send_once(self, *, mobile: str, text: str, template: str, params: dict[str, str]) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{mobile}"]
        request.SmsSdkAppId = self.app_id
        request.SignName = self.sign_name
        request.TemplateId = _template_id(template)
        request.TemplateParamSet = [str(v) for v in params.values()]
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise self._classify(exc.get_code() or "", exc.get_message() or "") from None
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SMSUnavailable(provider_code="empty_status")
        status = statuses[0]
        if status.Code != "Ok":
            raise self._classify(status.Code or "", status.Message or "")


class AliyunSMSBackend(SMSBackend):
    """Alibaba Cloud SMS (Dysmsapi 2017-05-25 ``SendSms``) through the official SDK
    (``alibabacloud-dysmsapi20170525``).

    Settings: ``ALIYUN_SMS_ACCESS_KEY_ID``, ``ALIYUN_SMS_ACCESS_KEY_SECRET``,
    ``SMS_SIGN_NAME``, ``SMS_TEMPLATE_IDS``; ``ALIYUN_SMS_ENDPOINT``
    (dysmsapi.aliyuncs.com) and ``SMS_GATEWAY_SCHEME`` to point it elsewhere.
    Template parameters are sent by name (``TemplateParam`` JSON of ``params``).
    """

    RATE_CODES = ("isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "isv.DAY_LIMIT_CONTROL")
    TRANSIENT_CODES = ("isp.SYSTEM_ERROR", "isp.RAM_PERMISSION_DENY", "ServiceUnavailable")

    def __init__(self) -> None:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as open_api_models

        key_id, key_secret, self.sign_name = _require(
            "ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME"
        )
        timeout_ms = int(settings.SMS_TIMEOUT * 1000)
        config = open_api_models.Config(
            access_key_id=key_id,
            access_key_secret=key_secret,
            endpoint=settings.ALIYUN_SMS_ENDPOINT,
            protocol=settings.SMS_GATEWAY_SCHEME,
            read_timeout=timeout_ms,
            connect_timeout=timeout_ms,
        )
        self.client = Client(config)

    def _classify(self, code: str) -> SMSError:
        if code in self.RATE_CODES:
            return SMSRateLimited(provider_code=code)
        if code in self.TRANSIENT_CODES:
            return SMSUnavailable(provider_code=code)
        return SMSRejected(provider_code=code)

    def _send_once(self, *, mobile: str, text: str, template: str, params: dict[str, str]) -> None:
        from alibabacloud_dysmsapi20170525 import models
        from darabonba.runtime import RuntimeOptions

        request = models.SendSmsRequest(
            phone_numbers=mobile,
            sign_name=self.sign_name,
            template_code=_template_id(template),
            template_param=json.dumps(params, ensure_ascii=False),
        )
        try:
            response = self.client.send_sms_with_options(request, RuntimeOptions(autoretry=False))
        except Exception as exc:  # noqa: BLE001 - the SDK raises its own and network errors
            code = getattr(exc, "code", None) or type(exc).__name__
            status = getattr(exc, "status_code", None) or getattr(exc, "statusCode", None)
            if isinstance(status, int) and status < 500 and code not in self.TRANSIENT_CODES:
                raise self._classify(str(code)) from None
            raise SMSUnavailable(provider_code=str(code)) from None
        body = response.body
        if body is None or body.code != "OK":
            raise self._classify(getattr(body, "code", "") or "no_body")


def get_sms_backend() -> SMSBackend:
    """An instance of the backend named by ``settings.SMS_BACKEND``."""
    backend: SMSBackend = import_string(settings.SMS_BACKEND)()
    return backend
