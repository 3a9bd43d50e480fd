"""Issue 15, item 4, in a real browser: an article opened with WeChat's User-Agent
loads our own jweixin copy under the strict Content-Security-Policy, configures it
with the page's signature and hands WeChat our share card. WeChat's native bridge
is stood in for by a recording ``WeixinJSBridge`` (the fake WeChat API on 127.0.0.1
gives the ticket)."""

import pytest

from e2e.conftest import log_in

pytestmark = pytest.mark.e2e

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI"
)

# WeChat's in-app browser injects WeixinJSBridge; this one records what the SDK asks
# and answers "ok" (getNetworkType is left unanswered: it only feeds the SDK's
# telemetry beacon). CSP violations are recorded too.
BRIDGE = """
window.__calls = []; window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.WeixinJSBridge = {
  invoke: function (name, args, cb) {
    window.__calls.push([name, args]);
    if (name !== 'getNetworkType' && cb) { cb({errMsg: name + ':ok'}); }
  },
  on: function () {}
};
"""


def test_an_article_in_wechat_configures_the_sdk_and_shares_our_card(
    browsing, small_town, wechat_fake
):
    from civicpoints.demo.town import DEMO_LOGINS

    # given: a resident in WeChat
    page = browsing.page(user_agent=WECHAT_UA, init_script=BRIDGE)
    log_in(page, DEMO_LOGINS["resident"])
    # when: the article opens
    page.goto(f"/articles/{small_town.article.pk}/")
    page.wait_for_function("() => window.__calls.some(c => c[0] === 'updateTimelineShareData')")
    browsing.shot(page, "article-in-wechat")
    calls = dict(page.evaluate("() => window.__calls"))
    # then: the SDK verified the page's signature and set both share cards with our data
    from civicpoints.accounts.wechat import jssdk_signature

    verify = calls["preVerifyJSAPI"]
    assert verify["appId"] == "wxOFFICIAL" and verify["verifySignType"] == "sha1"
    assert verify["verifySignature"] == jssdk_signature(
        ticket="TICKET-2",
        noncestr=verify["verifyNonceStr"],
        timestamp=int(verify["verifyTimestamp"]),
        url=page.url,
    )
    assert verify["verifyJsApiList"] == ["updateAppMessageShareData", "updateTimelineShareData"]
    friend = calls["updateAppMessageShareData"]
    assert friend["title"] == "垃圾分类新规" and "可回收物" in friend["desc"]
    assert friend["link"].startswith(page.url.split("?")[0]) and "?s=" in friend["link"]
    assert calls["updateTimelineShareData"]["link"] == friend["link"]
    assert page.evaluate("() => window.__violations") == []
    assert any(r["path"] == "/cgi-bin/ticket/getticket" for r in wechat_fake.requests)
