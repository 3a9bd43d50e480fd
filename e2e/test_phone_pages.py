"""Issue 18 at a phone viewport (390×844): the pages the walk-through found hard going."""

import re

import pytest

from e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def _fits(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width} px)"


def test_merchant_directory_search_and_order(browsing, small_town):
    from civicpoints.accounts.models import User
    from civicpoints.demo.town import DEMO_LOGINS
    from civicpoints.merchants.services import merchant_apply, merchant_set_status

    # given: three more shops of the town, applied and approved through the services
    resident = User.objects.get(mobile=DEMO_LOGINS["resident"])
    for name, category in (("张记面馆", "餐饮"), ("阿福超市", "超市"), ("巴桥药房", "药店")):
        shop = merchant_apply(applicant=resident, name=name, category=category, address="巴桥路8号")
        merchant_set_status(actor=small_town.admin, merchant_id=shop.pk, status="approved")
    page = browsing.page()
    log_in(page, DEMO_LOGINS["resident"])
    # when: the directory opens
    page.goto("/merchants/")
    browsing.shot(page, "directory")
    _fits(page)
    names = page.locator(".directory li .what a").all_inner_texts()
    # then: the shops are in pinyin order, each with its cheapest offer or "none today"
    from civicpoints.merchants.sorting import name_sort_key

    keys = [name_sort_key(n) for n in names]
    assert keys == sorted(keys)
    salon = page.locator(".directory li", has_text="叶子发艺")
    assert re.search(r"2 积分", salon.inner_text()) and "¥30.00" in salon.inner_text()
    # when: they type the shop's name in pinyin
    page.fill("input[name=q]", "yezi")
    page.click("form[role=search] button")
    page.wait_for_url(re.compile(r"q=yezi"))
    browsing.shot(page, "directory search")
    # then
    assert page.locator(".directory li .what a").all_inner_texts() == ["叶子发艺"]
    # when: a category chip is tapped after a search for nothing
    page.goto("/merchants/")
    page.locator("nav.chips a").nth(1).click()
    page.wait_for_url(re.compile(r"category="))
    browsing.shot(page, "directory category")
    assert page.locator("nav.chips a[aria-current=page]").count() == 1
    _fits(page)
