"""The posts side of ``integrity.hooks.held_award_issued``: a held approval award was
written after staff cleared the post's flags; record it as the post's award so a later
take-down reverses it (subscribed in ``PostsConfig.ready``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from civicpoints.posts.models import Post, PostStatus


def post_record_released_award(held) -> None:
    if held.subject_type_id != ContentType.objects.get_for_model(Post).pk:
        return
    Post.objects.filter(pk=held.subject_id, award__isnull=True, status=PostStatus.APPROVED).update(
        award=held.transaction
    )
