from django.contrib import admin

from civicpoints.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: nobody adds, changes or deletes audit entries here."""

    list_display = ("at", "actor", "role", "ip", "method", "path", "status")
    list_filter = ("role", "method", "town")
    search_fields = ("path", "view_name")
    raw_id_fields = ("actor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
