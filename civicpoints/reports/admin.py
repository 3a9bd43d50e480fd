from django.contrib import admin

from civicpoints.reports.models import CaseEvent, Report, ReportCategory


@admin.register(ReportCategory)
class ReportCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    readonly_fields = ["actor", "from_status", "to_status", "note", "at"]
    can_delete = False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only: the workflow moves through the staff pages (services)."""

    list_display = ["pk", "category", "community", "status", "created_at"]
    list_filter = ["status", "category"]
    readonly_fields = [f.name for f in Report._meta.fields]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False
