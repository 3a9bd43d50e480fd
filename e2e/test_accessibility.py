"""axe-core in Chromium on the main pages: no serious or critical violations
(labels, contrast, names, structure), and no horizontal scrolling at 360 px."""

import pytest

from e2e.conftest import log_in

pytestmark = pytest.mark.e2e

NARROW = {"width": 360, "height": 740}
BLOCKING = ("serious", "critical")


def _check(browsing, page, path: str, axe_script, problems: list[str]) -> None:
    page.goto(path)
    assert page.url.endswith(path.split("?")[0]) or "?" in path, f"{path} redirected to {page.url}"
    browsing.shot(page, path)
    # Evaluated through the DevTools protocol, not a <script> tag: our Content
    # Security Policy (rightly) refuses inline scripts in the page.
    page.evaluate(axe_script.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
    )
    for v in result:
        if v["impact"] in BLOCKING:
            problems.append(f"{path}: {v['impact']} {v['id']} — {v['help']} — {v['nodes']}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > NARROW["width"]:
        wide = page.evaluate(
            "w => [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w && !e.querySelector('*'))"
            ".slice(0, 3).map(e => e.tagName.toLowerCase()"
            " + (e.name ? '[name=' + e.name + ']' : '') + (e.className ? '.' + e.className : ''))",
            NARROW["width"],
        )
        problems.append(f"{path}: scrolls sideways at 360 px (scrollWidth {width}): {wide}")


def test_main_pages_pass_axe_and_fit_360px(browsing, small_town, axe_script):
    from civicpoints.accounts.models import User
    from civicpoints.demo.town import DEMO_LOGINS
    from civicpoints.merchants.services import voucher_exchange
    from civicpoints.posts.models import Section
    from civicpoints.posts.services import post_approve, post_create
    from civicpoints.reports.models import ReportCategory
    from civicpoints.reports.services import report_file

    # given: a resident with a published post, a voucher and a filed report
    resident = User.objects.get(mobile=DEMO_LOGINS["resident"])
    post = post_create(
        author=resident,
        section=Section.objects.filter(is_active=True, for_reports=False).first(),
        title="帮邻居修自行车",
        body="车链掉了，十分钟修好。",
    )
    post_approve(actor=small_town.staff, post=post)
    voucher = voucher_exchange(
        resident=resident, offer_id=small_town.offer.pk, idempotency_key="e2e-a11y"
    )
    report = report_file(
        reporter=resident,
        category=ReportCategory.objects.filter(is_active=True).first(),
        place="3号楼门口",
        body="电动车堵住消防通道。",
    )
    problems: list[str] = []

    # when: each main page is opened at 360 px and checked
    visitor = browsing.page(viewport=NARROW)
    for path in (
        "/accounts/login/",
        "/accounts/register/",
        "/accounts/login/code/",
        "/accounts/password/reset/",
    ):
        _check(browsing, visitor, path, axe_script, problems)

    page = browsing.page(viewport=NARROW)
    log_in(page, resident.mobile)
    for path in (
        "/",
        "/rules/",
        "/leaderboard/",
        "/points/history/",
        "/articles/",
        f"/articles/{small_town.article.pk}/",
        "/posts/",
        f"/posts/{post.pk}/",
        "/posts/new/",
        "/events/",
        f"/events/{small_town.event.pk}/",
        "/merchants/",
        f"/merchants/{small_town.offer.merchant_id}/",
        "/merchants/vouchers/",
        f"/merchants/vouchers/{voucher.pk}/",
        "/reports/new/",
        "/reports/mine/",
        f"/reports/{report.pk}/",
        "/events/statement/",
        "/messages/",
        "/accounts/profile/",
        "/accounts/card/",
    ):
        _check(browsing, page, path, axe_script, problems)

    staff = browsing.page(viewport=NARROW)
    log_in(staff, small_town.staff.mobile)
    for path in (
        "/accounts/staff/residents/",
        f"/accounts/staff/residents/{resident.pk}/",
        "/posts/staff/queue/",
        "/reports/staff/queue/",
        "/articles/staff/",
        "/events/new/",
        f"/events/{small_town.event.pk}/manage/",
    ):
        _check(browsing, staff, path, axe_script, problems)

    admin = browsing.page(viewport=NARROW)
    log_in(admin, small_town.admin.mobile)
    for path in ("/merchants/town/", "/articles/staff/new/"):
        _check(browsing, admin, path, axe_script, problems)

    merchant = browsing.page(viewport=NARROW)
    log_in(merchant, small_town.merchant.mobile)
    for path in ("/merchants/desk/", "/merchants/desk/offers/", "/merchants/desk/settlement/"):
        _check(browsing, merchant, path, axe_script, problems)

    # then
    assert problems == [], "\n".join(problems)


def test_the_guard_notices_a_request_to_another_origin(browser, live_server, tmp_path):
    from e2e.conftest import Browsing

    # given
    browsing = Browsing(browser, live_server.url, tmp_path)
    page = browsing.page()
    # when: a page asks for an image from elsewhere
    page.goto("/accounts/login/")
    page.evaluate("() => { const i = new Image(); i.src = 'http://203.0.113.9/x.png'; }")
    page.wait_for_timeout(300)
    browsing.close()
    # then: it was recorded (and refused before reaching the network)
    assert browsing.foreign == ["http://203.0.113.9/x.png"]
