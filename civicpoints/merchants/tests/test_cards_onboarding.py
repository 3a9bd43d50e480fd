"""Love discount cards, merchant onboarding and the scope of each role."""

import pytest

from civicpoints.accounts.card import resident_card_token
from civicpoints.accounts.models import Role
from civicpoints.core.errors import Conflict, NotFound, OutOfScope
from civicpoints.merchants import services
from civicpoints.merchants.errors import (
    CardNotEligible,
    CardSuspended,
    MerchantOnly,
    TownAdminOnly,
)
from civicpoints.merchants.models import DiscountCard, Merchant
from civicpoints.merchants.tests.conftest import fund, make_offer


def test_card_needs_the_threshold_of_lifetime_points(town):
    # given: a threshold of 300 and alice with 200 earned
    services.card_policy_set(actor=town.admin, threshold_points=300)
    fund(town, town.alice, 200)
    # when / then
    with pytest.raises(CardNotEligible) as exc:
        services.discount_card_claim(resident=town.alice)
    assert exc.value.code == "card_not_eligible"
    # when: she earns 100 more
    fund(town, town.alice, 100)
    card = services.discount_card_claim(resident=town.alice)
    # then: a repeat returns the same card
    assert card.status == DiscountCard.Status.ACTIVE
    assert services.discount_card_claim(resident=town.alice).pk == card.pk


def test_check_card_at_the_counter_and_suspend(town):
    # given
    services.card_policy_set(actor=town.admin, threshold_points=100)
    fund(town, town.alice, 100)
    services.discount_card_claim(resident=town.alice)
    services.merchant_card_discount_set(actor=town.merchant, percent=15)
    token = resident_card_token(town.alice)
    # when
    seen = services.discount_card_check(actor=town.merchant, token=token)
    # then
    assert (seen.nickname, seen.masked_mobile, seen.card_discount_percent) == (
        "Alice",
        town.alice.masked_mobile,
        15,
    )
    # when: her community staff suspend it
    services.discount_card_set_status(
        actor=town.staff_a, resident_id=town.alice.pk, status="suspended", reason="misuse"
    )
    with pytest.raises(CardSuspended):
        services.discount_card_check(actor=town.merchant, token=token)
    # when: reinstated
    services.discount_card_set_status(
        actor=town.staff_a, resident_id=town.alice.pk, status="active"
    )
    assert services.discount_card_check(actor=town.merchant, token=token).status == "active"


def test_card_check_refuses_forgeries_and_non_holders(town):
    with pytest.raises(Exception) as exc:
        services.discount_card_check(actor=town.merchant, token="forged:token")
    assert exc.value.code == "invalid_card"
    with pytest.raises(CardNotEligible):
        services.discount_card_check(actor=town.merchant, token=resident_card_token(town.bob))


def test_card_suspension_is_scoped_and_needs_a_reason(town):
    services.card_policy_set(actor=town.admin, threshold_points=10)
    fund(town, town.alice, 10)
    services.discount_card_claim(resident=town.alice)
    with pytest.raises(NotFound):
        services.discount_card_set_status(
            actor=town.staff_b, resident_id=town.alice.pk, status="suspended", reason="x"
        )
    with pytest.raises(OutOfScope):
        services.discount_card_set_status(
            actor=town.merchant, resident_id=town.alice.pk, status="suspended", reason="x"
        )
    with pytest.raises(Exception) as exc:
        services.discount_card_set_status(
            actor=town.staff_a, resident_id=town.alice.pk, status="suspended", reason=" "
        )
    assert exc.value.code == "reason_required"


def test_card_discount_percent_is_bounded(town):
    with pytest.raises(Exception) as exc:
        services.merchant_card_discount_set(actor=town.merchant, percent=101)
    assert exc.value.code == "invalid_percent"
    with pytest.raises(MerchantOnly):
        services.merchant_card_discount_set(actor=town.alice, percent=10)


def test_apply_approve_and_create_staff_login(town):
    # given: a shop applies
    m = services.merchant_apply(
        applicant=town.alice, name="Tea house", category="餐饮", address="巴桥路3号"
    )
    assert m.status == Merchant.Status.PENDING and m.town_id == town.town.pk
    # staff logins only after approval
    with pytest.raises(Conflict):
        services.merchant_staff_create(
            actor=town.admin,
            merchant_id=m.pk,
            mobile="13500135005",
            nickname="tea",
            password="a-good-passw0rd",
        )
    # another town's admin cannot see it; community staff may not approve
    with pytest.raises(NotFound):
        services.merchant_set_status(actor=town.outsider_admin, merchant_id=m.pk, status="approved")
    with pytest.raises(TownAdminOnly):
        services.merchant_set_status(actor=town.staff_a, merchant_id=m.pk, status="approved")
    # when
    services.merchant_set_status(actor=town.admin, merchant_id=m.pk, status="approved")
    staff = services.merchant_staff_create(
        actor=town.admin,
        merchant_id=m.pk,
        mobile="135 0013 5005",
        nickname="tea",
        password="a-good-passw0rd",
    )
    # then
    assert (staff.role, staff.merchant_id, staff.mobile) == (
        Role.MERCHANT_STAFF,
        m.pk,
        "13500135005",
    )
    assert staff.check_password("a-good-passw0rd")
    # their offers belong to their own merchant only
    offer = make_offer(staff)
    assert offer.merchant_id == m.pk
    with pytest.raises(NotFound):
        services.offer_set_active(actor=town.merchant, offer_id=offer.pk, is_active=False)


def test_apply_needs_a_name(town):
    with pytest.raises(Exception) as exc:
        services.merchant_apply(applicant=town.alice, name="", category="x", address="y")
    assert exc.value.field == "name"
    assert Merchant.objects.count() == 1


def test_staff_login_mobile_taken(town):
    with pytest.raises(Conflict) as exc:
        services.merchant_staff_create(
            actor=town.admin,
            merchant_id=town.shop.pk,
            mobile=town.alice.mobile,
            nickname="x",
            password="a-good-passw0rd",
        )
    assert exc.value.code == "mobile_taken"
