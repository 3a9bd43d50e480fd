"""The pages: each role sees its own desk; forms act through the services."""

import pytest
from django.urls import reverse

from civicpoints.merchants import selectors, services
from civicpoints.merchants.models import DiscountCard, Merchant, Offer, Voucher
from civicpoints.merchants.tests.conftest import fund


def test_resident_exchanges_and_sees_the_qr(client, rich, offer):
    client.force_login(rich.alice)
    page = client.get(reverse("merchants:detail", args=[rich.shop.pk]))
    assert page.status_code == 200 and offer.title in page.content.decode()
    nonce = page.context["form"]["nonce"].value()
    url = reverse("merchants:exchange", args=[rich.shop.pk, offer.pk])
    resp = client.post(url, {"nonce": nonce})
    resp2 = client.post(url, {"nonce": nonce})  # a double click
    v = Voucher.objects.get()
    assert resp.url == resp2.url == reverse("merchants:voucher", args=[v.pk])
    page = client.get(resp.url)
    assert "<svg" in page.content.decode() and v.code_display in page.content.decode()
    assert client.get(reverse("merchants:my_vouchers")).status_code == 200
    resp = client.post(reverse("merchants:voucher_cancel", args=[v.pk]))
    assert Voucher.objects.get().status == Voucher.Status.CANCELLED


def test_exchange_refusal_is_a_form_error_not_a_500(client, town, offer):
    client.force_login(town.alice)
    resp = client.post(
        reverse("merchants:exchange", args=[town.shop.pk, offer.pk]), {"nonce": "n-000000001"}
    )
    assert resp.status_code == 409
    assert Voucher.objects.count() == 0


def test_other_peoples_voucher_is_404(client, rich, offer):
    v = services.voucher_exchange(
        resident=rich.alice, offer_id=offer.pk, idempotency_key="k-0000009"
    )
    client.force_login(rich.bob)
    assert client.get(reverse("merchants:voucher", args=[v.pk])).status_code == 404


def test_merchant_desk_look_up_then_redeem(client, rich, offer, other_shop):
    v = services.voucher_exchange(
        resident=rich.alice, offer_id=offer.pk, idempotency_key="k-0000010"
    )
    client.force_login(rich.merchant)
    page = client.post(reverse("merchants:desk_check"), {"code": v.code_display})
    html = page.content.decode()
    assert rich.alice.masked_mobile in html and rich.alice.mobile not in html
    resp = client.post(reverse("merchants:desk_redeem"), {"code": v.code})
    assert resp.status_code == 200 and resp.context["redeemed"].nickname == "Alice"
    resp = client.post(reverse("merchants:desk_redeem"), {"code": v.code})
    assert resp.status_code == 409
    client.force_login(other_shop.staff_user)
    resp = client.post(reverse("merchants:desk_redeem"), {"code": v.code})
    assert resp.status_code == 409


def test_merchant_publishes_an_offer_in_yuan(client, town):
    client.force_login(town.merchant)
    resp = client.post(
        reverse("merchants:desk_offers"),
        {
            "title": "Wash",
            "price_fen": "19.99",
            "discount_fen": "3.33",
            "points_cost": 30,
            "stock": 5,
            "per_resident_limit": 1,
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
        },
    )
    assert resp.status_code == 302
    offer = Offer.objects.get()
    assert (offer.price_fen, offer.discount_fen) == (1999, 333)
    resp = client.post(reverse("merchants:desk_offers"), {"title": "x", "price_fen": "abc"})
    assert resp.status_code == 422


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_settlement_downloads(client, town, fmt):
    client.force_login(town.merchant)
    resp = client.get(reverse("merchants:desk_settlement"), {"format": fmt, "month": "2026-11"})
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    client.force_login(town.admin)
    resp = client.get(reverse("merchants:town_settlement", args=[town.shop.pk]), {"format": fmt})
    assert resp.status_code == 200


