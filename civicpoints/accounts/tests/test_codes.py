"""SMS verification codes (issue 15, item 1): registration, sign-in by code, password
reset, the confirmation of staff-registered numbers, limits, and what answers reveal."""

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from civicpoints.accounts.models import CodePurpose, User, VerificationCode
from civicpoints.accounts.services import (
    CodeExhausted,
    CodeExpired,
    CodeInvalid,
    CodeWrong,
    MobileTaken,
    password_reset_by_staff,
    password_reset_with_code,
    resident_register_by_staff,
    resident_register_with_code,
    user_sign_in_with_code,
    verification_code_send,
)
from civicpoints.accounts.sms import ConsoleSMSBackend, Outbox, SMSBackend, SMSUnavailable
from civicpoints.core.throttle import RateLimited

API = "/api/v1"
NEW = "13600001234"


def _register(town, code, mobile=NEW, **kw):
    return resident_register_with_code(
        mobile=mobile,
        code=code,
        nickname=kw.pop("nickname", "Newbie"),
        password=kw.pop("password", town.password),
        community=town.a,
        **kw,
    )


def test_a_code_is_six_random_digits_stored_only_as_a_hash(town, texted_code):
    # when
    code = texted_code(NEW, CodePurpose.REGISTER)
    # then
    row = VerificationCode.objects.get(mobile=NEW)
    assert len(code) == 6 and code.isdigit()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == dt.timedelta(seconds=300)
    assert (row.attempts, row.closed_at) == (0, None)


def test_registering_with_the_right_code_proves_the_number(town, texted_code):
    # given
    code = texted_code(NEW, CodePurpose.REGISTER)
    # when
    user = _register(town, code, mobile="+86 136-0000-1234")
    # then
    assert user.mobile == NEW and user.mobile_verified_at is not None
    assert user.point_account.balance == 0
    assert VerificationCode.objects.get(mobile=NEW).closed_at is not None
    with pytest.raises(CodeInvalid):  # spent: a replay is refused
        _register(town, code, nickname="again")


def test_wrong_codes_count_five_tries_then_the_code_is_dead(town, texted_code):
    # given
    code = texted_code(NEW, CodePurpose.REGISTER)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    # when: four wrong tries
    lefts = []
    for _ in range(4):
        with pytest.raises(CodeWrong) as exc:
            _register(town, wrong)
        lefts.append(str(exc.value.detail))
    # then: the fifth, even the right code, ends it
    assert lefts == [f"验证码错误，还可以再试 {n} 次。" for n in (4, 3, 2, 1)]
    with pytest.raises(CodeExhausted):
        _register(town, wrong)
    with pytest.raises(CodeInvalid):
        _register(town, code)
    assert not User.objects.filter(mobile=NEW).exists()
    assert VerificationCode.objects.get(mobile=NEW).attempts == 5


def test_an_expired_code_is_refused_in_chinese(town, texted_code, monkeypatch):
    # given
    code = texted_code(NEW, CodePurpose.REGISTER)
    later = timezone.now() + dt.timedelta(seconds=301)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    # when
    with translation.override("zh-hans"), pytest.raises(CodeExpired) as exc:
        _register(town, code)
    # then
    assert (exc.value.field, str(exc.value.detail)) == (
        "code",
        "验证码已过期（5 分钟内有效），请重新获取。",
    )
    assert not User.objects.filter(mobile=NEW).exists()


def test_a_wrong_code_is_explained_in_chinese(client, town, texted_code):
    # given
    code = texted_code(town.alice.mobile, CodePurpose.LOGIN)
    # when
    resp = client.post(
        f"{API}/auth/login/code",
        {"mobile": town.alice.mobile, "code": "x" + code},
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
    )
    # then
    assert resp.status_code == 422
    assert resp.json()["field"] == "code"
    assert resp.json()["detail"] == "验证码错误，还可以再试 4 次。"


def test_a_new_code_replaces_the_old_one(town, texted_code, settings):
    # given
    settings.SMS_CODE_INTERVAL = 0
    first = texted_code(NEW, CodePurpose.REGISTER)
    second = texted_code(NEW, CodePurpose.REGISTER)
    # then
    assert VerificationCode.objects.filter(mobile=NEW, closed_at__isnull=True).count() == 1
    if first != second:
        with pytest.raises(CodeWrong):
            _register(town, first)
    assert _register(town, second).mobile == NEW


