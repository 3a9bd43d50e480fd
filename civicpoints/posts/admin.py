from django.contrib import admin

from civicpoints.posts.models import Appeal, Comment, ModerationEvent, Post, PostPhoto, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "award_rule_code", "for_reports", "is_active"]
    list_editable = ["is_active"]


class PhotoInline(admin.TabularInline):
    model = PostPhoto
    extra = 0
    readonly_fields = ["image", "thumbnail", "width", "height"]


class ModerationInline(admin.TabularInline):
    model = ModerationEvent
    extra = 0
    readonly_fields = ["actor", "action", "reason", "at"]
    can_delete = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Read-mostly: moderation goes through the staff pages (services), not this form."""

    list_display = ["title", "section", "community", "status", "created_at"]
    list_filter = ["status", "section"]
    search_fields = ["title"]
    readonly_fields = [f.name for f in Post._meta.fields]
    inlines = [PhotoInline, ModerationInline]

    def has_add_permission(self, request):
        return False


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["post", "kind", "status", "created_at"]
    readonly_fields = [f.name for f in Appeal._meta.fields]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["post", "author", "is_hidden", "created_at"]
    readonly_fields = [f.name for f in Comment._meta.fields]
