"""Staff act only inside their scope (invariant 7): pages and API, with personas."""

import json

import pytest
from django.urls import reverse

from civicpoints.points.models import PointTransaction

API = "/api/v1"


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("page", ["portal:staff_resident", "accounts:staff_card"])
def test_staff_of_another_community_gets_404_on_pages(client, town, page):
    client.force_login(town.staff_b)
    assert client.get(reverse(page, args=[town.alice.pk])).status_code == 404
    client.force_login(town.staff_a)
    assert client.get(reverse(page, args=[town.alice.pk])).status_code == 200


def test_award_page_out_of_scope_writes_nothing(client, town, rule):
    client.force_login(town.staff_b)
    resp = client.post(
        reverse("portal:staff_award", args=[town.alice.pk]),
        {"rule": "voluntary_patrol", "note": "", "nonce": "abcdefgh12"},
    )
    assert resp.status_code == 404
    assert not PointTransaction.objects.exists()


def test_resident_and_merchant_cannot_open_the_staff_desk(client, town):
    for persona in (town.alice, town.merchant):
        client.force_login(persona)
        assert client.get(reverse("accounts:staff_residents")).status_code == 403
        resp = client.get(f"{API}/staff/residents")
        assert resp.status_code == 403 and resp.json()["code"] == "staff_only"


def test_api_award_scope_and_idempotency(client, town, rule):
    body = {"rule": "voluntary_patrol", "note": "night patrol", "idempotency_key": "patrol-0001"}
    url = f"{API}/staff/residents/{town.alice.pk}/awards"
    client.force_login(town.staff_b)
    assert post_json(client, url, body).status_code == 404
    client.force_login(town.outsider_admin)
    assert post_json(client, url, body).status_code == 404
    client.force_login(town.staff_a)
    first = post_json(client, url, body)
    again = post_json(client, url, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["replayed"] is True
    client.force_login(town.admin)  # town admin covers every community of the town
    resp = post_json(client, url, {**body, "idempotency_key": "patrol-0002"})
    assert resp.status_code == 409 and resp.json()["code"] == "cap_reached"
    assert PointTransaction.objects.filter(resident=town.alice).count() == 1


def test_api_bad_input_names_the_field_and_writes_nothing(client, town, catalog):
    client.force_login(town.staff_a)
    base = f"{API}/staff/residents/{town.alice.pk}"
    resp = post_json(client, f"{base}/awards", {"rule": "nope", "idempotency_key": "k" * 10})
    assert resp.status_code == 422 and resp.json() == {
        "code": "unknown_rule",
        "detail": resp.json()["detail"],
        "field": "rule",
    }
    resp = post_json(
        client, f"{base}/adjustments", {"points": 10, "reason": " ", "idempotency_key": "k" * 10}
    )
    assert resp.status_code == 422 and resp.json()["field"] == "reason"
    resp = post_json(client, f"{base}/adjustments", {"points": "ten", "reason": "x"})
    assert resp.status_code == 422 and "points" in json.dumps(resp.json())
    resp = post_json(
        client,
        f"{API}/staff/residents",
        {"mobile": "+86 138 0013 8001", "nickname": "dup", "community_id": town.a.pk},
    )
    assert resp.status_code == 409 and resp.json()["field"] == "mobile"
    assert not PointTransaction.objects.exists()


def test_staff_list_shows_full_mobile_only_in_scope(client, town):
    client.force_login(town.staff_a)
    body = client.get(f"{API}/staff/residents").json()
    assert [r["mobile"] for r in body["items"]] == ["13800138001"]
    client.force_login(town.admin)
    mobiles = {r["mobile"] for r in client.get(f"{API}/staff/residents").json()["items"]}
    assert mobiles == {"13800138001", "13900139002"}  # not carol, of another town


def test_public_pages_show_mobiles_masked_or_not_at_all(client, town, rule):
    from civicpoints.points.services import points_award

    points_award(actor=town.admin, resident=town.bob, rule=rule)
    client.force_login(town.alice)
    html = client.get(reverse("portal:leaderboard") + "?period=all").content.decode()
    assert "Bob" in html and "13900139002" not in html
    card = client.get(reverse("accounts:card")).content.decode()
    assert "138****8001" in card and "13800138001" not in card
    assert "13800138001" in client.get(reverse("portal:profile")).content.decode()
