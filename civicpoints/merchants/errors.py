"""Merchant-alliance domain errors, each with a stable ``code`` clients branch on."""

from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import Conflict, InvalidInput, NotFound, OutOfScope


class MerchantOnly(OutOfScope):
    code = "merchant_staff_only"
    default_detail = _("Only staff of an approved merchant may do this.")


class TownAdminOnly(OutOfScope):
    code = "town_admin_only"
    default_detail = _("Only a town admin may do this.")


class OfferUnavailable(Conflict):
    code = "offer_unavailable"
    default_detail = _("This offer cannot be exchanged now.")


class OutOfStock(Conflict):
    code = "out_of_stock"
    default_detail = _("This offer is sold out.")


class LimitReached(Conflict):
    code = "per_resident_limit"
    default_detail = _("You already hold as many vouchers of this offer as one resident may.")


class SubsidyExhausted(Conflict):
    code = "subsidy_exhausted"
    default_detail = _("The town's subsidy budget for this offer is used up.")


class VoucherNotFound(NotFound):
    code = "voucher_not_found"
    default_detail = _("No voucher with this code.")


class VoucherOtherMerchant(Conflict):
    code = "voucher_other_merchant"
    default_detail = _("This voucher belongs to another merchant.")


class VoucherNotUsable(Conflict):
    """The voucher is redeemed, cancelled or expired (``code`` says which)."""

    code = "voucher_not_usable"
    default_detail = _("This voucher can no longer be used.")


class CardNotEligible(Conflict):
    code = "card_not_eligible"
    default_detail = _("You have not yet earned enough points for a discount card.")


class CardSuspended(Conflict):
    code = "card_suspended"
    default_detail = _("This discount card is suspended.")


def invalid(detail, field: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(detail, field=field, code=code)
