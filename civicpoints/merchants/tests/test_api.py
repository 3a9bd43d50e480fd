"""The merchant-alliance API: shapes, status codes and error codes per role."""

import datetime as dt

from civicpoints.accounts.card import resident_card_token
from civicpoints.core.timeutil import local_date
from civicpoints.merchants import services
from civicpoints.merchants.models import Voucher
from civicpoints.merchants.tests.conftest import fund

API = "/api/v1"


def test_exchange_redeem_and_replay(client, rich, offer):
    # given
    client.force_login(rich.alice)
    # when
    first = client.post(
        f"{API}/offers/{offer.pk}/exchange",
        {"idempotency_key": "k-00000001"},
        content_type="application/json",
    )
    again = client.post(
        f"{API}/offers/{offer.pk}/exchange",
        {"idempotency_key": "k-00000001"},
        content_type="application/json",
    )
    # then
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["points"], body["discount_fen"], body["offer"]["pay_fen"]) == (50, 500, 3000)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["id"] == body["id"]
    assert client.get(f"{API}/vouchers/mine").json()[0]["code"] == body["code"]
    # when: the merchant redeems it
    client.force_login(rich.merchant)
    resp = client.post(
        f"{API}/merchant-desk/vouchers/redeem",
        {"code": body["code"]},
        content_type="application/json",
    )
    assert resp.status_code == 200
    assert resp.json()["masked_mobile"] == rich.alice.masked_mobile
    assert rich.alice.mobile not in resp.content.decode()
    resp = client.post(
        f"{API}/merchant-desk/vouchers/redeem",
        {"code": body["code"]},
        content_type="application/json",
    )
    assert (resp.status_code, resp.json()["code"]) == (409, "voucher_redeemed")
    settle = client.get(f"{API}/merchant-desk/settlement").json()
    assert (settle["vouchers"], settle["discount_fen"], settle["points"]) == (1, 500, 50)


def test_an_exchange_without_a_request_key_is_refused_and_writes_nothing(client, rich, offer):
    # given
    client.force_login(rich.alice)
    # when: the body is empty
    resp = client.post(f"{API}/offers/{offer.pk}/exchange", {}, content_type="application/json")
    # then: 422 naming the key, no voucher, no points spent
    assert resp.status_code == 422, resp.content
    assert resp.json()["field"] == "idempotency_key"
    assert not Voucher.objects.exists()


def test_a_request_key_replayed_for_another_offer_is_409(client, rich, offer, town):
    # given: a voucher for one offer under key k
    from civicpoints.merchants.tests.conftest import make_offer

    second = make_offer(town.merchant, title="Shave 3 yuan off", points_cost=30)
    client.force_login(rich.alice)
    body = {"idempotency_key": "k-replayed-01"}
    first = client.post(f"{API}/offers/{offer.pk}/exchange", body, content_type="application/json")
    # when: the same key is sent for another offer
    resp = client.post(f"{API}/offers/{second.pk}/exchange", body, content_type="application/json")
    # then: refused, nothing more issued
    assert first.status_code == 201
    assert (resp.status_code, resp.json()["code"]) == (409, "idempotency_key_reused")
    assert resp.json()["field"] == "idempotency_key"
    assert list(Voucher.objects.values_list("offer_id", flat=True)) == [offer.pk]


