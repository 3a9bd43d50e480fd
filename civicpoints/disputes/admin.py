from django.contrib import admin

from civicpoints.disputes.models import Dispute


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("occurred_on", "community", "category", "outcome", "resolved_on")
    list_filter = ("category", "outcome", "community")
    date_hierarchy = "occurred_on"
