from django.contrib import admin

from civicpoints.articles.models import Article, ArticleRead


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-mostly: articles are written on the staff pages (which render and sanitize)."""

    list_display = ("title", "town", "community", "published_at", "author")
    list_filter = ("town", "community")
    search_fields = ("title",)
    raw_id_fields = ("author",)
    readonly_fields = ("body_markdown", "body_html")


@admin.register(ArticleRead)
class ArticleReadAdmin(admin.ModelAdmin):
    list_display = ("article", "reader", "read_at")
    raw_id_fields = ("article", "reader")
