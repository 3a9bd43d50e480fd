"""Fixtures for the merchant alliance: an offer at town.shop, a second shop, funded residents."""

import datetime as dt
import itertools

import pytest

from civicpoints.core.timeutil import local_date

_keys = itertools.count(1)


def fund(town, resident, points, staff=None):
    """Give ``resident`` ``points`` through a real staff adjustment (counts as earned)."""
    from civicpoints.accounts.models import Role
    from civicpoints.points.services import points_adjust

    if staff is None:
        staff = town.admin if resident.town_id == town.town.pk else None
    assert staff is not None and staff.role in (Role.TOWN_ADMIN, Role.COMMUNITY_STAFF)
    return points_adjust(
        actor=staff,
        resident=resident,
        points=points,
        reason="opening balance",
        idempotency_key=f"fund-{next(_keys):06d}",
    )


def make_offer(actor, **kw):
    from civicpoints.merchants.services import offer_create

    today = local_date()
    fields = {
        "title": "Haircut 5 yuan off",
        "description": "5 yuan off a 35-yuan haircut",
        "price_fen": 3500,
        "discount_fen": 500,
        "points_cost": 50,
        "stock": 10,
        "per_resident_limit": 1,
        "valid_from": today,
        "valid_until": today + dt.timedelta(days=30),
    }
    fields.update(kw)
    return offer_create(actor=actor, **fields)


@pytest.fixture
def offer(town):
    return make_offer(town.merchant)


@pytest.fixture
def rich(town):
    """alice and bob with 200 points each."""
    fund(town, town.alice, 200)
    fund(town, town.bob, 200)
    return town


@pytest.fixture
def other_shop(town):
    """A second approved merchant of the same town with its own staff login (``.staff``)."""
    from civicpoints.accounts.models import Role, User
    from civicpoints.merchants.models import Merchant

    shop = Merchant.objects.create(
        town=town.town,
        name="巴桥面馆",
        category="餐饮",
        address="巴桥路2号",
        status=Merchant.Status.APPROVED,
    )
    shop.staff_user = User.objects.create_user(
        "15000000009",
        town.password,
        nickname="noodles",
        role=Role.MERCHANT_STAFF,
        town=town.town,
        merchant=shop,
    )
    return shop


def key(n=None):
    return f"nonce-{next(_keys) if n is None else n:08d}"
