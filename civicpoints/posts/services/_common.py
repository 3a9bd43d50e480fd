"""Private helpers shared by the posts services: text checks, the post lock, the log."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from civicpoints.accounts.models import User
from civicpoints.core.errors import InvalidInput
from civicpoints.posts.models import ModerationEvent, Post


def _clean_text(value: str, *, field: str, max_len: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field, code="required")
    if len(value) > max_len:
        raise InvalidInput(
            _("At most %(n)d characters.") % {"n": max_len}, field=field, code="too_long"
        )
    return value


def _locked(post: Post) -> Post:
    """``post`` again, locked, looked up in its own town."""
    return (
        Post.objects.for_town(post.town_id)
        .select_for_update()
        .select_related("author", "section")
        .get(pk=post.pk)
    )


def _in_town(post: Post) -> QuerySet[Post]:
    """``post``'s row by id and town: for counter updates and re-reads."""
    return Post.objects.for_town(post.town_id).filter(pk=post.pk)


def _log(post: Post, actor: User, action: str, reason: str = "") -> None:
    ModerationEvent.objects.create(
        town_id=post.town_id, post=post, actor=actor, action=action, reason=reason
    )
