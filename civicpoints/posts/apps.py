from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostsConfig(AppConfig):
    name = "civicpoints.posts"
    label = "posts"
    verbose_name = _("Posts and moderation")

    def ready(self) -> None:
        from civicpoints.accounts.hooks import town_created
        from civicpoints.points.automatic import register_automatic
        from civicpoints.posts.services.publishing import DEFAULT_SECTIONS, town_sections_open

        town_created.subscribe(town_sections_open)
        # a post in a section with a default rule earns it on approval (good_deed_post)
        register_automatic(*(rule for *_x, rule, _r, _o in DEFAULT_SECTIONS if rule))
        from civicpoints.integrity.hooks import held_award_issued
        from civicpoints.points.hooks import award_released
        from civicpoints.posts.held import post_record_released_award

        held_award_issued.subscribe(post_record_released_award)
        award_released.subscribe(post_record_released_award)  # confirmed past a budget
