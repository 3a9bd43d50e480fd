"""A town admin changes a rule in the town console on a phone: the edit page passes axe
(no serious or critical violations) and fits 360 px, before and after a refused save;
the change lands as a version shown in the rule's history, on the public page too."""

import pytest

from e2e.conftest import log_in
from e2e.test_accessibility import NARROW, _check

pytestmark = pytest.mark.e2e


def test_a_town_admin_changes_a_rule_on_a_phone(browsing, small_town, axe_script):
    from civicpoints.points.models import PointRule

    # given: the demo town's admin signed in at 360 px
    patrol = PointRule.objects.get(code="voluntary_patrol", town=small_town.admin.town)
    edit = f"/console/rules/{patrol.pk}/"
    page = browsing.page(viewport=NARROW)
    log_in(page, small_town.admin.mobile)
    problems: list[str] = []
    # when: they open the catalog, then the patrol rule's edit page
    _check(browsing, page, "/console/rules/", axe_script, problems)
    page.click(f"a[href='{edit}']")
    page.wait_for_url(f"**{edit}")
    _check(browsing, page, edit, axe_script, problems)
    # when: they save without saying why
    page.fill("input[name=points]", "60")
    with page.expect_navigation():
        page.click("main form button.primary")
    # then: the form says so on the reason field, and the page still passes axe
    assert page.locator(".has-error textarea[name=reason]").count() == 1
    _check_current(browsing, page, edit, axe_script, problems)
    # when: they give a reason and save
    page.fill("input[name=points]", "60")
    page.fill("textarea[name=reason]", "巡逻时长增加，经居民议事会通过")
    with page.expect_navigation():  # the save redirects back to the edit page
        page.click("main form button.primary")
    # then: version 2 is in the history with the reason, here and on the public page
    assert "巡逻时长增加，经居民议事会通过" in page.locator("ol.versions").inner_text()
    browsing.shot(page, "rule-saved")
    _check(browsing, page, f"/rules/{patrol.pk}/", axe_script, problems)
    assert "巡逻时长增加" in page.locator("ol.versions").inner_text()
    patrol.refresh_from_db()
    assert patrol.points == 60
    assert problems == [], "\n".join(problems)


def _check_current(browsing, page, path, axe_script, problems):
    """axe on the page as it is now (a form re-rendered after a POST: not reloaded)."""
    browsing.shot(page, path + "-error")
    page.evaluate(axe_script.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help})))"
    )
    problems += [
        f"{path} (error): {v['impact']} {v['id']} — {v['help']}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > NARROW["width"]:
        problems.append(f"{path} (error): scrolls sideways (scrollWidth {width})")
