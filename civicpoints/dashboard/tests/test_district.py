"""A district over several towns (issue 14, item 6): ``create_district``, the district
admin (a district, no town), the towns side by side year on year, the read-only town
dashboards, and every write refused."""

import datetime as dt
import re
from datetime import UTC
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from civicpoints.accounts.models import District, Role, User
from civicpoints.accounts.services import (
    DistrictDiffers,
    TownInAnotherDistrict,
    district_create,
)
from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.dashboard.district import district_overview
from civicpoints.dashboard.services import figures_catch_up
from civicpoints.disputes.services import dispute_record
from civicpoints.merchants.models import Merchant
from civicpoints.points import services as points
from civicpoints.points.catalog import rule_catalog_load
from civicpoints.points.models import PointRule
from civicpoints.points.tests.helpers import confirming_staff

pytestmark = pytest.mark.django_db

# 04:00 UTC on 15 June 2026: noon in Shanghai
NOW = dt.datetime(2026, 6, 15, 4, tzinfo=UTC)


def _district(town, **over):
    kwargs = {
        "name": "南岸区",
        "code": "nanan",
        "town_codes": ["baqiao", "other"],
        "admin_mobile": "13700000077",
    }
    kwargs.update(over)
    return district_create(**kwargs)


@pytest.fixture
def district(town):
    setup = _district(town)
    admin = setup.admin
    admin.must_change_password = False  # as after the first sign-in
    admin.save(update_fields=["must_change_password"])
    town.district_admin = admin
    return town


# --- creating a district ---------------------------------------------------------


def test_create_district_links_the_towns_and_makes_a_townless_district_admin(town):
    # when
    setup = _district(town)
    # then
    district = District.objects.get(code="nanan")
    assert sorted(district.towns.values_list("code", flat=True)) == ["baqiao", "other"]
    admin = User.objects.get(mobile="13700000077")
    assert (admin.role, admin.town_id, admin.district, admin.is_superuser) == (
        Role.DISTRICT_ADMIN,
        None,
        district,
        False,
    )
    assert admin.must_change_password is True  # a one-time password
    assert admin.check_password(setup.temporary_password)
    # and again: nothing new, no new password
    again = _district(town)
    assert (again.district_created, again.admin_created, again.towns_added) == (False, False, 0)
    assert again.temporary_password is None


@pytest.mark.parametrize(
    ("over", "error", "field"),
    [
        ({"town_codes": ["baqiao", "nowhere"]}, InvalidInput, "towns"),
        ({"town_codes": []}, InvalidInput, "towns"),
        ({"town_codes": ["baqiao", "baqiao"]}, InvalidInput, "towns"),
        ({"code": "Not A Code"}, InvalidInput, "code"),
        ({"admin_mobile": "123"}, InvalidInput, "admin_mobile"),
        ({"admin_mobile": "13800138001"}, Exception, "admin_mobile"),  # alice's number
    ],
)
def test_bad_districts_name_the_field_and_write_nothing(town, over, error, field):
    with pytest.raises(error) as raised:
        _district(town, **over)
    assert raised.value.field == field
    assert not District.objects.exists()
    assert not User.objects.filter(role=Role.DISTRICT_ADMIN).exists()


def test_a_town_belongs_to_at_most_one_district(district):
    # when / then
    with pytest.raises(TownInAnotherDistrict):
        _district(district, name="北岸区", code="beian", admin_mobile="13700000078")
    with pytest.raises(DistrictDiffers):
        _district(district, name="改名区")


def test_create_district_command_prints_the_masked_admin_and_the_password_once(town):
    # when
    out = StringIO()
    call_command(
        "create_district",
        "--name=南岸区",
        "--code=nanan",
        "--town=baqiao",
        "--admin-mobile=13700000077",
        stdout=out,
    )
    # then
    text = out.getvalue()
    assert "137****0077" in text and "13700000077" not in text
    password = re.search(r"one-time password (\S+)", text).group(1)
    assert User.objects.get(mobile="13700000077").check_password(password)
    with pytest.raises(CommandError, match="--town"):
        call_command(
            "create_district",
            "--name=x",
            "--code=x",
            "--town=nowhere",
            "--admin-mobile=13700000079",
        )


def test_the_database_refuses_a_district_admin_with_a_town_and_a_town_person_with_a_district(
    district,
):
    nanan = District.objects.get(code="nanan")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=district.district_admin.pk).update(town=district.town)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=district.alice.pk).update(district=nanan)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=district.district_admin.pk).update(is_superuser=True)


