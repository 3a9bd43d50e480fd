"""What a resident sees: home, rules, history, leaderboards — pages and API, both languages."""

import datetime as dt
import subprocess
import sys

import pytest
from django.urls import reverse

from civicpoints.accounts.models import Role, User
from civicpoints.demo.town import DEMO_LOGINS, seed_town
from civicpoints.points import services
from civicpoints.points.models import PointAccount, PointRule
from civicpoints.points.selectors import Period, Scope, leaderboard, points_today
from civicpoints.points.tests.helpers import confirming_staff

API = "/api/v1"


@pytest.fixture
def small_town(db):
    seed_town(scale=0.005, seed=11, quiet=True)
    return User.objects.get(mobile=DEMO_LOGINS["resident"])


def test_demo_resident_logs_in_and_sees_balance_history_rules_and_rankings(client, small_town):
    # given the demo town and its printed login
    resp = client.post(
        reverse("accounts:login"), {"mobile": "138 0000 0001", "password": "civic-demo-2026"}
    )
    assert resp.status_code == 302
    account = PointAccount.objects.get(resident=small_town)
    # home: balance, points today, rank
    # the demo town comes with its daily rankings (issue 18): a rank before any job ran
    assert client.get(reverse("portal:home")).context["rank"] is not None
    from civicpoints.rankings.models import RankingSnapshot
    from civicpoints.rankings.services import snapshot_catch_up

    snapshot_catch_up()  # what the nightly job does
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert home.context["account"].balance == account.balance > 0
    mine = RankingSnapshot.objects.filter(resident=small_town).latest("day")
    better = RankingSnapshot.objects.filter(day=mine.day, points__gt=mine.points).count()
    assert home.context["rank"].rank == better + 1 == mine.town_rank
    assert client.get(f"{API}/me/points").json()["rank_town"] == better + 1
    assert str(account.balance) in home.content.decode()
    # history: newest first, paginated, with the rule of each row
    hist = client.get(reverse("points:history"))
    rows = list(hist.context["page"])
    assert len(rows) == min(20, small_town.point_transactions.count())
    assert [r.created_at for r in rows] == sorted((r.created_at for r in rows), reverse=True)
    assert rows[0].rule is None or rows[0].rule.name_zh in hist.content.decode()
    # the rule catalog, by category, in Chinese by default
    rules = client.get(reverse("points:rules")).content.decode()
    assert "主动参与志愿巡逻" in rules and "阅读平台文章" in rules
    # the leaderboards
    for scope in Scope.CHOICES:
        for period in Period.CHOICES:
            resp = client.get(reverse("portal:leaderboard"), {"scope": scope, "period": period})
            assert resp.status_code == 200


def test_english_on_request(client, small_town):
    # a visitor's browser asking for English gets English
    resp = client.get(reverse("points:rules"), headers={"accept-language": "en"})
    html = resp.content.decode()
    assert "Voluntary patrol" in html and "主动参与志愿巡逻" not in html
    # a signed-in person reads their saved language (Chinese by default), whatever the browser
    client.force_login(small_town)
    html = client.get(reverse("points:rules"), headers={"accept-language": "en"}).content.decode()
    assert "主动参与志愿巡逻" in html
    # the header button switches it and saves it on the account
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert resp.status_code == 302
    assert "Rule catalog" in client.get(reverse("points:rules")).content.decode()
    small_town.refresh_from_db()
    assert small_town.language == "en"


def test_chinese_is_the_default(client, small_town):
    client.force_login(small_town)
    html = client.get(reverse("portal:home")).content.decode()
    assert 'lang="zh-hans"' in html and "我的积分" in html


def test_api_me_points_and_transactions(client, small_town):
    client.force_login(small_town)
    body = client.get(f"{API}/me/points").json()
    acc = PointAccount.objects.get(resident=small_town)
    assert body["balance"] == acc.balance and body["lifetime_earned"] == acc.lifetime_earned
    assert body["points_today"] == points_today(small_town)
    page = client.get(f"{API}/me/transactions", {"limit": 5}).json()
    assert page["count"] == small_town.point_transactions.count()
    assert len(page["items"]) == 5
    assert page["items"][0]["balance_after"] == acc.balance  # newest first
    rules = client.get(f"{API}/rules", {"category": "governance_virtue"}).json()
    # the story's 24 of the category and share_new_reader (issue 15)
    assert len(rules) == 25 and all(r["category"] == "governance_virtue" for r in rules)


