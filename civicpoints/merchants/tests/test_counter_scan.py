"""The counter after issue 18: codes are POSTed (never in the URL), the page carries the
camera scanner, and every valid card check is recorded as a use."""

import re

import pytest
from django.urls import reverse

from civicpoints.accounts.card import resident_card_token
from civicpoints.core.errors import Conflict
from civicpoints.merchants import services
from civicpoints.merchants.errors import CardSuspended
from civicpoints.merchants.models import CardUse
from civicpoints.merchants.tests.conftest import fund

API = "/api/v1"


@pytest.fixture
def card_holder(town):
    services.card_policy_set(actor=town.admin, threshold_points=100)
    fund(town, town.alice, 100)
    services.discount_card_claim(resident=town.alice)
    services.merchant_card_discount_set(actor=town.merchant, percent=15)
    return town


def test_a_card_check_records_one_use_per_key(card_holder):
    town = card_holder
    token = resident_card_token(town.alice)
    # when: checked twice with the same key (a double tap), then once with another
    first = services.discount_card_check(actor=town.merchant, token=token, idempotency_key="k" * 8)
    again = services.discount_card_check(actor=town.merchant, token=token, idempotency_key="k" * 8)
    services.discount_card_check(actor=town.merchant, token=token, idempotency_key="j" * 8)
    # then: two uses, the repeat answered with the first
    uses = CardUse.objects.filter(merchant=town.shop, resident=town.alice)
    assert uses.count() == 2
    assert (again.card_use_id, again.replayed, first.replayed) == (first.card_use_id, True, False)
    use = uses.get(pk=first.card_use_id)
    assert (use.discount_percent, use.checked_by, use.card.resident) == (
        15,
        town.merchant,
        town.alice,
    )


def test_the_percent_is_a_snapshot(card_holder):
    town = card_holder
    token = resident_card_token(town.alice)
    seen = services.discount_card_check(actor=town.merchant, token=token)
    # when: the merchant changes its discount afterwards
    services.merchant_card_discount_set(actor=town.merchant, percent=30)
    # then: the recorded use keeps 15
    assert CardUse.objects.get(pk=seen.card_use_id).discount_percent == 15


def test_a_refused_check_records_nothing(card_holder):
    town = card_holder
    services.discount_card_set_status(
        actor=town.staff_a, resident_id=town.alice.pk, status="suspended", reason="misuse"
    )
    with pytest.raises(CardSuspended):
        services.discount_card_check(actor=town.merchant, token=resident_card_token(town.alice))
    with pytest.raises(Exception) as exc:
        services.discount_card_check(actor=town.merchant, token="forged")
    assert exc.value.code == "invalid_card"
    assert CardUse.objects.count() == 0


def test_a_key_reused_for_another_card_is_refused(card_holder):
    town = card_holder
    fund(town, town.bob, 100, staff=town.admin)
    services.discount_card_claim(resident=town.bob)
    services.discount_card_check(
        actor=town.merchant, token=resident_card_token(town.alice), idempotency_key="same-key"
    )
    with pytest.raises(Conflict) as exc:
        services.discount_card_check(
            actor=town.merchant, token=resident_card_token(town.bob), idempotency_key="same-key"
        )
    assert (exc.value.code, exc.value.field) == ("idempotency_key_reused", "idempotency_key")
    assert CardUse.objects.count() == 1


def test_voucher_codes_are_posted_never_in_the_url(client, rich, offer):
    # given
    v = services.voucher_exchange(
        resident=rich.alice, offer_id=offer.pk, idempotency_key="k-0000001"
    )
    client.force_login(rich.merchant)
    # when: the old GET look-up is tried
    page = client.get(reverse("merchants:desk"), {"code": v.code})
    # then: it looks nothing up; the forms post
    assert "seen" not in page.context
    html = page.content.decode()
    assert re.search(r'<form method="post" id="code-form" action="/merchants/desk/check/"', html)
    assert 'method="get"' not in html
    # when: looked up by POST
    page = client.post(reverse("merchants:desk_check"), {"code": v.code_display})
    # then
    assert page.status_code == 200 and page.context["seen"].nickname == "Alice"
    assert rich.alice.mobile not in page.content.decode()
    bad = client.post(reverse("merchants:desk_check"), {"code": "NOPE"})
    assert bad.status_code == 404 and bad.context["code_form"].errors["code"]
    empty = client.post(reverse("merchants:desk_check"), {"code": ""})
    assert empty.status_code == 422


def test_the_desk_carries_the_camera_scanner_for_both_forms(client, town):
    from django.contrib.staticfiles import finders

    client.force_login(town.merchant)
    html = client.get(reverse("merchants:desk")).content.decode()
    assert 'data-qr-form="code-form" data-qr-field="code"' in html
    assert 'data-qr-form="card-form" data-qr-field="token"' in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert "/static/vendor/jsQR-1.4.0.js" in scripts and "/static/js/qr-scan.js" in scripts
    assert finders.find("js/qr-scan.js") and finders.find("vendor/jsQR-1.4.0.js")


def test_the_card_page_records_and_lists_the_use(client, card_holder):
    town = card_holder
    client.force_login(town.merchant)
    page = client.get(reverse("merchants:desk"))
    nonce = page.context["card_form"]["nonce"].value()
    data = {"token": resident_card_token(town.alice), "nonce": nonce}
    # when: submitted twice with the page's nonce
    first = client.post(reverse("merchants:desk_card"), data)
    client.post(reverse("merchants:desk_card"), data)
    # then: one use, shown in today's list with the masked mobile only
    assert CardUse.objects.count() == 1
    html = first.content.decode()
    assert town.alice.masked_mobile in html and town.alice.mobile not in html
    assert first.context["card_uses"][0].resident == town.alice


def test_the_api_records_a_card_use(client, card_holder):
    town = card_holder
    client.force_login(town.merchant)
    body = {"token": resident_card_token(town.alice), "idempotency_key": "api-key-1"}
    first = client.post(f"{API}/merchant-desk/cards/check", body, content_type="application/json")
    again = client.post(f"{API}/merchant-desk/cards/check", body, content_type="application/json")
    assert first.status_code == 200 and first.json()["card_discount_percent"] == 15
    assert again.json()["card_use_id"] == first.json()["card_use_id"] and again.json()["replayed"]
    short = client.post(
        f"{API}/merchant-desk/cards/check",
        {"token": body["token"], "idempotency_key": "short"},
        content_type="application/json",
    )
    assert short.status_code == 422 and short.json()["field"] == "idempotency_key"
    assert CardUse.objects.count() == 1