def test_errors_are_4xx_with_codes(client, town, offer, other_shop):
    client.force_login(town.alice)
    resp = client.post(
        f"{API}/offers/{offer.pk}/exchange",
        {"idempotency_key": "k-00000002"},
        content_type="application/json",
    )
    assert (resp.status_code, resp.json()["code"]) == (409, "insufficient_points")
    resp = client.post(
        f"{API}/offers/999999/exchange",
        {"idempotency_key": "k-00000003"},
        content_type="application/json",
    )
    assert resp.status_code == 404
    resp = client.post(
        f"{API}/merchant-desk/vouchers/redeem", {"code": "x"}, content_type="application/json"
    )
    assert (resp.status_code, resp.json()["code"]) == (403, "merchant_staff_only")
    client.force_login(other_shop.staff_user)
    resp = client.post(
        f"{API}/merchant-desk/offers",
        {
            "title": "t",
            "price_fen": 100,
            "discount_fen": 200,
            "points_cost": 1,
            "stock": 1,
            "valid_from": local_date().isoformat(),
            "valid_until": local_date().isoformat(),
        },
        content_type="application/json",
    )
    assert (resp.status_code, resp.json()["field"]) == (422, "discount_fen")
    resp = client.get(f"{API}/merchant-desk/settlement?month=2026-13")
    assert (resp.status_code, resp.json()["code"]) == (422, "invalid_month")


def test_cancel_via_api(client, rich, offer):
    v = services.voucher_exchange(
        resident=rich.alice, offer_id=offer.pk, idempotency_key="k-00000003"
    )
    client.force_login(rich.alice)
    resp = client.post(f"{API}/vouchers/{v.pk}/cancel")
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled"
    client.force_login(rich.bob)
    assert client.post(f"{API}/vouchers/{v.pk}/cancel").status_code == 404


def test_town_admin_flow(client, town):
    client.force_login(town.admin)
    assert (
        client.put(
            f"{API}/town/subsidy-budget", {"cap_fen": 5000}, content_type="application/json"
        ).json()["left_fen"]
        == 5000
    )
    resp = client.post(
        f"{API}/town/merchants/{town.shop.pk}/offers",
        {
            "title": "Town-funded",
            "price_fen": 3500,
            "discount_fen": 1000,
            "points_cost": 40,
            "stock": 3,
            "valid_from": local_date().isoformat(),
            "valid_until": (local_date() + dt.timedelta(days=3)).isoformat(),
            "funded_by": "subsidy",
        },
        content_type="application/json",
    )
    assert resp.status_code == 201 and resp.json()["funded_by"] == "subsidy"
    assert client.put(
        f"{API}/town/card-policy", {"threshold_points": 50}, content_type="application/json"
    ).json() == {"threshold_points": 50}
    names = [m["name"] for m in client.get(f"{API}/town/merchants").json()["items"]]
    assert names == ["叶子发艺"]
    client.force_login(town.outsider_admin)
    resp = client.post(
        f"{API}/town/merchants/{town.shop.pk}/status",
        {"status": "suspended"},
        content_type="application/json",
    )
    assert resp.status_code == 404


def test_card_via_api(client, town):
    services.card_policy_set(actor=town.admin, threshold_points=20)
    client.force_login(town.alice)
    assert client.post(f"{API}/me/discount-card").json()["code"] == "card_not_eligible"
    fund(town, town.alice, 20)
    card = client.post(f"{API}/me/discount-card").json()
    assert card["status"] == "active" and card["token"] == resident_card_token(town.alice)
    client.force_login(town.merchant)
    resp = client.post(
        f"{API}/merchant-desk/cards/check",
        {"token": card["token"]},
        content_type="application/json",
    )
    assert resp.json()["nickname"] == "Alice"
    client.force_login(town.staff_a)
    resp = client.post(
        f"{API}/staff/residents/{town.alice.pk}/discount-card",
        {"status": "suspended", "reason": "lent to others"},
        content_type="application/json",
    )
    assert resp.json()["status"] == "suspended"


def test_public_merchant_list_and_detail(client, town, offer):
    client.force_login(town.bob)
    listed = client.get(f"{API}/merchants").json()
    assert [m["name"] for m in listed["items"]] == ["叶子发艺"] and listed["count"] == 1
    detail = client.get(f"{API}/merchants/{town.shop.pk}").json()
    assert [o["title"] for o in detail["offers"]] == [offer.title]
    client.force_login(town.carol)
    assert client.get(f"{API}/merchants/{town.shop.pk}").status_code == 404
    assert Voucher.objects.count() == 0