def test_pages_per_role(client, town):
    fund(town, town.alice, 10)
    for user, name, status in [
        (town.alice, "merchants:list", 200),
        (town.alice, "merchants:my_card", 200),
        (town.alice, "merchants:apply", 200),
        (town.alice, "merchants:desk", 403),
        (town.alice, "merchants:town", 403),
        (town.merchant, "merchants:desk", 200),
        (town.merchant, "merchants:desk_offers", 200),
        (town.merchant, "merchants:desk_settlement", 200),
        (town.merchant, "merchants:town", 403),
        (town.admin, "merchants:town", 200),
        (town.admin, "merchants:staff_cards", 200),
        (town.staff_a, "merchants:staff_cards", 200),
    ]:
        client.force_login(user)
        assert client.get(reverse(name)).status_code == status, (user, name)


def test_town_desk_approves_and_sets_budget(client, town):
    m = services.merchant_apply(applicant=town.bob, name="Tea", category="茶", address="路")
    client.force_login(town.admin)
    assert client.get(reverse("merchants:town_merchant", args=[m.pk])).status_code == 200
    client.post(reverse("merchants:town_merchant_status", args=[m.pk]), {"status": "approved"})
    assert Merchant.objects.get(pk=m.pk).status == Merchant.Status.APPROVED
    client.post(reverse("merchants:town"), {"b-cap_fen": "1234.56"})
    assert selectors.subsidy_budget(town.town.pk).cap_fen == 123456
    client.post(
        reverse("merchants:town_merchant", args=[m.pk]),
        {"s-mobile": "13500135009", "s-nickname": "tea", "s-password": "a-good-passw0rd"},
    )
    assert m.staff.count() == 1
    client.force_login(town.outsider_admin)
    assert client.get(reverse("merchants:town_merchant", args=[m.pk])).status_code == 404


def test_card_page_claim_and_staff_suspend(client, town):
    services.card_policy_set(actor=town.admin, threshold_points=10)
    fund(town, town.alice, 10)
    client.force_login(town.alice)
    client.post(reverse("merchants:my_card"))
    page = client.get(reverse("merchants:my_card"))
    assert "<svg" in page.content.decode()
    client.force_login(town.staff_a)
    client.post(
        reverse("merchants:staff_card_status", args=[town.alice.pk]),
        {"status": "suspended", "reason": "lent out"},
    )
    assert DiscountCard.objects.get(resident=town.alice).status == "suspended"
    client.force_login(town.staff_b)
    resp = client.post(
        reverse("merchants:staff_card_status", args=[town.alice.pk]), {"status": "active"}
    )
    assert resp.status_code == 404


def test_visitors_see_the_merchants_and_offers_but_must_log_in_to_exchange(client, town, offer):
    # given: a pending merchant is not promoted
    services.merchant_apply(applicant=town.bob, name="Pending tea", category="茶", address="路")
    # when
    listing = client.get(reverse("merchants:list")).content.decode()
    detail = client.get(reverse("merchants:detail", args=[town.shop.pk]))
    # then
    assert "叶子发艺" in listing and "Pending tea" not in listing
    assert detail.status_code == 200 and offer.title in detail.content.decode()
    assert reverse("accounts:login") in detail.content.decode()
    resp = client.post(
        reverse("merchants:exchange", args=[town.shop.pk, offer.pk]), {"nonce": "n-00000001"}
    )
    assert resp.status_code == 302 and reverse("accounts:login") in resp.url
    assert Voucher.objects.count() == 0


def test_restock_only_own_offers(client, town, offer, other_shop):
    client.force_login(town.merchant)
    client.post(reverse("merchants:desk_offer_restock", args=[offer.pk]), {"units": "5"})
    assert Offer.objects.get(pk=offer.pk).stock == 15
    assert (
        client.post(
            reverse("merchants:desk_offer_restock", args=[offer.pk]), {"units": "x"}
        ).status_code
        == 422
    )
    client.force_login(other_shop.staff_user)
    resp = client.post(reverse("merchants:desk_offer_restock", args=[offer.pk]), {"units": "5"})
    assert resp.status_code == 404
    resp = client.post(
        f"/api/v1/merchant-desk/offers/{offer.pk}/restock",
        {"units": 1},
        content_type="application/json",
    )
    assert resp.status_code == 404
    assert Offer.objects.get(pk=offer.pk).stock == 15
