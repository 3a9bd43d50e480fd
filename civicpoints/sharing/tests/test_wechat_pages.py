"""Post, article and event pages inside WeChat carry a signed ``wx.config`` and our own
jweixin copy; outside WeChat, and on every other page, nothing changes — the
Content-Security-Policy included (issue 15, item 4)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from civicpoints.accounts import wechat
from civicpoints.sharing.models import ShareLink, ShareTarget
from civicpoints.sharing.services import share_token

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI"
)
PHONE_UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"

STRICT = {
    name: " ".join(values)
    for name, values in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].items()
}


def _policy(header):
    parts = (p.strip().split(" ", 1) for p in header.split(";") if p.strip())
    return {name: value for name, value in parts}


def _card(page):
    match = re.search(
        r'<script id="wx-share" type="application/json">(.*?)</script>', page.content.decode()
    )
    return json.loads(match.group(1)) if match else None


def _pages(post, article, event):
    return {
        "post": reverse("posts:detail", args=[post.pk]),
        "share": reverse("posts:share", args=[post.pk]),
        "article": reverse("articles:detail", args=[article.pk]),
        "event": reverse("events:detail", args=[event.pk]),
    }


@pytest.mark.parametrize("which", ["post", "share", "article", "event"])
def test_in_wechat_the_page_signs_wx_config_and_cards_the_share(
    client, town, post, article, event, wechat_fake, which
):
    # given: alice, in WeChat
    client.force_login(town.alice)
    path = _pages(post, article, event)[which]
    # when
    page = client.get(path, {"from": "timeline"}, headers={"user-agent": WECHAT_UA})
    # then: the card with a signature over this very address and the fake's ticket
    assert page.status_code == 200
    card = _card(page)
    config = card["config"]
    url = f"http://testserver{path}?from=timeline"
    assert config["signature"] == wechat.jssdk_signature(
        ticket="TICKET-2", noncestr=config["nonceStr"], timestamp=config["timestamp"], url=url
    )
    assert config["jsApiList"] == ["updateAppMessageShareData", "updateTimelineShareData"]
    target = {"share": ShareTarget.POST, "post": ShareTarget.POST}.get(which, which)
    item = {"post": post, "share": post, "article": article, "event": event}[which]
    token = share_token(sharer=town.alice, target=target, object_id=item.pk, town_id=town.town.pk)
    assert card["link"].endswith("?s=" + token.replace(":", "%3A"))
    assert card["title"] == item.title and card["desc"]
    body = page.content.decode()
    assert '<script src="/static/vendor/jweixin-1.6.0.js"></script>' in body
    assert '<script src="/static/js/wechat-share.js"></script>' in body
    assert _policy(page["Content-Security-Policy"]) == STRICT


def test_outside_wechat_no_sdk_and_no_ticket_is_fetched(
    client, town, post, article, event, wechat_fake
):
    # given
    client.force_login(town.alice)
    # when
    pages = [
        client.get(p, headers={"user-agent": PHONE_UA})
        for p in _pages(post, article, event).values()
    ]
    # then
    for page in pages:
        assert page.status_code == 200 and _card(page) is None
        assert "jweixin" not in page.content.decode()
    assert wechat_fake.requests == []


def test_wechat_down_the_page_still_opens_without_the_card(client, town, article, wechat_fake):
    # given: WeChat answers "system busy"
    wechat_fake.ticket_errors = [-1]
    client.force_login(town.alice)
    # when
    page = client.get(
        reverse("articles:detail", args=[article.pk]), headers={"user-agent": WECHAT_UA}
    )
    # then
    assert page.status_code == 200 and _card(page) is None


def test_other_pages_keep_the_strict_policy_and_no_sdk_even_in_wechat(client, town, wechat_fake):
    # given: alice in WeChat
    client.force_login(town.alice)
    # when
    others = [
        client.get(reverse(name), headers={"user-agent": WECHAT_UA})
        for name in ("portal:home", "posts:feed", "articles:list", "events:list", "portal:profile")
    ]
    # then: the same policy as configured, no 'unsafe-*', no WeChat host, no SDK
    for page in others:
        assert page.status_code == 200
        policy = _policy(page["Content-Security-Policy"])
        assert policy == STRICT
        assert "unsafe" not in page["Content-Security-Policy"]
        assert "weixin" not in page["Content-Security-Policy"]
        assert "jweixin" not in page.content.decode()
    assert STRICT["script-src"] == "'self'" and STRICT["img-src"] == "'self' data:"


def test_the_vendored_sdk_is_jweixin_1_6_0_with_no_eval():
    # given
    path = finders.find("vendor/jweixin-1.6.0.js")
    # when
    text = Path(path).read_text(encoding="utf-8")
    # then: the SDK defines wx / jWeixin and the share APIs, and needs no eval
    assert "o.wx=o.jWeixin=w" in text
    assert "updateAppMessageShareData" in text and "updateTimelineShareData" in text
    assert "eval(" not in text and "new Function" not in text


def test_outside_wechat_viewing_a_page_makes_no_share_link(client, town, post, article, event):
    # given
    client.force_login(town.alice)
    # when: the detail pages outside WeChat
    for path in (
        reverse("posts:detail", args=[post.pk]),
        reverse("articles:detail", args=[article.pk]),
        reverse("events:detail", args=[event.pk]),
    ):
        client.get(path, headers={"user-agent": PHONE_UA})
    # then: no row written for a link nobody can share from there
    assert not ShareLink.objects.exists()
    # when: the post's share page, which shows the link
    client.get(reverse("posts:share", args=[post.pk]), headers={"user-agent": PHONE_UA})
    # then
    assert ShareLink.objects.filter(sharer=town.alice, target=ShareTarget.POST).count() == 1