def test_input_errors_come_before_a_try_is_spent(town, texted_code):
    # given
    code = texted_code(NEW, CodePurpose.REGISTER)
    # when
    with pytest.raises(Exception) as exc:
        _register(town, code, password="12345678")
    # then
    assert exc.value.field == "password"
    assert VerificationCode.objects.get(mobile=NEW).attempts == 0


def test_a_taken_number_is_told_only_to_whoever_holds_its_code(client, town, texted_code):
    # given: alice's number
    client.get(f"{API}/auth/csrf")
    body = {
        "mobile": town.alice.mobile,
        "nickname": "Mallory",
        "password": town.password,
        "community_id": town.a.pk,
    }
    # when: without the code, the answer is about the code
    resp = client.post(
        f"{API}/auth/register", {**body, "code": "123456"}, content_type="application/json"
    )
    # then
    assert resp.status_code == 422 and resp.json()["code"] == "code_invalid"
    # when: with the code texted to alice
    code = texted_code(town.alice.mobile, CodePurpose.REGISTER)
    resp = client.post(
        f"{API}/auth/register", {**body, "code": code}, content_type="application/json"
    )
    # then
    assert resp.status_code == 409 and resp.json()["code"] == "mobile_taken"
    # and nothing half-written: the code is still usable, no second account
    assert VerificationCode.objects.get(mobile=town.alice.mobile).closed_at is None
    assert User.objects.filter(mobile=town.alice.mobile).count() == 1


def test_asking_for_a_code_answers_alike_for_registered_and_unknown_numbers(client, town):
    # when
    answers = []
    for mobile in (town.alice.mobile, NEW):
        for purpose in ("login", "reset"):
            resp = client.post(
                f"{API}/auth/code",
                {"mobile": mobile, "purpose": purpose},
                content_type="application/json",
            )
            answers.append((resp.status_code, resp.json()))
            for row in VerificationCode.objects.filter(mobile=mobile):
                row.delete()  # test clean-up of the 60 s interval's other half
            from django.core.cache import cache

            cache.clear()
    # then: the same answers; a code exists for both, texted only to alice
    assert len({str(a) for a in answers}) == 1 and answers[0][0] == 202
    assert [m for m, _ in ConsoleSMSBackend.outbox] == [town.alice.mobile] * 2


def test_a_wrong_code_for_an_unknown_number_answers_like_for_a_known_one(town):
    # given
    verification_code_send(mobile=NEW, purpose=CodePurpose.LOGIN)
    verification_code_send(mobile=town.alice.mobile, purpose=CodePurpose.LOGIN)
    # when / then
    for mobile in (NEW, town.alice.mobile):
        with pytest.raises(CodeWrong) as exc:
            user_sign_in_with_code(mobile=mobile, code="1")
        assert (exc.value.code, str(exc.value.detail)) == (
            "code_wrong",
            "验证码错误，还可以再试 4 次。",
        )


def test_sends_are_limited_per_number_and_per_address(town, settings):
    # given
    settings.SMS_CODE_PER_IP_HOUR = 3
    verification_code_send(mobile=NEW, purpose=CodePurpose.REGISTER, ip="10.0.0.9")
    # when: the same number again at once
    with pytest.raises(RateLimited) as exc:
        verification_code_send(mobile=NEW, purpose=CodePurpose.REGISTER, ip="10.0.0.8")
    # then
    assert (exc.value.status, exc.value.field) == (429, "mobile")
    # when: one address asks for many numbers
    verification_code_send(mobile="13600000002", purpose=CodePurpose.REGISTER, ip="10.0.0.9")
    verification_code_send(mobile="13600000003", purpose=CodePurpose.REGISTER, ip="10.0.0.9")
    with pytest.raises(RateLimited):
        verification_code_send(mobile="13600000004", purpose=CodePurpose.REGISTER, ip="10.0.0.9")
    # then: the refused ask texted nothing and left no code
    assert not VerificationCode.objects.filter(mobile="13600000004").exists()
    assert len(ConsoleSMSBackend.outbox) == 3