def test_api_needs_login_and_serves_its_schema(client, small_town):
    assert client.get(f"{API}/me/points").status_code == 401
    schema = client.get(f"{API}/openapi.json").json()
    assert "/api/v1/leaderboard" in schema["paths"]
    assert client.get(f"{API}/docs").status_code == 200
    resp = client.get(f"{API}/leaderboard", {"scope": "galaxy"})
    assert resp.status_code in (401, 422)
    client.force_login(small_town)
    assert client.get(f"{API}/leaderboard", {"scope": "galaxy"}).status_code == 422


def test_api_login_any_spelling_and_register(client, small_town, texted_code):
    resp = client.post(
        f"{API}/auth/login",
        {"mobile": "+86 13800000001", "password": "civic-demo-2026"},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["mobile"] == "13800000001"
    client.logout()
    resp = client.post(
        f"{API}/auth/login",
        {"mobile": "13800000001", "password": "x"},
        content_type="application/json",
    )
    assert resp.status_code == 401 and resp.json()["code"] == "bad_credentials"
    community = small_town.community
    resp = client.post(
        f"{API}/auth/register",
        {
            "mobile": "0086-188-0000-9999",
            "code": texted_code("18800009999", "register"),
            "nickname": "New",
            "password": "a-good-passw0rd",
            "community_id": community.pk,
        },
        content_type="application/json",
    )
    assert resp.status_code == 201 and resp.json()["mobile"] == "18800009999"
    resp = client.post(
        f"{API}/auth/register",
        {
            "mobile": "999",
            "code": "123456",
            "nickname": "New",
            "password": "a-good-passw0rd",
            "community_id": community.pk,
        },
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["field"] == "mobile"


def _award(resident, rule, n):
    for i in range(n):
        services.points_award(
            actor=confirming_staff(resident),
            resident=resident,
            rule=rule,
            idempotency_key=f"t-{resident.pk}-{rule.code}-{i}",
        )


def test_leaderboard_ties_share_a_rank_and_staff_and_inactive_are_left_out(town, catalog):
    patrol = PointRule.objects.get(code="voluntary_patrol")
    from civicpoints.accounts.services import resident_register

    dora = resident_register(
        mobile="13600000004", nickname="Dora", password=town.password, community=town.b
    )
    eve = resident_register(
        mobile="13600000005", nickname="Eve", password=town.password, community=town.a
    )
    _award(town.alice, patrol, 1)  # 50
    _award(town.bob, patrol, 1)  # 50
    services.points_adjust(
        actor=town.admin,
        resident=dora,
        points=100,
        reason="paper records",
        idempotency_key="adj-dora-1",
    )  # 100
    services.points_adjust(
        actor=town.admin,
        resident=eve,
        points=10,
        reason="paper records",
        idempotency_key="adj-eve-1",
    )
    board = leaderboard(eve, scope=Scope.TOWN, period=Period.ALL)
    assert [(r.nickname, r.rank, r.points) for r in board.rows] == [
        ("Dora", 1, 100),
        ("Alice", 2, 50),
        ("Bob", 2, 50),
        ("Eve", 4, 10),
    ]
    assert (board.my_rank, board.my_points) == (4, 10)
    # deactivated residents disappear; staff are never ranked
    dora.is_active = False
    dora.save()
    board = leaderboard(eve, scope=Scope.TOWN, period=Period.ALL)
    assert [r.nickname for r in board.rows] == ["Alice", "Bob", "Eve"]
    assert leaderboard(town.staff_a).my_rank is None
    # community scope
    board = leaderboard(town.alice, scope=Scope.COMMUNITY, period=Period.ALL)
    assert [r.nickname for r in board.rows] == ["Alice", "Eve"]


def test_my_rank_outside_the_shown_rows(town, catalog):
    patrol = PointRule.objects.get(code="voluntary_patrol")
    _award(town.alice, patrol, 1)
    services.points_adjust(
        actor=town.admin, resident=town.bob, points=5, reason="x", idempotency_key="adj-bob-1"
    )
    board = leaderboard(town.bob, limit=1)
    assert [r.nickname for r in board.rows] == ["Alice"]
    assert (board.my_rank, board.my_points) == (2, 5)


def test_period_leaderboards_use_local_days_and_count_earned_not_balance(town, catalog):
    patrol = PointRule.objects.get(code="voluntary_patrol")
    day = dt.date(2026, 3, 2)
    # 23:30 local on 1 March and 00:30 local on 2 March
    services.points_award(
        actor=town.admin,
        resident=town.alice,
        rule=patrol,
        idempotency_key="a-1",
        at=dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC),
    )
    services.points_award(
        actor=town.admin,
        resident=town.bob,
        rule=patrol,
        idempotency_key="b-1",
        at=dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC),
    )
    services.points_spend(resident=town.bob, points=50, idempotency_key="b-spend")
    today = leaderboard(town.alice, period=Period.TODAY, today=day)
    assert [(r.nickname, r.points) for r in today.rows] == [("Bob", 50)]
    assert today.my_rank is None
    month = leaderboard(town.alice, period=Period.MONTH, today=day)
    assert [r.nickname for r in month.rows] == ["Alice", "Bob"]
    assert [r.rank for r in month.rows] == [1, 1]


