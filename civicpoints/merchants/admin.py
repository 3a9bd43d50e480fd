from django.contrib import admin

from civicpoints.merchants.models import Merchant


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "status", "town")
    list_filter = ("status", "category")
    search_fields = ("name",)