def test_sends_are_limited_per_number_and_day(town, settings):
    # given
    settings.SMS_CODE_INTERVAL = 0
    settings.SMS_CODE_PER_MOBILE_DAY = 2
    for ip in ("10.0.0.1", "10.0.0.2"):
        verification_code_send(mobile=NEW, purpose=CodePurpose.REGISTER, ip=ip)
    # when / then
    with pytest.raises(RateLimited):
        verification_code_send(mobile=NEW, purpose=CodePurpose.REGISTER, ip="10.0.0.3")


def test_the_code_api_is_limited_too(client, town):
    # given
    body = {"mobile": NEW, "purpose": "register"}
    assert client.post(f"{API}/auth/code", body, content_type="application/json").status_code == 202
    # when
    resp = client.post(f"{API}/auth/code", body, content_type="application/json")
    # then
    assert resp.status_code == 429 and resp.json()["code"] == "rate_limited"
    resp = client.post(
        f"{API}/auth/code", {"mobile": NEW, "purpose": "spy"}, content_type="application/json"
    )
    assert resp.status_code == 422 and resp.json()["field"] == "purpose"


def test_sign_in_by_code_through_the_api(client, town, texted_code):
    # given
    code = texted_code(town.alice.mobile, CodePurpose.LOGIN)
    # when
    resp = client.post(
        f"{API}/auth/login/code",
        {"mobile": "+86 138 0013 8001", "code": code},
        content_type="application/json",
    )
    # then
    assert resp.status_code == 200 and resp.json()["id"] == town.alice.pk
    assert client.get(f"{API}/me").json()["nickname"] == "Alice"


def test_sign_in_by_code_page(client, town):
    # given: the page's "text me a code" button
    url = reverse("accounts:login_code")
    resp = client.post(url, {"mobile": town.alice.mobile, "action": "send_code"})
    assert resp.status_code == 200 and not resp.context["form"].errors
    ((_, text),) = ConsoleSMSBackend.outbox
    code = next(w for w in text.replace(",", " ").replace("，", " ").split() if w.isdigit())
    # when
    resp = client.post(url, {"mobile": town.alice.mobile, "code": code})
    # then
    assert resp.status_code == 302
    assert client.get(reverse("portal:home")).context["user"] == town.alice


def test_register_page_sends_a_code_and_keeps_the_values(client, town):
    # when
    resp = client.post(
        reverse("accounts:register"),
        {"mobile": NEW, "nickname": "Dora", "community": town.a.pk, "action": "send_code"},
    )
    # then
    assert resp.status_code == 200
    assert not resp.context["form"].errors
    assert 'value="Dora"' in resp.content.decode()
    assert [m for m, _ in ConsoleSMSBackend.outbox] == [NEW]
    # when: again at once
    resp = client.post(reverse("accounts:register"), {"mobile": NEW, "action": "send_code"})
    # then: the limit shows on the mobile field
    assert "mobile" in resp.context["form"].errors


def test_self_service_password_reset(client, town, texted_code):
    # given
    code = texted_code(town.alice.mobile, CodePurpose.RESET)
    url = reverse("accounts:password_reset")
    # when: a weak password first
    resp = client.post(url, {"mobile": town.alice.mobile, "code": code, "password": "12345678"})
    assert "password" in resp.context["form"].errors
    # when
    resp = client.post(
        url, {"mobile": town.alice.mobile, "code": code, "password": "Another-pass-2026"}
    )
    # then
    assert resp.status_code == 302
    town.alice.refresh_from_db()
    assert town.alice.check_password("Another-pass-2026")


def test_password_reset_for_an_unknown_number_answers_like_a_wrong_code(client, town):
    # given
    verification_code_send(mobile=NEW, purpose=CodePurpose.RESET)
    assert ConsoleSMSBackend.outbox == []
    # when
    resp = client.post(
        f"{API}/auth/password/reset",
        {"mobile": NEW, "code": "123456", "new_password": "Another-pass-2026"},
        content_type="application/json",
    )
    # then
    assert resp.status_code == 422 and resp.json()["code"] == "code_wrong"


