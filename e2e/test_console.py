"""The town console in a phone browser (390 × 844): a town admin adds a community and
a grid, invites a grid worker, opens households, imports residents from a CSV file with
the progress bar, and prints their cards — axe on every page, a screenshot of every
step (``var/e2e/<test>/``). And the district admin's pages: the towns side by side and
a read-only town dashboard."""

import pytest

from e2e.conftest import PHONE, log_in
from e2e.test_accessibility import _check

pytestmark = pytest.mark.e2e

CSV = (
    "手机号,昵称,姓名,社区,网格,户,户主\n"
    "13611110001,张阿姨,张秀英,融城社区,第1网格,9栋101,是\n"
    "13611110002,,李明,融城社区,,9栋101,\n"
    "12345,坏号码,,融城社区,,,\n"
).encode()


def test_a_town_admin_runs_the_console_on_a_phone(browsing, small_town, axe_script, tmp_path):
    from civicpoints.accounts.models import Community, Grid, Household, User

    problems: list[str] = []
    width = PHONE["width"]
    page = browsing.page()
    page.set_default_timeout(60_000)  # the staff page lists every staff member with a form
    log_in(page, small_town.admin.mobile)
    # the console's pages, each checked by axe and for sideways scrolling
    for path in ("/console/", "/console/communities/", "/console/staff/", "/console/households/"):
        _check(browsing, page, path, axe_script, problems, width=width)

    # when: a community and a grid are added
    page.goto("/console/communities/")
    page.fill("input[name=community-name]", "新城社区")
    page.click("form:has(input[value=community_create]) button[type=submit]")
    page.wait_for_load_state()
    browsing.shot(page, "community added")
    page.select_option("select[name=grid-community]", label="新城社区")
    page.fill("input[name=grid-name]", "新城第1网格")
    page.click("form:has(input[value=grid_create]) button[type=submit]")
    page.wait_for_load_state()
    browsing.shot(page, "grid added")
    # then
    new = Community.objects.get(town=small_town.admin.town, name="新城社区")
    grid = Grid.objects.get(community=new, name="新城第1网格")

    # when: a grid worker of that grid is invited (a one-time password goes by SMS)
    page.goto("/console/staff/")
    page.fill("input[name=mobile]", "186 0000 0077")
    page.fill("input[name=nickname]", "网格员小周")
    page.select_option("select[name=role]", "grid_worker")
    page.select_option("select[name=community]", value=str(new.pk))
    page.select_option("select[name=grid]", value=str(grid.pk))
    page.click("main form[novalidate] button[type=submit]")
    page.wait_for_load_state()
    browsing.shot(page, "staff invited")
    # then: the confirmation names the number masked
    worker = User.objects.get(mobile="18600000077")
    assert (worker.role, worker.grid.name, worker.must_change_password) == (
        "grid_worker",
        "新城第1网格",
        True,
    )
    assert "186****0077" in page.locator(".messages").inner_text()

    # when: a household page opens
    household = Household.objects.filter(community__town=small_town.admin.town).first()
    _check(
        browsing, page, f"/console/households/{household.pk}/", axe_script, problems, width=width
    )

    # when: residents are imported from a CSV file: dry run, then the import with progress
    _check(browsing, page, "/console/import/", axe_script, problems, width=width)
    upload = tmp_path / "居民名单.csv"
    upload.write_bytes(CSV)
    page.set_input_files("input[type=file]", str(upload))
    page.click("main form[enctype] button[type=submit]")
    page.wait_for_url("**/console/import/*/")
    job_path = "/console/" + page.url.split("/console/", 1)[1]
    _check(browsing, page, job_path, axe_script, problems, width=width)
    assert "12345" in page.content()  # the refused row, with its reason
    page.click("#import-run button[type=submit]")
    page.wait_for_selector("text=打印居民卡", timeout=30_000)
    browsing.shot(page, "import done")
    # then
    zhang = User.objects.get(mobile="13611110001")
    assert zhang.household.head == zhang and User.objects.filter(mobile="13611110002").exists()
    assert not User.objects.filter(mobile="12345").exists()

    # when: the cards of the community are shown for printing
    _check(browsing, page, "/console/cards/", axe_script, problems, width=width)
    rongcheng = zhang.community
    _check(
        browsing,
        page,
        f"/console/cards/?community={rongcheng.pk}",
        axe_script,
        problems,
        width=width,
    )
    # then: the new residents' cards are there, each with its QR code
    assert "张阿姨" in page.content() and page.locator("main svg, main img").count() >= 2
    # then
    assert problems == [], "\n".join(problems)


def test_the_district_admin_reads_the_towns_on_a_phone(browsing, small_town, axe_script):
    from civicpoints.demo.town import DEMO_LOGINS

    problems: list[str] = []
    width = PHONE["width"]
    page = browsing.page()
    log_in(page, DEMO_LOGINS["district_admin"])
    # then: the district page lists both towns side by side, linking to their dashboards
    assert page.url.endswith("/dashboard/district/")
    _check(browsing, page, "/dashboard/district/", axe_script, problems, width=width)
    assert "柏树镇" in page.content() and "巴桥镇" in page.content()
    page.click("main ul a >> nth=0")
    page.wait_for_load_state()
    browsing.shot(page, "town dashboard read-only")
    _check(
        browsing,
        page,
        "/dashboard/" + page.url.split("/dashboard/")[1],
        axe_script,
        problems,
        width=width,
    )
    # no export, no dispute log, no honours: nothing that acts
    assert page.locator("a[href*='/dashboard/export/']").count() == 0
    assert page.locator("a[href*='/disputes/']").count() == 0
    assert problems == [], "\n".join(problems)
