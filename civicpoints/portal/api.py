"""API operations that compose several apps (the entry layer's share of ``/api/v1/``)."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.core.schemas import ErrorOut
from civicpoints.core.search import QUERY_MAX
from civicpoints.points import selectors as points
from civicpoints.portal.search import site_search, title_html
from civicpoints.rankings.selectors import my_daily_rank

router = Router(tags=["points"])


class BalanceOut(Schema):
    balance: int = Field(..., description="Points available to spend.")
    lifetime_earned: int = Field(..., description="Points ever earned, net of reversals.")
    points_today: int = Field(..., description="Earned today (the town's local day).")
    rank_town: int | None = Field(
        None, description="Rank in the town's latest daily ranking (None: not ranked yet)."
    )


@router.get("/me/points", response=BalanceOut)
def my_points(request: AuthedHttpRequest) -> dict[str, Any]:
    """My balance and lifetime earned (points), points earned today (the town's local
    day) and my town rank in the latest daily ranking (points earned to the end of that
    local day; None before my first snapshot)."""
    account = points.account_for(request.user)
    mine = my_daily_rank(request.user)
    return {
        "balance": account.balance,
        "lifetime_earned": account.lifetime_earned,
        "points_today": points.points_today(request.user),
        "rank_town": mine.rank if mine else None,
    }


class SearchHitOut(Schema):
    kind: Literal["post", "article", "event"] = Field(..., description="What was found.")
    id: int = Field(..., description="The post's, article's or event's id.")
    title: str
    url: str = Field(..., description="Its page (a path on this site).")
    snippet: str = Field(
        ..., description="About 60 characters of its text around the first match (plain text)."
    )
    marks: list[tuple[int, int]] = Field(
        ..., description="[start, end) character ranges of ``snippet`` that match."
    )
    title_marks: list[tuple[int, int]] = Field(
        ..., description="[start, end) character ranges of ``title`` that match."
    )
    at: dt.datetime | None = Field(
        None, description="Published (posts, articles) or starts (events); aware, ISO 8601."
    )
    score: float = Field(..., description="Relevance (higher first); compare within one answer.")


class SearchIn(Schema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=QUERY_MAX,
        description="Chinese words or a phrase (also Latin words, digits); ≤ 50 characters.",
    )
    kind: Literal["post", "article", "event"] | None = Field(
        None, description="Only posts, articles or events (default: all three)."
    )


@router.get(
    "/search", response={200: list[SearchHitOut], 403: ErrorOut, 422: ErrorOut}, tags=["search"]
)
@paginate(BoundedLimitOffsetPagination)
def search(request: AuthedHttpRequest, params: Query[SearchIn]) -> list[dict[str, Any]]:
    """Search my town's published posts, the articles addressed to me and the events I
    may see (never drafts, pending or rejected posts, other towns), best first, paged
    (``{"items", "count"}``, ``limit`` 1–100, ``offset``).

    Matching: every character bigram of ``q`` must be in the title or text
    (``core.search``); ranking: the whole phrase in the title first, then in the text,
    then terms in the title, then how often they occur; newest first among equals.
    Errors: 422 field ``q`` (``empty``, ``too_long``, ``no_terms`` — punctuation only),
    422 ``kind``; 403 ``no_town`` for the platform operator."""
    return [
        {
            "kind": h.kind,
            "id": h.id,
            "title": h.title,
            "url": h.url,
            "snippet": h.snippet.text,
            "marks": list(h.snippet.marks),
            "title_marks": list(title_html(h, params.q).marks),
            "at": h.at,
            "score": h.score,
        }
        for h in site_search(request.user, params.q, kind=params.kind)
    ]