def test_password_reset_api(client, town, texted_code):
    code = texted_code(town.bob.mobile, CodePurpose.RESET)
    resp = client.post(
        f"{API}/auth/password/reset",
        {"mobile": town.bob.mobile, "code": code, "new_password": "Another-pass-2026"},
        content_type="application/json",
    )
    assert resp.status_code == 204
    assert password_reset_with_code is not None
    town.bob.refresh_from_db()
    assert town.bob.check_password("Another-pass-2026")


def test_a_resident_registered_by_staff_confirms_the_number_at_first_sign_in(
    client, town, texted_code
):
    # given: staff register grandpa and reset his password at the office
    grandpa = resident_register_by_staff(
        actor=town.staff_a, mobile="13500003333", nickname="Grandpa", community=town.a
    )
    temporary, _sent = password_reset_by_staff(actor=town.staff_a, person=grandpa)
    ConsoleSMSBackend.outbox.clear()
    # when: he signs in with the password
    resp = client.post(reverse("accounts:login"), {"mobile": grandpa.mobile, "password": temporary})
    # then: not signed in; sent on to the code page with a code texted to him
    assert resp.status_code == 302 and resp.url == reverse("accounts:login_code")
    assert "_auth_user_id" not in client.session
    code = texted_code(grandpa.mobile)
    # when
    resp = client.post(resp.url, {"mobile": grandpa.mobile, "code": code})
    # then
    assert resp.status_code == 302
    grandpa.refresh_from_db()
    assert grandpa.mobile_verified_at is not None and not grandpa.needs_mobile_confirmation
    client.logout()
    resp = client.post(reverse("accounts:login"), {"mobile": grandpa.mobile, "password": temporary})
    assert resp.status_code == 302 and resp.url == reverse("portal:home")


def test_the_api_asks_a_staff_registered_resident_to_confirm(client, town):
    grandpa = resident_register_by_staff(
        actor=town.staff_a, mobile="13500003333", nickname="Grandpa", community=town.a
    )
    temporary, _sent = password_reset_by_staff(actor=town.staff_a, person=grandpa)
    resp = client.post(
        f"{API}/auth/login",
        {"mobile": grandpa.mobile, "password": temporary},
        content_type="application/json",
    )
    assert resp.status_code == 403 and resp.json()["code"] == "mobile_unconfirmed"


class _DownBackend(SMSBackend):
    def _send_once(self, **kw):
        raise SMSUnavailable(provider_code="InternalError.Timeout")


def test_a_gateway_failure_leaves_no_usable_code_and_a_clear_message(client, town, settings):
    # given
    settings.SMS_BACKEND = "civicpoints.accounts.tests.test_codes._DownBackend"
    settings.SMS_RETRIES = 1
    settings.SMS_RETRY_BACKOFF = 0
    # when
    resp = client.post(
        f"{API}/auth/code",
        {"mobile": NEW, "purpose": "register"},
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
    )
    # then
    assert resp.status_code == 503 and resp.json()["code"] == "sms_unavailable"
    assert resp.json()["detail"] == "短信发送失败，请稍后再试。"
    assert not VerificationCode.objects.filter(mobile=NEW, closed_at__isnull=True).exists()


def test_no_log_line_holds_a_code_a_password_or_a_full_mobile(client, town, texted_code, caplog):
    # given
    caplog.set_level(logging.DEBUG)
    # when: a code, a registration, a staff reset
    code = texted_code(NEW, CodePurpose.REGISTER)
    _register(town, code)
    temporary, _sent = password_reset_by_staff(actor=town.staff_a, person=town.alice)
    # then
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "136****1234" in logged
    for secret in (code, temporary, NEW, town.alice.mobile):
        assert secret not in logged


def test_the_staff_desk_does_not_claim_a_text_that_was_not_sent(client, town):
    client.force_login(town.staff_a)
    resp = client.post(reverse("accounts:staff_password_reset", args=[town.alice.pk]), follow=True)
    text = " ".join(str(m) for m in resp.context["messages"])
    assert "No text message was sent" in text or "未发送短信" in text
    assert "已同时短信发送" not in text


