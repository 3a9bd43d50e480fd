from django.contrib import admin

from civicpoints.rankings.models import Honour, SnapshotRun


@admin.register(SnapshotRun)
class SnapshotRunAdmin(admin.ModelAdmin):
    """Which days were ranked (the rows themselves are read on the rankings page)."""

    list_display = ("day", "town", "rows", "taken_at")
    list_filter = ("town",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Honour)
class HonourAdmin(admin.ModelAdmin):
    """Honours are evaluated and published through the staff page."""

    list_display = ("period_start", "kind", "community", "resident", "household", "status")
    list_filter = ("kind", "status")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
