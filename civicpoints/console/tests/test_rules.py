"""The town console's rule catalog and confirmation queue: pages and API, town admins
only, inside their own town."""

import datetime as dt

import pytest

from civicpoints.core.timeutil import local_date
from civicpoints.points import services
from civicpoints.points.catalog import rule_catalog_load
from civicpoints.points.errors import AwaitingConfirmation
from civicpoints.points.models import PointRule, PointTransaction, QueuedAward, RuleVersion

pytestmark = pytest.mark.django_db


def _api(client, method, path, body=None):
    return getattr(client, method)(f"/api/v1/console{path}", body, content_type="application/json")


def _queue_one(town, rule, key="auto-1"):
    with pytest.raises(AwaitingConfirmation):
        services.points_award(resident=town.alice, rule=rule, idempotency_key=key)
    return QueuedAward.objects.get(idempotency_key=key)


# --- pages --------------------------------------------------------------------------------


def test_the_rules_page_lists_the_towns_catalog_for_its_admin_only(client, town, rule):
    client.force_login(town.admin)
    page = client.get("/console/rules/")
    assert page.status_code == 200
    assert len(page.context["rules"]) == PointRule.objects.filter(town=town.town).count() == 73
    assert f"/console/rules/{rule.pk}/" in page.content.decode()
    client.force_login(town.staff_a)
    assert client.get("/console/rules/").status_code == 403
    # another town's admin cannot open this town's rule
    client.force_login(town.outsider_admin)
    assert client.get(f"/console/rules/{rule.pk}/").status_code == 404


def test_the_edit_page_saves_a_version_with_reason_and_day(client, town, rule):
    client.force_login(town.admin)
    form = client.get(f"/console/rules/{rule.pk}/").context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    later = local_date() + dt.timedelta(days=2)
    data.update({"points": "65", "reason": "议事会通过", "effective_from": later.isoformat()})
    resp = client.post(f"/console/rules/{rule.pk}/", data)
    assert resp.status_code == 302
    v = RuleVersion.objects.get(rule=rule, number=2)
    assert (v.points, v.reason, v.created_by, v.effective_from) == (
        65,
        "议事会通过",
        town.admin,
        later,
    )
    # only the changed field moved: the others are the latest version's
    assert (v.daily_limit, v.name_zh, v.requires_confirmation) == (
        rule.daily_limit,
        rule.name_zh,
        rule.requires_confirmation,
    )
    # the page shows the history
    page = client.get(f"/console/rules/{rule.pk}/").content.decode()
    assert "议事会通过" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"points": "0"}, "points"),
        ({"effective_from": "2020-01-01"}, "effective_from"),
        ({"period": "week", "period_limit": ""}, "period_limit"),
    ],
)
def test_a_bad_edit_is_a_form_error_on_its_field_and_writes_nothing(
    client, town, rule, change, field
):
    client.force_login(town.admin)
    form = client.get(f"/console/rules/{rule.pk}/").context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data.update({"points": "60", "reason": "r", "effective_from": local_date().isoformat()})
    data.update(change)
    resp = client.post(f"/console/rules/{rule.pk}/", data)
    assert resp.status_code == 422
    assert field in resp.context["form"].errors
    assert rule.versions.count() == 1


def test_the_queue_page_confirms_and_refuses_with_a_reason(client, town, rule):
    first, second = _queue_one(town, rule, "q-1"), _queue_one(town, rule, "q-2")
    client.force_login(town.admin)
    page = client.get("/console/queue/")
    assert page.status_code == 200 and len(page.context["queued"]) == 2
    assert (
        client.post(
            "/console/queue/", {"queued": first.pk, "decision": "confirm", "why": "巡逻记录齐全"}
        ).status_code
        == 302
    )
    assert PointTransaction.objects.get(idempotency_key="q-1").actor == town.admin
    # refusing without a reason is a form error; with one, nothing is written
    resp = client.post("/console/queue/", {"queued": second.pk, "decision": "refuse", "why": ""})
    assert resp.status_code == 422 and "why" in resp.context["refuse_form"].errors
    resp = client.post(
        "/console/queue/", {"queued": second.pk, "decision": "refuse", "why": "重复申报"}
    )
    assert resp.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.decision_note) == ("refused", "重复申报")
    assert not PointTransaction.objects.filter(idempotency_key="q-2").exists()