def test_the_console_outbox_is_bounded():
    box = Outbox()
    for i in range(Outbox.maxlen + 50):
        box.append(("13800000000", str(i)))
    assert len(box) == Outbox.maxlen and box[-1][1] == str(Outbox.maxlen + 49)


def test_production_refuses_the_console_backend_unless_allowed(tmp_path):
    # given
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "civicpoints.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
    }

    def start(**extra):
        return subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", "import django; django.setup()"],
            env={**env, **extra},
            capture_output=True,
            text=True,
            cwd=str(Path(__file__).parents[3]),
            check=False,
        )

    # when / then
    refused = start()
    assert refused.returncode != 0 and "SMS_CONSOLE_IN_PRODUCTION" in refused.stderr
    assert start(SMS_CONSOLE_IN_PRODUCTION="1").returncode == 0
    assert os.environ.get("DJANGO_SETTINGS_MODULE")


def test_registration_race_spends_a_code_once(town, texted_code):
    # given: a code already spent by one registration
    code = texted_code(NEW, CodePurpose.REGISTER)
    _register(town, code)
    # when: the same number and code again (a double submit)
    with pytest.raises((CodeInvalid, MobileTaken)):
        _register(town, code, nickname="twice")
    # then
    assert User.objects.filter(mobile=NEW).count() == 1


@pytest.mark.parametrize("purpose", ["login", "reset", "bind"])
def test_with_the_gateway_down_a_registered_number_answers_like_an_unregistered_one(
    client, town, settings, purpose
):
    # given: the gateway refuses every text (issue 15: the error used to reveal
    # that the number has an account, since an unregistered one is never texted)
    settings.SMS_BACKEND = "civicpoints.accounts.tests.test_codes._DownBackend"
    settings.SMS_RETRIES = 1
    settings.SMS_RETRY_BACKOFF = 0
    settings.SMS_CODE_INTERVAL = 0
    # when
    answers = []
    for mobile in (town.alice.mobile, NEW):
        resp = client.post(
            f"{API}/auth/code",
            {"mobile": mobile, "purpose": purpose},
            content_type="application/json",
            headers={"accept-language": "zh-hans"},
        )
        answers.append((resp.status_code, resp.json()))
    page = client.post(
        reverse("accounts:login_code"),
        {"mobile": town.alice.mobile, "action": "send_code"},
        headers={"accept-language": "zh-hans"},
    )
    # then: the same 202 for both; no usable code left for alice; the page says "on its way"
    assert answers[0] == answers[1] and answers[0][0] == 202
    alice_live = VerificationCode.objects.filter(mobile=town.alice.mobile, closed_at__isnull=True)
    assert not alice_live.exists()
    assert "若该号码可接收短信，验证码已发出" in page.content.decode()
    assert "短信发送失败" not in page.content.decode()


def test_a_close_code_cannot_be_asked_for_any_number_through_the_public_endpoint(client, town):
    # when
    resp = client.post(
        f"{API}/auth/code",
        {"mobile": town.alice.mobile, "purpose": "close"},
        content_type="application/json",
    )
    # then
    assert resp.status_code == 422 and resp.json()["field"] == "purpose"
    assert ConsoleSMSBackend.outbox == []


def test_behind_a_trusted_proxy_the_address_limit_counts_each_client(client, town, settings):
    # given: every request comes through the proxy 10.0.0.1; the limit is 2 an hour
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.SMS_CODE_PER_IP_HOUR = 2
    settings.SMS_CODE_INTERVAL = 0

    def ask(mobile, client_address):
        return client.post(
            f"{API}/auth/code",
            {"mobile": mobile, "purpose": "register"},
            content_type="application/json",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=client_address,
        ).status_code

    # when: two clients ask twice each, then the first a third time
    answers = [ask(f"1360000010{i}", f"203.0.113.{i % 2 + 1}") for i in range(4)]
    third = ask("13600000109", "203.0.113.1")
    # then: each client has its own budget (not one shared by everyone behind the proxy)
    assert answers == [202, 202, 202, 202] and third == 429
