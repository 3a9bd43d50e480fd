from django.contrib import admin

from civicpoints.events.models import Event, SignUp


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-mostly: places, the queue and awards change only through the services."""

    list_display = ("title", "community", "starts_at", "status", "confirmed_count", "capacity")
    list_filter = ("status", "community")
    search_fields = ("title", "place")
    readonly_fields = (
        "status",
        "confirmed_count",
        "next_queue_no",
        "capacity",
        "published_at",
        "completed_at",
        "cancelled_at",
    )
    raw_id_fields = ("organizer",)


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    list_display = ("event", "resident", "status", "queue_no", "outcome", "minutes")
    list_filter = ("status", "outcome")
    raw_id_fields = ("event", "resident")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
