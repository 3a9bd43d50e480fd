"""WeChat sign-in (issue 15, item 3): the official account's web OAuth, binding after
an SMS code, unbinding, one identity per account, the mini-program's jscode2session
with API tokens — against a fake WeChat API on 127.0.0.1 (``fake_wechat``)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from civicpoints.accounts.models import ApiToken, WeChatIdentity
from civicpoints.accounts.selectors import wechat_openid
from civicpoints.accounts.services import (
    WeChatAlreadyBound,
    WeChatTaken,
    wechat_identity_bind,
    wechat_identity_unbind,
)

API = "/api/v1"


@pytest.fixture
def wx(wechat_fake):
    """The fake WeChat API (root conftest ``wechat_fake``)."""
    return wechat_fake


def _start(client, **headers):
    """Open our WeChat sign-in: returns (scope, state) of the authorize redirect."""
    resp = client.get(reverse("accounts:wechat_login") + "?next=/rules/", **headers)
    assert resp.status_code == 302
    url = urlsplit(resp.url)
    assert url.path == "/connect/oauth2/authorize" and url.fragment == "wechat_redirect"
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert q["appid"] == "wxOFFICIAL" and q["response_type"] == "code"
    assert q["redirect_uri"].endswith(reverse("accounts:wechat_callback"))
    return q["scope"], q["state"]


def _callback(client, code, state):
    return client.get(reverse("accounts:wechat_callback"), {"code": code, "state": state})


def _bind(town, texted_code, user, **ids):
    code = texted_code(user.mobile, "bind")
    return wechat_identity_bind(mobile=user.mobile, code=code, **ids)


def test_first_visit_asks_userinfo_binds_by_sms_code_then_returns_silently(
    client, town, wx, texted_code
):
    # given: a first visit asks for the profile
    scope, state = _start(client)
    assert scope == "snsapi_userinfo"
    wx.grant("C1", "oALICE", unionid="uALICE", nickname="爱丽", scope="snsapi_userinfo")
    # when: WeChat sends alice back; her WeChat is bound to nobody
    resp = _callback(client, "C1", state)
    # then: she is asked for her number and a code
    assert resp.url == reverse("accounts:wechat_bind")
    assert "_auth_user_id" not in client.session
    resp = client.post(resp.url, {"mobile": town.alice.mobile, "action": "send_code"})
    code = texted_code(town.alice.mobile)
    resp = client.post(reverse("accounts:wechat_bind"), {"mobile": town.alice.mobile, "code": code})
    # then: bound, signed in, sent where she was going
    assert resp.status_code == 302 and resp.url == "/rules/"
    identity = WeChatIdentity.objects.get(user=town.alice)
    assert (identity.openid, identity.unionid) == ("oALICE", "uALICE")
    assert client.get(reverse("portal:home")).context["user"] == town.alice
    # when: she comes back another day (signed out; the browser remembers WeChat)
    client.post(reverse("accounts:logout"))
    scope, state = _start(client)
    wx.grant("C2", "oALICE", unionid="uALICE")
    resp = _callback(client, "C2", state)
    # then: silent snsapi_base, signed in at once
    assert scope == "snsapi_base"
    assert resp.url == "/rules/"
    assert client.get(reverse("portal:home")).context["user"] == town.alice
    # and what reached WeChat: two code exchanges and one profile read
    paths = [r["path"] for r in wx.requests]
    assert paths == ["/sns/oauth2/access_token", "/sns/userinfo", "/sns/oauth2/access_token"]
    assert wx.requests[0]["query"]["grant_type"] == "authorization_code"


@pytest.mark.parametrize(
    ("code", "status", "ours", "chinese"),
    [
        ("nope", 400, "wechat_code_invalid", "微信登录链接无效，请重试。"),
        ("busy", 503, "wechat_busy", "微信繁忙，请稍后再试。"),
        ("limit", 429, "wechat_rate_limited", "微信登录过于频繁，请稍等一分钟。"),
    ],
)
def test_wechat_errors_read_clearly_and_sign_nobody_in(
    client, town, wx, code, status, ours, chinese
):
    _scope, state = _start(client)
    resp = _callback(client, code, state)
    assert resp.status_code == status
    assert chinese in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_used_code_and_a_forged_state_are_refused(client, town, wx, texted_code):
    # given: alice bound
    _bind(town, texted_code, town.alice, openid="oALICE")
    wx.grant("C1", "oALICE")
    _scope, state = _start(client)
    assert _callback(client, "C1", state).status_code == 302
    client.logout()
    # when: the same code again
    _scope, state = _start(client)
    resp = _callback(client, "C1", state)
    # then: WeChat's 40163
    assert resp.status_code == 400 and "已被使用" in resp.content.decode()
    # when: a state we did not issue (login CSRF)
    wx.grant("C3", "oALICE")
    resp = _callback(client, "C3", "forged")
    assert resp.status_code == 400
    assert "_auth_user_id" not in client.session


def test_one_wechat_per_account_and_one_account_per_wechat(town, texted_code, settings):
    # given
    settings.SMS_CODE_INTERVAL = 0
    _bind(town, texted_code, town.alice, openid="oALICE", unionid="uALICE")
    # when / then: bob cannot take alice's WeChat
    with pytest.raises(WeChatTaken):
        _bind(town, texted_code, town.bob, openid="oALICE")
    # and alice cannot bind a second WeChat
    with pytest.raises(WeChatAlreadyBound):
        _bind(town, texted_code, town.alice, openid="oOTHER")
    assert WeChatIdentity.objects.count() == 1
    # and the database says so too
    with pytest.raises(IntegrityError), transaction.atomic():
        WeChatIdentity.objects.create(user=town.bob, town=town.town, unionid="uALICE")


def test_unbinding_forgets_the_wechat_and_revokes_tokens(client, town, wx, texted_code):
    # given
    _bind(town, texted_code, town.alice, openid="oALICE", mini_openid="mALICE")
    client.force_login(town.alice)
    unbind = reverse("accounts:wechat_unbind")
    assert unbind in client.get(reverse("portal:profile")).content.decode()  # the button
    # when
    resp = client.post(unbind)
    # then
    assert resp.status_code == 302
    assert unbind not in client.get(reverse("portal:profile")).content.decode()
    assert not WeChatIdentity.objects.filter(user=town.alice).exists()
    assert wechat_identity_unbind(user=town.alice) is False  # idempotent


def test_template_messages_find_the_bound_openid(town, texted_code):
    from civicpoints.notifications.channels import WeChatTemplateChannel

    _bind(town, texted_code, town.alice, openid="oALICE")
    channel = WeChatTemplateChannel(transport=object())
    assert channel.openid_lookup(town.alice) == "oALICE" == wechat_openid(town.alice)
    assert channel.openid_lookup(town.bob) is None


def _mini(client, code):
    return client.post(f"{API}/auth/wechat/mini", {"code": code}, content_type="application/json")


def test_mini_program_binds_by_sms_code_and_signs_in_with_a_token(client, town, wx, texted_code):
    # given: a mini-program user not bound yet
    wx.grant("M1", "mALICE", unionid="uALICE")
    resp = _mini(client, "M1")
    assert resp.status_code == 403 and resp.json()["code"] == "wechat_unbound"
    ticket = resp.json()["bind_ticket"]
    # when: she proves her number
    code = texted_code(town.alice.mobile, "bind")
    resp = client.post(
        f"{API}/auth/wechat/mini/bind",
        {"bind_ticket": ticket, "mobile": town.alice.mobile, "code": code},
        content_type="application/json",
    )
    # then: a token, no cookie session needed
    assert resp.status_code == 200
    token = resp.json()["token"]
    assert token.startswith("cpt_") and resp.json()["user"]["id"] == town.alice.pk
    assert not ApiToken.objects.filter(key_hash=token).exists()  # only its hash is kept
    client.logout()
    me = client.get(f"{API}/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["nickname"] == "Alice"
    # when: she signs in again later: a new wx.login() code
    wx.grant("M2", "mALICE", unionid="uALICE")
    resp = _mini(client, "M2")
    assert resp.status_code == 200 and resp.json()["token"] != token
    # and what reached WeChat: jscode2session with the mini-program's app id
    calls = [r for r in wx.requests if r["path"] == "/sns/jscode2session"]
    assert [c["query"]["appid"] for c in calls] == ["wxMINI", "wxMINI"]


def test_tokens_expire_and_can_be_revoked(client, town, wx, texted_code, settings):
    # given
    _bind(town, texted_code, town.alice, mini_openid="mALICE")
    wx.grant("M1", "mALICE")
    token = _mini(client, "M1").json()["token"]
    auth = {"authorization": f"Bearer {token}"}
    # when: revoked
    assert client.post(f"{API}/auth/token/revoke", headers=auth).status_code == 204
    # then
    assert client.get(f"{API}/me", headers=auth).status_code == 401
    # given: a token that outlived its TTL
    settings.API_TOKEN_TTL = 1
    wx.grant("M2", "mALICE")
    token = _mini(client, "M2").json()["token"]
    ApiToken.objects.filter(revoked_at__isnull=True).update(
        created_at="2020-01-01T00:00:00Z", expires_at="2020-01-01T00:00:01Z"
    )
    assert client.get(f"{API}/me", headers={"authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize(
    ("code", "status", "ours"),
    [
        ("bad", 400, "wechat_code_invalid"),
        ("busy", 503, "wechat_busy"),
        ("limit", 429, "wechat_rate_limited"),
    ],
)
def test_mini_program_errors_map_to_codes(client, town, wx, code, status, ours):
    resp = _mini(client, code)
    assert (resp.status_code, resp.json()["code"]) == (status, ours)


def test_a_used_mini_code_is_refused(client, town, wx, texted_code):
    _bind(town, texted_code, town.alice, mini_openid="mALICE")
    wx.grant("M1", "mALICE")
    assert _mini(client, "M1").status_code == 200
    resp = _mini(client, "M1")
    assert (resp.status_code, resp.json()["code"]) == (400, "wechat_code_used")


def test_a_forged_bind_ticket_is_refused(client, town, wx, texted_code):
    code = texted_code(town.alice.mobile, "bind")
    resp = client.post(
        f"{API}/auth/wechat/mini/bind",
        {"bind_ticket": "forged", "mobile": town.alice.mobile, "code": code},
        content_type="application/json",
    )
    assert (resp.status_code, resp.json()["code"]) == (422, "bind_ticket_invalid")
    assert not WeChatIdentity.objects.exists()


def test_without_wechat_settings_the_sign_in_is_not_offered(client, town, settings):
    # given: no official account and no mini-program configured
    settings.WECHAT_APP_ID = settings.WECHAT_MINI_APP_ID = ""
    # when / then
    assert "wechat/login" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("accounts:wechat_login")).status_code == 404
    resp = _mini(client, "any")
    assert (resp.status_code, resp.json()["code"]) == (404, "wechat_not_configured")
