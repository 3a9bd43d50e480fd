"""The JSON API of rankings, honours, disputes and the dashboard: shapes, scope, error codes."""

import datetime as dt

from civicpoints.rankings.services import snapshot_take

API = "/api/v1"


def test_daily_ranking_and_households_api(client, more, award):
    award(more.bob, 20)
    award(more.alice, 10)
    client.force_login(more.alice)
    assert client.get(f"{API}/rankings/daily").json()["day"] is None
    snapshot_take(town=more.town, day=dt.date(2026, 3, 1))
    body = client.get(f"{API}/rankings/daily", {"limit": 1}).json()
    assert body["day"] == "2026-03-01"
    assert [(r["nickname"], r["rank"], r["change"]) for r in body["rows"]] == [("Bob", 1, None)]
    assert body["mine"]["rank"] == 2 and body["mine"]["points"] == 10
    assert client.get(f"{API}/rankings/daily", {"scope": "galaxy"}).status_code == 422
    hh = client.get(f"{API}/rankings/households", {"period": "week"}).json()
    assert hh == {"scope": "town", "period": "week", "rows": [], "my_rank": None, "my_points": 0}


def test_honours_api_for_staff_only(client, more, award):
    award(more.alice, 10)
    body = {"kind": "civic_star", "period_start": "2026-03-01"}
    client.force_login(more.alice)
    resp = client.post(f"{API}/staff/honours/evaluate", body, content_type="application/json")
    assert resp.status_code == 403 and resp.json()["code"] == "staff_only"
    client.force_login(more.staff_a)
    resp = client.post(f"{API}/staff/honours/publish", body, content_type="application/json")
    assert resp.status_code == 404 and resp.json()["code"] == "no_drafts"
    resp = client.post(f"{API}/staff/honours/evaluate", body, content_type="application/json")
    assert [h["holder"] for h in resp.json()] == ["Alice"]
    resp = client.post(f"{API}/staff/honours/publish", body, content_type="application/json")
    assert resp.json() == {"published": 1}
    bad = client.post(
        f"{API}/staff/honours/evaluate",
        {"kind": "civic_star", "period_start": "2026-03-02"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "period_start"
    client.force_login(more.bob)
    assert [h["holder"] for h in client.get(f"{API}/honours").json()] == ["Alice"]


def test_disputes_api_scope_and_validation(client, town):
    new = {
        "community_id": town.a.pk,
        "category": "neighbourhood",
        "parties": "甲 / 乙",
        "occurred_on": "2026-03-01",
    }
    client.force_login(town.staff_b)
    resp = client.post(f"{API}/staff/disputes", new, content_type="application/json")
    assert resp.status_code == 404 and resp.json()["field"] == "community"
    client.force_login(town.staff_a)
    resp = client.post(f"{API}/staff/disputes", new, content_type="application/json")
    assert resp.status_code == 201
    pk = resp.json()["id"]
    resp = client.post(
        f"{API}/staff/disputes/{pk}/outcome",
        {"outcome": "resolved"},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["field"] == "resolved_on"
    resp = client.post(
        f"{API}/staff/disputes/{pk}/outcome",
        {"outcome": "resolved", "resolved_on": "2026-03-02"},
        content_type="application/json",
    )
    assert resp.json()["outcome"] == "resolved"
    assert client.get(f"{API}/staff/disputes").json()["count"] == 1
    client.force_login(town.alice)
    assert client.get(f"{API}/staff/disputes").status_code == 403


def test_dashboard_api_and_public_figures(client, more, award):
    award(more.alice, 30, dt.date(2026, 3, 1))
    client.force_login(more.staff_b)
    body = client.get(f"{API}/staff/dashboard", {"start": "2026-03-01", "end": "2026-03-31"}).json()
    figures = {f["key"]: f["value"] for f in body["figures"]}
    assert body["community_id"] == more.b.pk and figures["points_issued"] == 0
    client.force_login(more.admin)
    body = client.get(f"{API}/staff/dashboard", {"start": "2026-03-01", "end": "2026-03-31"}).json()
    figures = {f["key"]: f["value"] for f in body["figures"]}
    assert figures["points_issued"] == 30 and figures["participants"] == 1
    bad = client.get(f"{API}/staff/dashboard", {"start": "2026-04-01", "end": "2026-03-01"})
    assert bad.status_code == 422 and bad.json()["code"] == "range_reversed"
    client.logout()
    pub = client.get(f"{API}/figures").json()
    assert (pub["participants"], pub["total_points"], pub["good_deeds"]) == (1, 30, 0)