# --- the towns side by side --------------------------------------------------------


def _story(town, monkeypatch):
    """Activity this year to date and over the same days of last year, in both towns."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    User.objects.filter(pk=town.alice.pk).update(date_joined=dt.datetime(2025, 1, 10, tzinfo=UTC))
    User.objects.filter(pk=town.bob.pk).update(date_joined=dt.datetime(2026, 2, 1, tzinfo=UTC))
    User.objects.filter(pk=town.carol.pk).update(date_joined=dt.datetime(2024, 5, 1, tzinfo=UTC))
    Merchant.objects.filter(pk=town.shop.pk).update(created_at=dt.datetime(2025, 9, 1, tzinfo=UTC))
    rule_catalog_load(town_id=town.carol.town_id)  # the other town's own catalog
    for n, (who, at) in enumerate(
        [
            (town.alice, dt.datetime(2026, 3, 1, 2, tzinfo=UTC)),  # this year
            (town.bob, dt.datetime(2026, 6, 15, 1, tzinfo=UTC)),  # today
            (town.alice, dt.datetime(2025, 3, 1, 2, tzinfo=UTC)),  # last year, same period
            (town.alice, dt.datetime(2025, 7, 1, 2, tzinfo=UTC)),  # last year, later: not counted
            (town.carol, dt.datetime(2025, 4, 1, 2, tzinfo=UTC)),  # other town, last year
        ]
    ):
        patrol = PointRule.objects.get(code="voluntary_patrol", town_id=who.town_id)  # 50 points
        points.points_award(
            resident=who,
            rule=patrol,
            actor=confirming_staff(who),
            idempotency_key=f"story-{n:04d}",
            at=at,
        )
    points.points_spend(resident=town.alice, points=30, idempotency_key="spend-0001")
    for day in (dt.date(2025, 4, 1), dt.date(2025, 5, 1), dt.date(2026, 4, 1)):
        dispute_record(
            actor=town.staff_a,
            community=town.a,
            category="neighbourhood",
            parties="甲、乙",
            occurred_on=day,
        )


def _as_table(columns):
    return {
        c.town.code: {f.key: (f.current, f.previous, f.change_percent) for f in c.figures}
        for c in columns
    }


def test_the_district_shows_each_town_year_on_year_the_same_with_or_without_the_nightly_job(
    district, catalog, monkeypatch
):
    # given
    _story(district, monkeypatch)
    # when: read live, then after the nightly job counted through yesterday
    live = _as_table(district_overview(district.district_admin))
    figures_catch_up()
    counted = _as_table(district_overview(district.district_admin))
    # then
    assert live == counted
    assert live["baqiao"] == {
        "residents": (2, 1, 100),
        "participants": (2, 1, 100),
        "points_issued": (100, 50, 100),
        "points_spent": (30, 0, None),
        "good_deeds": (0, 0, None),
        "merchants": (1, 0, None),
        "disputes": (1, 2, -50),
    }
    assert live["other"]["points_issued"] == (0, 50, -100)
    assert live["other"]["residents"] == (1, 1, 0)


def test_district_page_and_api_show_the_towns_side_by_side(district, catalog, monkeypatch):
    # given
    _story(district, monkeypatch)
    client = Client()
    client.force_login(district.district_admin)
    # when
    page = client.get(reverse("dashboard:district"))
    api = client.get("/api/v1/staff/district")
    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert "巴桥镇" in html and "别镇" in html and "?town=baqiao" in html
    body = api.json()
    assert [t["code"] for t in body["towns"]] == ["other", "baqiao"] or [
        t["code"] for t in body["towns"]
    ] == ["baqiao", "other"]
    baqiao = next(t for t in body["towns"] if t["code"] == "baqiao")
    issued = next(f for f in baqiao["figures"] if f["key"] == "points_issued")
    assert (issued["current"], issued["previous"], issued["change_percent"]) == (100, 50, 100)
    assert (baqiao["start"], baqiao["end"]) == ("2026-01-01", "2026-06-15")
    assert (baqiao["previous_start"], baqiao["previous_end"]) == ("2025-01-01", "2025-06-15")
    # the home page leads a district admin to the district page
    assert client.get("/")["Location"] == reverse("dashboard:district")


def test_only_district_admins_see_a_district(district):
    client = Client()
    client.force_login(district.admin)
    assert client.get(reverse("dashboard:district")).status_code == 403
    refused = client.get("/api/v1/staff/district")
    assert (refused.status_code, refused.json()["code"]) == (403, "district_admin_only")
    with pytest.raises(OutOfScope):
        district_overview(district.alice)


# --- read-only town dashboards ------------------------------------------------------


def test_a_district_admin_reads_a_towns_dashboard_without_any_write_control(district):
    # given
    client = Client()
    client.force_login(district.district_admin)
    # when
    page = client.get(reverse("dashboard:dashboard"), {"town": "baqiao"})
    api = client.get("/api/v1/staff/dashboard", {"town": "other"})
    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("dashboard:export", args=["points_by_month", "csv"]) not in html
    assert reverse("disputes:list") not in html
    assert reverse("rankings:staff_honours") not in html
    assert 'name="town" value="baqiao"' in html
    assert api.status_code == 200 and api.json()["community_id"] is None
    # a community of that town may be chosen, one of another town may not
    assert (
        client.get(
            reverse("dashboard:dashboard"), {"town": "baqiao", "community": district.a.pk}
        ).status_code
        == 200
    )
    assert (
        client.get(
            "/api/v1/staff/dashboard", {"town": "baqiao", "community": district.c.pk}
        ).status_code
        == 404
    )
    # exports (which may queue a job) are refused
    export = client.get(
        reverse("dashboard:export", args=["points_by_month", "csv"]), {"town": "baqiao"}
    )
    assert export.status_code == 403


def test_a_district_admin_cannot_open_a_town_outside_the_district_or_none(district):
    # given a third town, in no district
    from civicpoints.accounts.models import Town

    Town.objects.create(name="远镇", code="far")
    client = Client()
    client.force_login(district.district_admin)
    # when / then
    assert client.get(reverse("dashboard:dashboard"), {"town": "far"}).status_code == 404
    assert client.get(reverse("dashboard:dashboard")).status_code == 404
    missing = client.get("/api/v1/staff/dashboard", {"town": "far"})
    assert (missing.status_code, missing.json()["field"]) == (404, "town")


# --- acting inside a town: refused everywhere --------------------------------------

PARAM = re.compile(r"\{[^}]+\}")
WRITES = {"post", "put", "patch", "delete"}
# a district admin's own account (signing in and out, password, language, large text)
OWN_ACCOUNT = {
    "/api/v1/auth/login",
    "/api/v1/auth/login/code",
    "/api/v1/auth/logout",
    "/api/v1/me",
    "/api/v1/me/password",
}


def test_every_api_write_refuses_a_district_admin_with_403(district):
    # given every write operation of the schema, ids filled with ids that exist in town 1
    from civicpoints.api import api

    client = Client()
    client.force_login(district.district_admin)
    schema = api.get_openapi_schema()
    tried, failures = 0, []
    for path, ops in schema["paths"].items():
        for method in set(ops) & WRITES:
            if path in OWN_ACCOUNT:
                continue
            # when
            response = client.generic(
                method.upper(),
                PARAM.sub(str(district.alice.pk), path),
                data="{}",
                content_type="application/json",
            )
            tried += 1
            # then
            if response.status_code != 403 or response.json().get("code") != "read_only":
                failures.append(f"{method.upper()} {path}: {response.status_code}")
    assert tried > 50
    assert failures == []


def test_every_page_post_refuses_a_district_admin_with_403(district):
    # given every page URL pattern (ids filled), posted to as the district admin
    from django.urls import Resolver404, get_resolver, resolve

    client = Client()
    client.force_login(district.district_admin)
    own = {
        "accounts:login",
        "accounts:login_code",
        "accounts:logout",
        "accounts:password_change",
        "accounts:elder_mode",
        "accounts:profile_edit",
        "set_language",
    }
    tried, failures = 0, []

    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                sub = f"{ns}{p.namespace}:" if p.namespace else ns
                yield from walk(p.url_patterns, prefix + str(p.pattern), sub)
            else:
                yield prefix + str(p.pattern), f"{ns}{p.name}" if p.name else ""

    for route, name in walk(get_resolver().url_patterns):
        if route.startswith(("api/", "admin/", "^media", "static")) or name in own:
            continue
        url = "/" + re.sub(r"<[^>]+>", str(district.alice.pk), route).lstrip("^").rstrip("$")
        if "(?P" in url or "\\" in url:
            continue
        try:
            resolve(url)
        except Resolver404:
            continue
        # when
        response = client.post(url, {})
        tried += 1
        # then
        if response.status_code != 403:
            failures.append(f"{url}: {response.status_code}")
    assert tried > 50
    assert failures == []
