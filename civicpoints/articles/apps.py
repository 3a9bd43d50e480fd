from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "civicpoints.articles"
    label = "articles"
    verbose_name = _("Articles")

    def ready(self) -> None:
        from civicpoints.articles.services import READING_RULE
        from civicpoints.points.automatic import register_automatic

        register_automatic(READING_RULE)  # reading an article to its end
