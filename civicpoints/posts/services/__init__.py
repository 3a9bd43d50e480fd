"""Every change to posts: create, edit, moderate, appeal, comment, like, share.

Each service runs in one transaction and locks the post row
(``select_for_update``; on SQLite the IMMEDIATE transaction serializes writers)
before checking its state, so two reviewers clicking at once move a post once.
Points move only through ``points_award`` / ``points_reverse``; an approval
awards under the key ``post-award:<post id>:<round>`` so a repeated approval
awards once, and a take-down reverses that row (invariant 5) and opens the next
round, so a reinstated post may earn again.

The one import path for callers is ``civicpoints.posts.services``; the code
lives in sub-domain modules: ``publishing`` (sections, create, edit, photos,
published reports), ``moderation`` (approve, reject, take down, appeals, and
the points they move), ``social`` (comments, likes, shares); ``_common`` holds
the private helpers they share.
"""

from civicpoints.posts.services.moderation import (
    appeal_decide,
    post_appeal,
    post_approve,
    post_reject,
    post_take_down,
    post_withdraw_for_report,
)
from civicpoints.posts.services.publishing import (
    DEFAULT_SECTIONS,
    post_attach_photo_files,
    post_create,
    post_edit,
    post_publish_for_report,
    sections_ensure_defaults,
)
from civicpoints.posts.services.rings import like_rings_flag, like_rings_flag_all
from civicpoints.posts.services.social import comment_add, comment_hide, like_toggle, post_share

__all__ = [
    "DEFAULT_SECTIONS",
    "appeal_decide",
    "comment_add",
    "comment_hide",
    "like_rings_flag",
    "like_rings_flag_all",
    "like_toggle",
    "post_appeal",
    "post_approve",
    "post_attach_photo_files",
    "post_create",
    "post_edit",
    "post_publish_for_report",
    "post_reject",
    "post_share",
    "post_take_down",
    "post_withdraw_for_report",
    "sections_ensure_defaults",
]
