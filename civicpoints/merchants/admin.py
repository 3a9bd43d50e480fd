"""Admin: merchants and offers editable; vouchers and cards read-only (their state changes
only through services, which move points and stock in the same transaction)."""

from django.contrib import admin

from civicpoints.merchants.models import (
    CardPolicy,
    DiscountCard,
    Merchant,
    Offer,
    SubsidyBudget,
    Voucher,
)


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "status", "card_discount_percent", "town")
    list_filter = ("status", "category")
    search_fields = ("name",)
    raw_id_fields = ("applied_by", "reviewed_by")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "merchant",
        "points_cost",
        "discount_fen",
        "stock",
        "valid_until",
        "funded_by",
        "is_active",
    )
    list_filter = ("funded_by", "is_active")
    search_fields = ("title", "merchant__name")
    raw_id_fields = ("merchant",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ("code", "offer", "merchant", "status", "points", "discount_fen", "expires_on")
    list_filter = ("status", "funded_by")
    search_fields = ("code",)


@admin.register(DiscountCard)
class DiscountCardAdmin(ReadOnlyAdmin):
    list_display = ("resident", "status", "issued_at")
    list_filter = ("status",)


@admin.register(SubsidyBudget)
class SubsidyBudgetAdmin(ReadOnlyAdmin):
    list_display = ("town", "cap_fen", "committed_fen")


@admin.register(CardPolicy)
class CardPolicyAdmin(ReadOnlyAdmin):
    list_display = ("town", "threshold_points")
