"""Offers and their stock, and the town's cap on the discounts it funds."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.errors import NotFound
from civicpoints.merchants.errors import TownAdminOnly, invalid
from civicpoints.merchants.models import Funding, Offer, SubsidyBudget
from civicpoints.merchants.services._common import _text
from civicpoints.merchants.services.alliance import (
    merchant_for_admin,
    require_merchant_staff,
    require_town_admin,
)

MAX_FEN = 10_000_000  # 100,000 yuan: larger prices are a typing slip


MAX_CAP_FEN = 10_000_000_000  # 100 million yuan


def _fen(value, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > MAX_FEN:
        raise invalid(_("Enter an amount in fen between 0 and 10,000,000."), field, "invalid_fen")
    return value


def offer_create(
    *,
    actor: User,
    title: str,
    description: str = "",
    price_fen: int,
    discount_fen: int,
    points_cost: int,
    stock: int,
    per_resident_limit: int = 1,
    valid_from: dt.date,
    valid_until: dt.date,
    merchant_id: int | None = None,
    funded_by: str = Funding.MERCHANT,
) -> Offer:
    """Publish an offer: ``discount_fen`` off ``price_fen`` for ``points_cost`` points.

    Merchant staff create offers of their own merchant, funded by the merchant;
    a town admin may create one for ``merchant_id`` of their town and fund it
    from the town subsidy budget (``funded_by="subsidy"``). Dates are local dates.

    Raises MerchantOnly / TownAdminOnly / NotFound, InvalidInput (field at fault).
    """
    if actor.role == Role.TOWN_ADMIN:
        merchant = merchant_for_admin(actor, merchant_id)
    else:
        merchant = require_merchant_staff(actor)
        if funded_by != Funding.MERCHANT:
            raise TownAdminOnly(_("Only the town may fund a discount from its subsidy budget."))
    if funded_by not in Funding.values:
        raise invalid(_("Choose who funds the discount."), "funded_by", "invalid_choice")
    price_fen = _fen(price_fen, "price_fen")
    discount_fen = _fen(discount_fen, "discount_fen")
    if not 0 < discount_fen <= price_fen:
        raise invalid(
            _("The discount must be more than 0 and at most the price."),
            "discount_fen",
            "invalid_discount",
        )
    for field, value, top in (
        ("points_cost", points_cost, 1_000_000),
        ("stock", stock, 1_000_000),
        ("per_resident_limit", per_resident_limit, 100),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= top:
            raise invalid(
                _("Enter a whole number from 1 to %(n)d.") % {"n": top}, field, "invalid_number"
            )
    if not isinstance(valid_from, dt.date) or not isinstance(valid_until, dt.date):
        raise invalid(_("Enter a date."), "valid_from", "invalid_date")
    if valid_until < valid_from:
        raise invalid(_("The end date is before the start date."), "valid_until", "invalid_dates")
    offer = Offer(
        town_id=merchant.town_id,
        merchant=merchant,
        title=_text(title, "title", 80),
        description=_text(description, "description", 300, required=False),
        price_fen=price_fen,
        discount_fen=discount_fen,
        points_cost=points_cost,
        stock=stock,
        per_resident_limit=per_resident_limit,
        valid_from=valid_from,
        valid_until=valid_until,
        funded_by=funded_by,
    )
    with transaction.atomic():
        offer.save(force_insert=True)
    return offer


def offer_set_active(*, actor: User, offer_id: int, is_active: bool) -> Offer:
    """Merchant staff pause or resume their offer (issued vouchers stay valid)."""
    merchant = require_merchant_staff(actor)
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer_id, merchant=merchant).first()
        if offer is None:
            raise NotFound()
        offer.is_active = bool(is_active)
        offer.save(update_fields=["is_active"])
    return offer


def offer_restock(*, actor: User, offer_id: int, units: int) -> Offer:
    """Merchant staff add ``units`` (1–100,000) to their offer's stock, under the offer lock.

    Raises MerchantOnly, NotFound (not their offer), InvalidInput(field ``units``).
    """
    merchant = require_merchant_staff(actor)
    if not isinstance(units, int) or isinstance(units, bool) or not 0 < units <= 100_000:
        raise invalid(_("Enter a whole number from 1 to %(n)d.") % {"n": 100_000}, "units")
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer_id, merchant=merchant).first()
        if offer is None:
            raise NotFound()
        offer.stock += units
        offer.save(update_fields=["stock"])
    return offer


def subsidy_budget_set(*, actor: User, cap_fen: int) -> SubsidyBudget:
    """A town admin sets the subsidy cap (fen). Raises InvalidInput(``below_committed``)
    when the cap would be below what vouchers already committed."""
    require_town_admin(actor)
    if not isinstance(cap_fen, int) or isinstance(cap_fen, bool) or not 0 <= cap_fen <= MAX_CAP_FEN:
        raise invalid(_("Enter a cap in fen from 0 to 10,000,000,000."), "cap_fen", "invalid_fen")
    with transaction.atomic():
        SubsidyBudget.objects.get_or_create(town_id=town_of(actor))
        budget = SubsidyBudget.objects.select_for_update().get(town_id=town_of(actor))
        if cap_fen < budget.committed_fen:
            raise invalid(
                _("The cap cannot be below the amount already committed."),
                "cap_fen",
                "below_committed",
            )
        budget.cap_fen = cap_fen
        budget.save(update_fields=["cap_fen", "updated_at"])
    return budget