def test_production_refuses_to_start_without_a_secret(tmp_path):
    code = "import django; django.setup()"
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "civicpoints.settings",
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
    }
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).parents[3]),
        check=False,
    )
    assert proc.returncode != 0 and "SECRET_KEY is not set" in proc.stderr
    env["SECRET_KEY"] = "x" * 50
    env["SMS_CONSOLE_IN_PRODUCTION"] = "1"  # issue 15: else the console SMS backend refuses
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).parents[3]),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    env["DEBUG"] = "maybe"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).parents[3]),
        check=False,
    )
    assert "DEBUG must be a boolean" in proc.stderr


def test_staff_desk_award_form_double_submit_awards_once(client, town, catalog):
    client.force_login(town.staff_a)
    page = client.get(reverse("portal:staff_resident", args=[town.alice.pk]))
    nonce = page.context["award_form"]["nonce"].value()
    assert page.context["resident"].mobile in page.content.decode()
    url = reverse("portal:staff_award", args=[town.alice.pk])
    data = {"rule": "sanitation_drive", "note": "河道清理", "nonce": nonce}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert PointAccount.objects.get(resident=town.alice).balance == 25
    resp = client.post(
        reverse("portal:staff_adjust", args=[town.alice.pk]),
        {"points": "5", "reason": "", "nonce": "n" * 10},
    )
    assert resp.status_code == 422 and "reason" in resp.context["adjust_form"].errors
    assert PointAccount.objects.get(resident=town.alice).balance == 25
    assert town.alice.role == Role.RESIDENT


def test_api_login_needs_the_csrf_token(small_town):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    body = {"mobile": "13800000001", "password": "civic-demo-2026"}
    resp = browser.post(f"{API}/auth/login", body, content_type="application/json")
    assert resp.status_code == 403 and resp.json()["code"] == "csrf_failed"
    token = browser.get(f"{API}/auth/csrf").json()["csrf_token"]
    resp = browser.post(
        f"{API}/auth/login", body, content_type="application/json", headers={"x-csrftoken": token}
    )
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/me/transactions", {"offset": "99999999999999999999999"}),
        ("/me/transactions", {"limit": "0"}),
        ("/notifications", {"limit": "100000"}),
        ("/leaderboard", {"period": "decade"}),
    ],
)
def test_api_query_bounds_are_422_naming_the_field(client, small_town, url, params):
    client.force_login(small_town)
    resp = client.get(f"{API}{url}", params)
    assert resp.status_code == 422
    assert resp.json()["field"] in params


def test_api_points_must_be_a_real_integer(client, town):
    client.force_login(town.staff_a)
    resp = client.post(
        f"{API}/staff/residents/{town.alice.pk}/adjustments",
        {"points": True, "reason": "x"},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["field"] == "points"
