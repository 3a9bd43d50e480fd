from django.contrib import admin

from civicpoints.integrity.models import Flag, HeldAward


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "status", "town", "community", "resident", "reason")
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in Flag._meta.fields]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # nothing is deleted: a flag is cleared or upheld with a reason

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(HeldAward)
class HeldAwardAdmin(admin.ModelAdmin):
    list_display = ("created_at", "resident", "rule", "status", "idempotency_key")
    readonly_fields = [f.name for f in HeldAward._meta.fields]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
