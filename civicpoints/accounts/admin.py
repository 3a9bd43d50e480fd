from django.contrib import admin

from civicpoints.accounts.models import Community, Grid, Household, Town, User

admin.site.register(Town)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "town")


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("name", "community")


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("name", "community")
    search_fields = ("name",)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("nickname", "masked_mobile", "role", "community", "is_active")
    list_filter = ("role", "is_active", "community")
    search_fields = ("nickname", "mobile")
    exclude = ("password",)
    raw_id_fields = ("household", "registered_by", "merchant")
