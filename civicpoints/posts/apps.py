from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostsConfig(AppConfig):
    name = "civicpoints.posts"
    label = "posts"
    verbose_name = _("Posts and moderation")

    def ready(self) -> None:
        from civicpoints.integrity.hooks import held_award_issued
        from civicpoints.points.hooks import award_released
        from civicpoints.posts.held import post_record_released_award

        held_award_issued.subscribe(post_record_released_award)
        award_released.subscribe(post_record_released_award)  # confirmed past a budget
