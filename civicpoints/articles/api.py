"""Articles API: the feed with my read marks, one article, reading (awards), staff writing."""

from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from civicpoints.accounts.models import Community
from civicpoints.articles import selectors, services
from civicpoints.core.bounds import DateTime, ObjectId
from civicpoints.core.errors import InvalidInput
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.core.schemas import ErrorOut

router = Router(tags=["articles"])
staff_router = Router(tags=["staff"])


def _iso(value):
    return value.isoformat() if value else None


class ArticleListOut(Schema):
    id: int
    title: str
    community: str | None = Field(None, alias="community.name", description="None: whole town.")
    published_at: str
    cover_url: str | None
    read: bool = Field(..., description="I have opened this article before.")

    @staticmethod
    def resolve_published_at(obj) -> str:
        return obj.published_at.isoformat()

    @staticmethod
    def resolve_cover_url(obj) -> str | None:
        return obj.cover.url if obj.cover else None

    @staticmethod
    def resolve_read(obj) -> bool:
        return bool(obj.read_by_me)


class ArticleOut(ArticleListOut):
    body_html: str = Field(..., description="Rendered Markdown, sanitized (safe to insert).")


class ReadOut(Schema):
    article_id: int
    first_read: bool
    outcome: str = Field(..., description="awarded | already_awarded | cap_reached | not_eligible")
    points_earned: int = Field(..., description="Points this request added (whole points).")


class StaffArticleOut(Schema):
    id: int
    title: str
    body_markdown: str
    body_html: str
    community_id: int | None
    published_at: str | None
    cover_url: str | None
    read_count: int = Field(0, description="Distinct readers so far.")

    @staticmethod
    def resolve_published_at(obj) -> str | None:
        return _iso(obj.published_at)

    @staticmethod
    def resolve_cover_url(obj) -> str | None:
        return obj.cover.url if obj.cover else None

    @staticmethod
    def resolve_read_count(obj) -> int:
        return getattr(obj, "read_count", 0)


class ArticleIn(Schema):
    title: str = Field(..., max_length=120)
    body_markdown: str
    community_id: ObjectId | None = Field(None, description="None: the whole town (town admins).")
    published_at: DateTime | None = Field(
        None, description="With a time zone; None: a draft; in the future: scheduled."
    )


def _community(pk: int | None) -> Community | None:
    if pk is None:
        return None
    try:
        return Community.objects.get(pk=pk)
    except Community.DoesNotExist:
        raise InvalidInput(
            _("No such choice."), field="community_id", code="invalid_choice"
        ) from None


@router.get("/articles", response=list[ArticleListOut])
@paginate(BoundedLimitOffsetPagination)
def list_articles(request):
    """Published articles for my town and my community, newest first, with my read marks."""
    return selectors.articles_visible(request.user)


@router.get("/articles/{int:article_id}", response={200: ArticleOut, 404: ErrorOut})
def get_article(request, article_id: ObjectId):
    """One article (no side effect; call ``POST /articles/{id}/read`` when it is opened)."""
    return selectors.article_visible_get(request.user, article_id)


@router.post("/articles/{int:article_id}/read", response={200: ReadOut, 404: ErrorOut})
def read_article(request, article_id: ObjectId):
    """I opened the article: record the read; a resident earns the reading rule once.

    Safe to repeat (reload, second tab, replay): ``outcome`` is then
    ``already_awarded`` and ``points_earned`` 0. ``cap_reached``: today's
    limit (local day) is used up; the article earns on a later day.
    """
    reading = services.article_read(reader=request.user, article_id=article_id)
    return {
        "article_id": reading.article.pk,
        "first_read": reading.first_read,
        "outcome": reading.outcome,
        "points_earned": reading.points_earned,
    }


@staff_router.get("/articles", response=list[StaffArticleOut])
@paginate(BoundedLimitOffsetPagination)
def staff_articles(request):
    """Articles I may edit (my community; town admins: the town), with read counts."""
    return selectors.articles_for_staff(request.user)


@staff_router.get("/articles/{int:article_id}", response={200: StaffArticleOut, 404: ErrorOut})
def staff_article(request, article_id: ObjectId):
    """One article I may edit, with its read count (404 outside my scope)."""
    return selectors.article_for_staff(request.user, article_id)


@staff_router.post("/articles", response={201: StaffArticleOut, 403: ErrorOut, 422: ErrorOut})
def staff_create_article(request, payload: ArticleIn):
    """Write an article. 403 ``audience_out_of_scope``: a community not mine (or the town)."""
    article = services.article_create(
        actor=request.user,
        title=payload.title,
        body_markdown=payload.body_markdown,
        community=_community(payload.community_id),
        published_at=payload.published_at,
    )
    return Status(201, article)


@staff_router.put(
    "/articles/{int:article_id}",
    response={200: StaffArticleOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def staff_update_article(request, article_id: ObjectId, payload: ArticleIn):
    """Replace an article's title, text, audience and publish time (the cover stays)."""
    services.article_update(
        actor=request.user,
        article_id=article_id,
        title=payload.title,
        body_markdown=payload.body_markdown,
        community=_community(payload.community_id),
        published_at=payload.published_at,
    )
    return selectors.article_for_staff(request.user, article_id)


@staff_router.post(
    "/articles/{int:article_id}/cover",
    response={200: StaffArticleOut, 404: ErrorOut, 422: ErrorOut},
)
def staff_article_cover(request, article_id: ObjectId, cover: File[UploadedFile]):
    """Upload the cover image (multipart field ``cover``; JPEG/PNG/GIF/WebP, size-limited)."""
    services.article_cover_set(actor=request.user, article_id=article_id, cover=cover)
    return selectors.article_for_staff(request.user, article_id)


@staff_router.post(
    "/articles/{int:article_id}/publish", response={200: StaffArticleOut, 404: ErrorOut}
)
def staff_publish_article(request, article_id: ObjectId):
    """Publish now (idempotent: an article already public keeps its time)."""
    services.article_publish(actor=request.user, article_id=article_id)
    return selectors.article_for_staff(request.user, article_id)