# --- API --------------------------------------------------------------------------------------


def test_the_api_changes_a_rule_and_shows_its_history(client, town, rule):
    client.force_login(town.admin)
    resp = _api(client, "post", f"/rules/{rule.pk}/versions", {"points": 45, "reason": "调整分值"})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["number"], body["points"], body["created_by"]) == (2, 45, town.admin.nickname)
    assert body["effective_from"] == local_date().isoformat()
    detail = _api(client, "get", f"/rules/{rule.pk}").json()
    assert detail["points"] == 45 and [v["number"] for v in detail["versions"]] == [2, 1]
    listing = _api(client, "get", "/rules?limit=100").json()
    assert listing["count"] == 73
    assert {r["code"]: r["automatic"] for r in listing["items"]}["article_reading"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"points": 45}, "reason"),
        ({"points": 45, "reason": " "}, "reason"),
        ({"points": 0, "reason": "r"}, "points"),
        ({"points": None, "reason": "r"}, "points"),
        ({"reason": "r"}, "changes"),
        ({"points": 45, "reason": "r", "effective_from": "2020-01-01"}, "effective_from"),
        ({"period": "week", "reason": "r"}, "period_limit"),
    ],
)
def test_bad_api_changes_are_422_naming_the_field(client, town, rule, body, field):
    client.force_login(town.admin)
    resp = _api(client, "post", f"/rules/{rule.pk}/versions", body)
    assert resp.status_code == 422, resp.content
    assert resp.json()["field"] == field
    assert rule.versions.count() == 1


def test_the_api_keeps_each_admin_in_their_own_town(client, town, rule):
    rule_catalog_load(town_id=town.other_town.pk)
    client.force_login(town.outsider_admin)
    assert _api(client, "get", f"/rules/{rule.pk}").status_code == 404
    resp = _api(client, "post", f"/rules/{rule.pk}/versions", {"points": 1, "reason": "x"})
    assert resp.status_code == 404
    theirs = _api(client, "get", "/rules?limit=100").json()["items"]
    assert rule.pk not in {r["id"] for r in theirs}
    assert PointRule.objects.get(pk=rule.pk).points == 50
    client.force_login(town.staff_a)
    assert _api(client, "get", "/rules").status_code == 403


def test_the_api_queue_confirms_and_refuses(client, town, rule):
    first, second = _queue_one(town, rule, "a-1"), _queue_one(town, rule, "a-2")
    client.force_login(town.admin)
    items = _api(client, "get", "/queued-awards").json()["items"]
    assert [(i["id"], i["reason"]) for i in items] == [
        (first.pk, "confirmation"),
        (second.pk, "confirmation"),
    ]
    ok = _api(client, "post", f"/queued-awards/{first.pk}/confirm", {"why": "核实"})
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"
    bad = _api(client, "post", f"/queued-awards/{second.pk}/refuse", {"why": ""})
    assert bad.status_code == 422 and bad.json()["field"] == "why"
    done = _api(client, "post", f"/queued-awards/{second.pk}/refuse", {"why": "不符合"})
    assert done.status_code == 200 and done.json()["status"] == "refused"
    again = _api(client, "post", f"/queued-awards/{first.pk}/confirm", {"why": "再次"})
    assert again.status_code == 422 and again.json()["field"] == "status"
    client.force_login(town.outsider_admin)
    assert (
        _api(client, "post", f"/queued-awards/{first.pk}/confirm", {"why": "x"}).status_code == 404
    )
