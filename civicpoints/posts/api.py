"""Posts API: feeds (cursor paging), write/edit with photos, comments, likes, shares,
moderation and appeals. Text fields are returned as plain text: clients must
escape them (nothing from residents is markup)."""

from urllib.parse import urlencode

from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from civicpoints.accounts.models import Community
from civicpoints.accounts.scope import require_staff
from civicpoints.core.bounds import Limit, ObjectId
from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.core.schemas import ErrorOut
from civicpoints.posts import selectors, services
from civicpoints.posts.models import Comment, Section
from civicpoints.sharing.models import ShareTarget
from civicpoints.sharing.services import TOKEN_PARAM, share_token

router = Router(tags=["posts"])


class SectionOut(Schema):
    code: str
    name: str
    for_reports: bool
    residents_may_post: bool


class PhotoOut(Schema):
    url: str
    thumbnail_url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.public_url  # faces and plates blurred

    @staticmethod
    def resolve_thumbnail_url(obj) -> str:
        return obj.public_thumbnail_url


class PostOut(Schema):
    id: int
    section: str = Field(..., alias="section.code")
    title: str
    body: str = Field(..., description="Plain text; escape before showing.")
    author: str = Field(..., alias="author.nickname", description="Public nickname only.")
    community: str | None = Field(None, alias="community.name")
    status: str = Field(..., description="pending | approved | rejected | taken_down")
    reason: str = Field(..., description="Why it was rejected or taken down.")
    claimed_rule: str | None = Field(None, alias="claimed_rule.code")
    awarded_points: int | None = Field(None, description="Points awarded for this post, if any.")
    photos: list[PhotoOut]
    like_count: int
    liked_by_me: bool = Field(False, description="In feeds: whether the caller liked it.")
    comment_count: int
    share_count: int
    created_at: str
    published_at: str | None

    @staticmethod
    def resolve_liked_by_me(obj) -> bool:
        return bool(getattr(obj, "liked_by_me", False))

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())

    @staticmethod
    def resolve_awarded_points(obj) -> int | None:
        return obj.award.points if obj.award_id else None

    @staticmethod
    def resolve_created_at(obj) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_published_at(obj) -> str | None:
        return obj.published_at.isoformat() if obj.published_at else None


