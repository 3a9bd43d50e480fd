"""The JS-SDK's ``wx.config`` signature (issue 15, item 4) from a cached jsapi_ticket,
against the fake WeChat API on 127.0.0.1: the documented example, caching, refresh on
an expired or invalid token, and WeChat's errors."""

import hashlib

import pytest
from django.core.cache import cache

from civicpoints.accounts import wechat


def _calls(fake, path):
    return [r for r in fake.requests if r["path"] == path]


def test_the_signature_matches_the_documented_example():
    # given: the example of the JS-SDK documentation, appendix 1
    ticket = (
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    )
    # when
    signature = wechat.jssdk_signature(
        ticket=ticket,
        noncestr="Wm3WZYTPz0wzccnW",
        timestamp=1414587457,
        url="http://mp.weixin.qq.com",
    )
    # then
    assert signature == "f4d90daf4b3bca3078ab155816175ba34c443a7b"


def test_the_signature_ignores_the_fragment_and_keeps_the_query_raw():
    # when
    with_fragment = wechat.jssdk_signature(
        ticket="T", noncestr="n", timestamp=1, url="https://x.cn/p/1/?s=a:b#top"
    )
    # then
    plain = "jsapi_ticket=T&noncestr=n&timestamp=1&url=https://x.cn/p/1/?s=a:b"
    assert with_fragment == hashlib.sha1(plain.encode(), usedforsecurity=False).hexdigest()


def test_config_signs_the_page_with_a_ticket_fetched_once_and_cached(wechat_fake):
    # when: three pages signed
    configs = [wechat.jssdk_config(f"https://x.cn/articles/{i}/") for i in range(3)]
    # then: one token, one ticket; each config verifies with that ticket
    assert len(_calls(wechat_fake, "/cgi-bin/stable_token")) == 1
    tickets = _calls(wechat_fake, "/cgi-bin/ticket/getticket")
    assert len(tickets) == 1 and tickets[0]["query"]["type"] == "jsapi"
    assert tickets[0]["query"]["access_token"] == "TOKEN-1"
    for i, config in enumerate(configs):
        assert config["appId"] == "wxOFFICIAL"
        assert config["jsApiList"] == ["updateAppMessageShareData", "updateTimelineShareData"]
        assert config["signature"] == wechat.jssdk_signature(
            ticket="TICKET-2",
            noncestr=config["nonceStr"],
            timestamp=config["timestamp"],
            url=f"https://x.cn/articles/{i}/",
        )
    assert len({c["nonceStr"] for c in configs}) == 3
    assert cache.get("wechat:jsapi_ticket:wxOFFICIAL") == "TICKET-2"


def test_a_ticket_expired_from_the_cache_is_fetched_again(wechat_fake):
    # given
    wechat.jsapi_ticket()
    # when: the cached ticket is gone (7000 s later)
    cache.delete("wechat:jsapi_ticket:wxOFFICIAL")
    ticket = wechat.jsapi_ticket()
    # then: a new ticket with the still-cached token
    assert ticket == "TICKET-3"
    assert len(_calls(wechat_fake, "/cgi-bin/stable_token")) == 1
    assert len(_calls(wechat_fake, "/cgi-bin/ticket/getticket")) == 2


@pytest.mark.parametrize("how", ["expired", "invalid"])
def test_an_expired_or_invalid_access_token_is_refreshed_once(wechat_fake, how):
    # given: a cached token WeChat no longer accepts (42001 expired / 40001 invalid)
    wechat.access_token()
    if how == "expired":
        wechat_fake.expire_tokens()
    else:
        cache.set("wechat:access_token:wxOFFICIAL", "FORGED", 600)
    # when
    ticket = wechat.jsapi_ticket()
    # then: a fresh token (force_refresh) and the ticket
    tokens = _calls(wechat_fake, "/cgi-bin/stable_token")
    assert [t["body"]["force_refresh"] for t in tokens] == [False, True]
    assert ticket.startswith("TICKET-")
    assert (
        _calls(wechat_fake, "/cgi-bin/ticket/getticket")[-1]["query"]["access_token"] == "TOKEN-2"
    )


@pytest.mark.parametrize("errcode", [-1, 45009, 40001])
def test_wechat_refusing_a_ticket_leaves_the_page_without_config(wechat_fake, errcode, caplog):
    # given: WeChat busy (-1), over its daily quota (45009), or 40001 twice in a row
    wechat_fake.ticket_errors = [errcode, errcode]
    # when
    config = wechat.jssdk_config("https://x.cn/posts/1/")
    # then: no config (the page shares a plain link), nothing cached, no secret logged
    assert config is None
    assert cache.get("wechat:jsapi_ticket:wxOFFICIAL") is None
    assert "official-secret" not in caplog.text and "TOKEN-" not in caplog.text


def test_a_wrong_secret_gives_no_config(wechat_fake, settings):
    # given
    settings.WECHAT_APP_SECRET = "wrong"
    # when / then
    assert wechat.jssdk_config("https://x.cn/posts/1/") is None
    assert _calls(wechat_fake, "/cgi-bin/ticket/getticket") == []


def test_no_official_account_no_config_and_no_call(settings):
    # given
    settings.WECHAT_APP_ID = ""
    # when / then
    assert wechat.jssdk_config("https://x.cn/posts/1/") is None
