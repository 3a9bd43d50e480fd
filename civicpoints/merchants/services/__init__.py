"""Every change in the merchant alliance: onboarding, offers, exchange, redemption, cards.

Lock order, the same everywhere so that two services never wait on each other
in a circle: voucher row → offer row → the town's subsidy budget row → the
resident's point account (taken inside ``points_spend`` / ``points_reverse``).
On SQLite ``select_for_update`` is a no-op, but IMMEDIATE transactions already
serialize writers.

The one import path for callers is ``civicpoints.merchants.services``; the code
lives in sub-domain modules: ``alliance`` (who may act, applications, approve
and suspend, merchant staff logins), ``offers`` (offers, stock, the town's
subsidy cap), ``vouchers`` (exchange, cancel, expiry refunds and reminders,
check and redeem at the counter), ``cards`` (love discount cards);
``_common`` holds the private helpers they share.
"""

from civicpoints.merchants.services.alliance import (
    merchant_apply,
    merchant_for_admin,
    merchant_set_status,
    merchant_staff_create,
    require_merchant_staff,
    require_town_admin,
)
from civicpoints.merchants.services.cards import (
    card_policy_for,
    card_policy_set,
    discount_card_check,
    discount_card_claim,
    discount_card_set_status,
    merchant_card_discount_set,
)
from civicpoints.merchants.services.offers import (
    MAX_CAP_FEN,
    MAX_FEN,
    offer_create,
    offer_restock,
    offer_set_active,
    subsidy_budget_set,
)
from civicpoints.merchants.services.vouchers import (
    CODE_LENGTH,
    EXPIRING_NOTICE_DAYS,
    CounterView,
    new_voucher_code,
    normalize_code,
    voucher_cancel,
    voucher_check,
    voucher_exchange,
    voucher_redeem,
    vouchers_expire,
    vouchers_remind_expiring,
)

__all__ = [
    "CODE_LENGTH",
    "CounterView",
    "EXPIRING_NOTICE_DAYS",
    "MAX_CAP_FEN",
    "MAX_FEN",
    "card_policy_for",
    "card_policy_set",
    "discount_card_check",
    "discount_card_claim",
    "discount_card_set_status",
    "merchant_apply",
    "merchant_card_discount_set",
    "merchant_for_admin",
    "merchant_set_status",
    "merchant_staff_create",
    "new_voucher_code",
    "normalize_code",
    "offer_create",
    "offer_restock",
    "offer_set_active",
    "require_merchant_staff",
    "require_town_admin",
    "subsidy_budget_set",
    "voucher_cancel",
    "voucher_check",
    "voucher_exchange",
    "voucher_redeem",
    "vouchers_expire",
    "vouchers_remind_expiring",
]
