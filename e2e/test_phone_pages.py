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


def test_check_in_quiz_pledge_and_questionnaire(browsing, small_town):
    from civicpoints.accounts.models import User
    from civicpoints.demo.town import DEMO_LOGINS
    from civicpoints.engagement import services
    from civicpoints.points.models import PointTransaction

    # given: staff published a quiz and opened a questionnaire for the community
    staff = small_town.staff
    quiz = services.quiz_create(actor=staff, title="垃圾分类知识", pass_percent=100)
    services.quiz_question_add(
        actor=staff,
        quiz_id=quiz.pk,
        text="废电池属于哪类垃圾？",
        options=["厨余垃圾", "有害垃圾"],
        answer=1,
    )
    services.quiz_set_status(actor=staff, quiz_id=quiz.pk, status="published")
    survey = services.survey_create(actor=staff, title="社区满意度调查")
    services.survey_question_add(
        actor=staff,
        survey_id=survey.pk,
        text="您对楼道卫生满意吗？",
        options=["满意", "一般", "不满意"],
    )
    services.survey_question_add(
        actor=staff, survey_id=survey.pk, text="您的建议", kind="text", required=False
    )
    services.survey_set_status(actor=staff, survey_id=survey.pk, status="open")
    resident = User.objects.get(mobile=DEMO_LOGINS["resident"])

    def earned(code):
        return PointTransaction.objects.filter(resident=resident, rule__code=code).count()

    before = {
        c: earned(c)
        for c in ("daily_check_in", "policy_quiz", "online_civility_pledge", "community_survey")
    }
    page = browsing.page()
    log_in(page, resident.mobile)
    # when: the resident opens "take part" from the home page's services
    page.click("a[href='/engage/']")
    browsing.shot(page, "take part")
    _fits(page)
    # and checks in
    page.click("form[action='/engage/check-in/'] button")
    page.locator("#check-in .done").wait_for()
    browsing.shot(page, "checked in")
    # and answers the quiz right
    page.click(f"a[href='/engage/quizzes/{quiz.pk}/']")
    browsing.shot(page, "quiz")
    _fits(page)
    page.get_by_label("有害垃圾").check()
    page.click("main form button.primary")
    page.locator(".result.passed").wait_for()
    browsing.shot(page, "quiz passed")
    # and signs the pledge
    page.goto("/engage/pledge/")
    page.click("form[action='/engage/pledge/'] button")
    page.locator(".pledge .done").wait_for()
    browsing.shot(page, "pledge signed")
    # and answers the questionnaire
    page.goto(f"/engage/surveys/{survey.pk}/")
    page.get_by_label("一般").check()
    page.fill("textarea", "楼道灯坏了好几天")
    browsing.shot(page, "questionnaire")
    page.click("main form button.primary")
    page.wait_for_url(re.compile(r"/engage/$"))
    browsing.shot(page, "questionnaire sent")
    # then: each of the four rules was earned once
    for code, n in before.items():
        assert earned(code) == n + 1, code

    # when: staff open the questionnaire's results on a phone
    desk = browsing.page()
    log_in(desk, staff.mobile)
    desk.goto(f"/engage/staff/surveys/{survey.pk}/")
    browsing.shot(desk, "questionnaire results")
    _fits(desk)
    # then
    results = desk.locator("#results").inner_text()
    assert "一般" in results and "100%" in results and "楼道灯坏了好几天" in results


def test_staff_desk_pages_read_well_on_a_phone(browsing, small_town):
    from civicpoints.accounts.models import User
    from civicpoints.demo.town import DEMO_LOGINS

    resident = User.objects.get(mobile=DEMO_LOGINS["resident"])
    staff = browsing.page()
    log_in(staff, small_town.staff.mobile)
    # the resident list tells namesakes apart by real name, grid and household
    staff.goto("/accounts/staff/residents/")
    browsing.shot(staff, "residents")
    _fits(staff)
    header = staff.locator("#residents thead").inner_text()
    assert "真实姓名" in header and "网格" in header and "家庭" in header
    # the award form groups rules by category and leaves out automatic ones
    staff.goto(f"/accounts/staff/residents/{resident.pk}/")
    groups = staff.locator("select[name=rule] optgroup").count()
    options = staff.locator("select[name=rule] option").all_inner_texts()
    browsing.shot(staff, "resident desk")
    _fits(staff)
    assert groups == 3 and not [o for o in options if "每日签到" in o]

    # the audit log reads in words, filters by action, and fits the phone
    admin = browsing.page()
    log_in(admin, small_town.admin.mobile)
    admin.goto("/audit/")
    browsing.shot(admin, "audit log")
    _fits(admin)
    text = admin.locator("#audit").inner_text()
    assert "POST /" not in text
    if admin.locator("select[name=action] option").count() > 1:
        admin.select_option("select[name=action]", index=1)
        admin.click("form[role=search] button")
        admin.wait_for_url(re.compile(r"action="))
        browsing.shot(admin, "audit log filtered")
        _fits(admin)

    # the resident's inbox: a message with a link says 查看, the others 标为已读
    page = browsing.page()
    log_in(page, resident.mobile)
    page.goto("/messages/")
    browsing.shot(page, "inbox")
    _fits(page)
    assert page.locator("main button", has_text="已读").count() == 0 or (
        page.locator("button.mark-read").count() + page.locator("button.open-note").count() > 0
    )


