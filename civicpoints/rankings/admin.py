from django.contrib import admin

from civicpoints.rankings.models import Honour, RankingSnapshot


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are written by the daily job only."""

    list_display = ("day", "scope", "community", "rank", "resident", "points", "previous_rank")
    list_filter = ("scope", "day")
    list_select_related = ("community", "resident")

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
