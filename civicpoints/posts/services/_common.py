"""Private helpers shared by the posts services: text checks, the post lock, the log."""

from __future__ import annotations

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
    return Post.objects.select_for_update().select_related("author", "section").get(pk=post.pk)


def _log(post: Post, actor: User, action: str, reason: str = "") -> None:
    ModerationEvent.objects.create(post=post, actor=actor, action=action, reason=reason)