def test_search_finds_posts_articles_and_events_in_chinese(browsing, small_town):
    from civicpoints.accounts.models import User
    from civicpoints.demo.town import DEMO_LOGINS
    from civicpoints.posts.models import Section
    from civicpoints.posts.services import post_approve, post_create

    # given: a published post about sorting rubbish beside the town's article about it
    resident = User.objects.get(mobile=DEMO_LOGINS["resident"])
    post = post_create(
        author=resident,
        section=Section.objects.filter(is_active=True, for_reports=False).first(),
        title="楼下新设了垃圾分类亭",
        body="今天早上看到志愿者在教大家垃圾分类，厨余垃圾要沥干再投。",
    )
    post_approve(actor=small_town.staff, post=post)
    page = browsing.page()
    log_in(page, DEMO_LOGINS["resident"])
    # when: the resident types a phrase in the box on the home page
    page.fill("#id_home_q", "垃圾分类")
    browsing.shot(page, "home search box")
    page.click("form[role=search] button")
    page.wait_for_url(re.compile(r"/search/\?q="))
    browsing.shot(page, "search results")
    _fits(page)
    # then: the post and the article, the phrase marked in titles and snippets
    rows = page.locator(".search-results li")
    texts = rows.all_inner_texts()
    assert any("楼下新设了垃圾分类亭" in t for t in texts)
    assert any(small_town.article.title in t for t in texts)
    assert page.locator(".search-results mark", has_text="垃圾分类").count() >= 2
    assert f"{rows.count()} 个结果" in page.locator("p.found").inner_text()
    # when: only events are asked for, with a word from an event's description
    page.fill("#id_q", "手套")
    page.click("form[role=search] button")
    page.wait_for_url(re.compile(r"q=%E6%89%8B%E5%A5%97"))
    page.locator("nav.chips a", has_text="活动").click()
    page.wait_for_url(re.compile(r"kind=event"))
    browsing.shot(page, "search events only")
    assert page.locator(".search-results li .what a").all_inner_texts() == [small_town.event.title]
    # when: the result is opened
    page.locator(".search-results li .what a").first.click()
    page.wait_for_url(re.compile(rf"/events/{small_town.event.pk}/"))
    browsing.shot(page, "search result opened")
    # and: punctuation only is refused under the box, not a server error
    page.goto("/search/?q=%EF%BC%81%EF%BC%81")
    browsing.shot(page, "search nothing searchable")
    assert page.locator("p.error[role=alert]").count() == 1


def test_the_demo_town_shows_a_history(browsing, small_town):
    """Issue 18's demo findings, as a resident sees them: the daily ranking has arrows
    (not "new" on every row), the honour roll is filled, posts carry photos and dates
    over months, an article has a cover."""
    from civicpoints.demo.town import DEMO_LOGINS

    page = browsing.page()
    log_in(page, DEMO_LOGINS["resident"])
    # the daily ranking compares with the day before
    page.goto("/leaderboard/")
    browsing.shot(page, "leaderboard")
    _fits(page)
    moved = page.locator("table .change.up, table .change.down, table .change.same").count()
    new = page.locator("table .change.new").count()
    assert moved > new, (moved, new)
    # the honour roll has this town's civic stars
    page.goto("/rankings/honours/")
    browsing.shot(page, "honour roll")
    assert page.locator("main table tbody tr").count() >= 3
    # the square: a photo that loads, posts dated on different days
    page.goto("/posts/")
    browsing.shot(page, "square")
    thumb = page.locator(".thumbs img").first
    thumb.scroll_into_view_if_needed()
    thumb.evaluate("img => img.decode()")
    assert thumb.evaluate("img => img.naturalWidth") > 0
    browsing.shot(page, "square with a photo")
    metas = page.locator("article.post p.meta small").all_inner_texts()
    days = {m for t in metas for m in re.findall(r"\d{4}-\d{2}-\d{2}", t)}
    assert len(days) >= 3, days
    # an article with its cover
    page.goto("/articles/")
    browsing.shot(page, "articles")
    cover = page.locator("img.thumb").first
    cover.scroll_into_view_if_needed()
    cover.evaluate("img => img.decode()")
    assert cover.evaluate("img => img.naturalWidth") > 0
    browsing.shot(page, "articles with a cover")
