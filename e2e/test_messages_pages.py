"""Issue 18, items 4 and 7 in the browser at a phone viewport: a resident's message
settings, a staff broadcast with its preview, and the town's points expiry setting —
each page checked with axe-core and for sideways scrolling."""

import re

import pytest

from e2e.conftest import log_in
from e2e.test_accessibility import NARROW, _check

pytestmark = pytest.mark.e2e


def _axe_and_width(browsing, mobile: str, path: str, axe_script) -> None:
    """axe-core (no serious or critical violations) and no sideways scrolling at 360 px."""
    page = browsing.page(viewport=NARROW)
    log_in(page, mobile)
    problems: list[str] = []
    _check(browsing, page, path, axe_script, problems)
    assert problems == [], "\n".join(problems)


def test_message_settings_page(browsing, small_town, axe_script):
    from civicpoints.accounts.models import User
    from civicpoints.demo.town import DEMO_LOGINS
    from civicpoints.notifications.preferences import allows

    resident = User.objects.get(mobile=DEMO_LOGINS["resident"])
    page = browsing.page()
    log_in(page, resident.mobile)
    # the profile page leads to the settings
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="消息设置").click()
    page.wait_for_url(re.compile(r"/messages/preferences/$"))
    browsing.shot(page, "message settings")
    # when: broadcasts by WeChat only
    page.uncheck("input[name='sms:broadcast']")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/messages/preferences/$"))
    browsing.shot(page, "message settings saved")
    # then
    assert "消息设置已保存" in page.locator("main").inner_text()
    assert not page.is_checked("input[name='sms:broadcast']")
    assert page.is_checked("input[name='wechat:broadcast']")
    assert not allows(resident.pk, "broadcast", "sms")
    assert allows(resident.pk, "broadcast", "wechat")
    _axe_and_width(browsing, resident.mobile, "/messages/preferences/", axe_script)


def test_broadcast_page_preview_and_send(browsing, small_town, axe_script):
    from civicpoints.accounts.models import Role, User
    from civicpoints.demo.town import DEMO_LOGINS
    from civicpoints.notifications.models import Broadcast, Notification

    staff = small_town.staff
    reach = User.objects.filter(
        role=Role.RESIDENT, is_active=True, community=staff.community
    ).count()
    page = browsing.page()
    log_in(page, staff.mobile)
    page.goto("/")
    page.get_by_role("link", name="群发通知").click()
    page.wait_for_url(re.compile(r"/messages/broadcast/$"))
    browsing.shot(page, "broadcast")
    # when: the community, a title and a text; preview first
    page.select_option("select[name=target]", value=f"c:{staff.community_id}")
    page.fill("input[name=title]", "明日停水通知")
    page.fill("textarea[name=body]", "明天上午8点至12点停水，请提前储水。")
    page.click("button[name=preview]")
    page.wait_for_load_state()
    browsing.shot(page, "broadcast preview")
    # then: the count, and nothing sent yet
    assert f"这条通知将发给 {reach:,} 位居民" in page.locator("main").inner_text()
    assert not Broadcast.objects.exists()
    # when: send
    page.click("button[name=send]")
    page.wait_for_url(re.compile(r"/messages/broadcast/$"))
    browsing.shot(page, "broadcast sent")
    # then
    assert f"已发给 {reach:,} 位居民" in page.locator("main").inner_text()
    sent = Broadcast.objects.get()
    assert sent.recipients == reach and sent.sender_id == staff.pk
    resident = User.objects.get(mobile=DEMO_LOGINS["resident"])
    if resident.community_id == staff.community_id:
        assert Notification.objects.filter(recipient=resident, title="明日停水通知").exists()
    _axe_and_width(browsing, staff.mobile, "/messages/broadcast/", axe_script)


def test_points_expiry_console_page(browsing, small_town, axe_script):
    from civicpoints.points.models import ExpiryPolicy

    page = browsing.page()
    log_in(page, small_town.admin.mobile)
    page.goto("/console/")
    page.get_by_role("link", name="积分有效期").click()
    page.wait_for_url(re.compile(r"/console/points-expiry/$"))
    browsing.shot(page, "points expiry off")
    page.check("input[name=enabled]")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/console/points-expiry/$"))
    browsing.shot(page, "points expiry on")
    assert "下次到期" in page.locator("main").inner_text()
    assert ExpiryPolicy.objects.get(town_id=small_town.admin.town_id).enabled
    _axe_and_width(browsing, small_town.admin.mobile, "/console/points-expiry/", axe_script)
