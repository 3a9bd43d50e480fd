"""axe-core in Chromium on the main pages: no serious or critical violations
(labels, contrast, names, structure), and no horizontal scrolling at 360 px — and the
same in elder mode (large text, high contrast) at 200 % zoom (a 195 px layout width)."""

import pytest

from e2e.conftest import log_in

pytestmark = pytest.mark.e2e

NARROW = {"width": 360, "height": 740}
BLOCKING = ("serious", "critical")


def _check(browsing, page, path: str, axe_script, problems: list[str], width=None) -> None:
    width_allowed = width or NARROW["width"]
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
    if width > width_allowed:
        wide = page.evaluate(
            "w => [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w && !e.querySelector('*'))"
            ".slice(0, 3).map(e => e.tagName.toLowerCase()"
            " + (e.name ? '[name=' + e.name + ']' : '') + (e.className ? '.' + e.className : ''))",
            width_allowed,
        )
        problems.append(
            f"{path}: scrolls sideways at {width_allowed} px (scrollWidth {width}): {wide}"
        )


def _given(small_town):
    """A resident with a published post, a voucher and a filed report; the paths of the
    main pages per persona (visitor, resident, staff, admin, merchant)."""
    from civicpoints.accounts.models import User
    from civicpoints.demo.town import DEMO_LOGINS
    from civicpoints.merchants.services import voucher_exchange
    from civicpoints.posts.models import Section
    from civicpoints.posts.services import post_approve, post_create
    from civicpoints.reports.models import ReportCategory
    from civicpoints.reports.services import report_file

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
    return [
        (
            None,
            (
                "/accounts/login/",
                "/accounts/register/",
                "/accounts/login/code/",
                "/accounts/password/reset/",
            ),
        ),
        (
            resident.mobile,
            (
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
                "/engage/",
                "/engage/pledge/",
                "/search/?q=%E5%9E%83%E5%9C%BE%E5%88%86%E7%B1%BB",  # 垃圾分类
            ),
        ),
        (
            small_town.staff.mobile,
            (
                "/accounts/staff/residents/",
                f"/accounts/staff/residents/{resident.pk}/",
                "/posts/staff/queue/",
                "/reports/staff/queue/",
                "/articles/staff/",
                "/events/new/",
                f"/events/{small_town.event.pk}/manage/",
                "/engage/staff/",
            ),
        ),
        (small_town.admin.mobile, ("/merchants/town/", "/articles/staff/new/")),
        (
            small_town.merchant.mobile,
            ("/merchants/desk/", "/merchants/desk/offers/", "/merchants/desk/settlement/"),
        ),
    ]


def test_main_pages_pass_axe_and_fit_360px(browsing, small_town, axe_script):
    # given
    personas = _given(small_town)
    problems: list[str] = []
    # when: each main page is opened at 360 px and checked
    for mobile, paths in personas:
        page = browsing.page(viewport=NARROW)
        if mobile:
            log_in(page, mobile)
        for path in paths:
            _check(browsing, page, path, axe_script, problems)
    # then
    assert problems == [], "\n".join(problems)


ZOOM_200 = {"width": 195, "height": 422}  # a 390 px phone at 200 % zoom


def test_elder_mode_pages_pass_axe_and_fit_at_200_percent_zoom(browsing, small_town, axe_script):
    """Elder mode (large text, high contrast) on every main page, at 200 % zoom."""
    # given
    personas = _given(small_town)
    problems: list[str] = []
    # when: each persona switches elder mode on with the header button, then every
    # main page is opened at a 195 px layout width (a 390 px phone zoomed to 200 %)
    for mobile, paths in personas:
        page = browsing.page(viewport=ZOOM_200)
        if mobile:
            log_in(page, mobile)
        else:
            page.goto(paths[0])
        page.click("form.elder-toggle button")
        page.wait_for_load_state()
        assert page.locator("html.elder").count() == 1
        for path in paths:
            _check(browsing, page, path, axe_script, problems, width=ZOOM_200["width"])
            if page.locator("html.elder").count() != 1:
                problems.append(f"{path}: not in elder mode")
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