class FeedOut(Schema):
    items: list[PostOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page.")


class PostIn(Schema):
    section: str = Field(..., description="Section code.")
    title: str
    body: str
    claimed_rule: str | None = Field(None, description="Code of a claimable rule.")


class PostEditIn(Schema):
    title: str
    body: str
    claimed_rule: str | None = None


class ApproveIn(Schema):
    rule: str | None = Field(
        None, description="Rule code to award; empty: the claim or the section's default."
    )
    no_points: bool = False


class ReasonIn(Schema):
    reason: str = Field(..., description="Shown to the author; ≤ 300 characters.")


class AppealIn(Schema):
    text: str


class AppealDecisionIn(Schema):
    uphold: bool
    reason: str = ""


class AppealOut(Schema):
    id: int
    post_id: int
    kind: str
    text: str
    status: str
    decision_reason: str


class CommentIn(Schema):
    body: str


class CommentOut(Schema):
    id: int
    author: str = Field(..., alias="author.nickname")
    body: str
    created_at: str

    @staticmethod
    def resolve_created_at(obj) -> str:
        return obj.created_at.isoformat()


class LikeOut(Schema):
    liked: bool
    like_count: int


class ShareOut(Schema):
    share_url: str
    qr_url: str
    share_count: int


def _section(request, code: str) -> Section:
    section = selectors.sections_active(request.user).filter(code=str(code)).first()
    if section is None:
        raise InvalidInput(field="section", code="invalid_choice")
    return section


def _post(request, post_id: ObjectId):
    return selectors.post_for_viewer(request.user, post_id)


@router.get("/sections", response=list[SectionOut], auth=None)
def list_sections(request):
    """Active sections of the signed-in person's town, in display order."""
    return selectors.sections_active(request.user)


@router.get("/posts", response={200: FeedOut, 422: ErrorOut}, auth=None)
def feed(
    request,
    section: str | None = None,
    community_id: ObjectId | None = None,
    cursor: str | None = None,
    limit: Limit = 20,
):
    """Published posts, newest first; ``limit`` ≤ 50; page on with ``next_cursor``."""
    sec = _section(request, section) if section else None
    community = Community.objects.filter(pk=community_id).first() if community_id else None
    if community_id and community is None:
        raise InvalidInput(field="community_id", code="invalid_choice")
    page = selectors.feed(
        viewer=request.user, section=sec, community=community, cursor=cursor, limit=limit
    )
    return {"items": page.posts, "next_cursor": page.next_cursor}


@router.post("/posts", response={201: PostOut, 403: ErrorOut, 422: ErrorOut})
def create_post(request, payload: Form[PostIn], photos: File[list[UploadedFile] | None] = None):
    """Write a post (multipart: fields + up to 9 ``photos``); it waits for review."""
    post = services.post_create(
        author=request.user,
        section=_section(request, payload.section),
        title=payload.title,
        body=payload.body,
        photos=photos or [],
        claimed_rule_code=payload.claimed_rule or None,
    )
    return Status(201, post)


@router.get("/posts/mine", response=list[PostOut])
def my_posts(request):
    """My posts in every state, newest first (with the reviewer's reason)."""
    return selectors.my_posts(request.user).prefetch_related("photos")[:100]


@router.get("/posts/{int:post_id}", response={200: PostOut, 404: ErrorOut}, auth=None)
def get_post(request, post_id: ObjectId):
    """A published post; an unpublished one only to its author and the staff covering them."""
    return _post(request, post_id)


@router.put(
    "/posts/{int:post_id}", response={200: PostOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def edit_post(request, post_id: ObjectId, payload: PostEditIn):
    """Edit my post; a published post goes back to review (hidden until approved again)."""
    return services.post_edit(
        author=request.user,
        post=_post(request, post_id),
        title=payload.title,
        body=payload.body,
        claimed_rule_code=payload.claimed_rule or None,
    )


@router.post("/posts/{int:post_id}/appeal", response={201: AppealOut, 404: ErrorOut, 409: ErrorOut})
def appeal(request, post_id: ObjectId, payload: AppealIn):
    """Appeal my post's rejection or take-down (once per kind of decision)."""
    a = services.post_appeal(author=request.user, post=_post(request, post_id), text=payload.text)
    return Status(201, a)


@router.get("/posts/{int:post_id}/comments", response=list[CommentOut], auth=None)
@paginate(BoundedLimitOffsetPagination)
def comments(request, post_id: ObjectId):
    """Visible comments of a published post, oldest first (a visitor's; a signed-in
    person's of their own town only, like the post itself)."""
    return selectors.visible_comments(selectors.post_for_viewer(request.user, post_id))


@router.post(
    "/posts/{int:post_id}/comments", response={201: CommentOut, 404: ErrorOut, 422: ErrorOut}
)
def add_comment(request, post_id: ObjectId, payload: CommentIn):
    """Comment (≤ 500 characters) on a published post; shown at once."""
    post = _post(request, post_id)
    return Status(201, services.comment_add(author=request.user, post=post, body=payload.body))


@router.post("/posts/{int:post_id}/like", response={200: LikeOut, 404: ErrorOut})
def like(request, post_id: ObjectId):
    """Toggle my like (one per person per post); returns the new state and count."""
    liked, count = services.like_toggle(user=request.user, post=_post(request, post_id))
    return {"liked": liked, "like_count": count}


@router.post("/posts/{int:post_id}/share", response={200: ShareOut, 404: ErrorOut})
def share(request, post_id: ObjectId):
    """Record that I share the post; returns the public share link, its QR image and the count.

    For a resident both links carry their signed sharer token (``?s=…``): each new
    reader the link brings earns them ``share_new_reader`` (``sharing.services``)."""
    post = _post(request, post_id)
    count = services.post_share(user=request.user, post=post)
    token = share_token(
        sharer=request.user, target=ShareTarget.POST, object_id=post.pk, town_id=post.town_id
    )
    query = f"?{urlencode({TOKEN_PARAM: token})}" if token else ""
    return {
        "share_url": request.build_absolute_uri(reverse("posts:share", args=[post.pk])) + query,
        "qr_url": request.build_absolute_uri(reverse("posts:share_qr", args=[post.pk])) + query,
        "share_count": count,
    }


# --- staff ------------------------------------------------------------------------


@router.get("/staff/posts/pending", response={200: list[PostOut], 403: ErrorOut}, tags=["staff"])
def pending(request):
    """Posts waiting for review in my scope, oldest first."""
    require_staff(request.user)
    return selectors.moderation_queue(request.user).prefetch_related("photos")[:100]


@router.post(
    "/staff/posts/{int:post_id}/approve",
    response={200: PostOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["staff"],
)
def approve(request, post_id: ObjectId, payload: ApproveIn):
    """Publish a pending post and award the matching rule to its author once."""
    return services.post_approve(
        actor=request.user,
        post=_post(request, post_id),
        rule_code=payload.rule or None,
        no_points=payload.no_points,
    )


@router.post(
    "/staff/posts/{int:post_id}/reject",
    response={200: PostOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["staff"],
)
def reject(request, post_id: ObjectId, payload: ReasonIn):
    """Reject a pending post with a reason the author sees."""
    return services.post_reject(
        actor=request.user, post=_post(request, post_id), reason=payload.reason
    )


@router.post(
    "/staff/posts/{int:post_id}/take-down",
    response={200: PostOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["staff"],
)
def take_down(request, post_id: ObjectId, payload: ReasonIn):
    """Take a published post down; its award is reversed by a compensating ledger row."""
    return services.post_take_down(
        actor=request.user, post=_post(request, post_id), reason=payload.reason
    )


@router.post(
    "/staff/comments/{int:comment_id}/hide", response={204: None, 403: ErrorOut}, tags=["staff"]
)
def hide_comment(request, comment_id: ObjectId):
    """Hide a comment on a post by a resident in my scope."""
    comment = (
        Comment.objects.for_town(request.user.town_id)
        .select_related("post__author")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        raise NotFound()
    services.comment_hide(actor=request.user, comment=comment)
    return Status(204, None)


@router.get("/staff/appeals", response={200: list[AppealOut], 403: ErrorOut}, tags=["staff"])
def appeals(request):
    """Pending appeals in my scope against decisions of other staff members."""
    require_staff(request.user)
    return selectors.appeal_queue(request.user)[:100]


@router.post(
    "/staff/appeals/{int:appeal_id}/decide",
    response={200: AppealOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["staff"],
)
def decide(request, appeal_id: ObjectId, payload: AppealDecisionIn):
    """Uphold (publish again) or dismiss an appeal; not by the staff member appealed against."""
    require_staff(request.user)
    appeal_ = selectors.appeal_for_staff(request.user, appeal_id)
    return services.appeal_decide(
        actor=request.user, appeal=appeal_, uphold=payload.uphold, reason=payload.reason
    )
