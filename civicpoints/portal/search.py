"""One search over the square's posts, the articles and the events (the page and the API).

Each app finds its own visible rows (``posts.selectors.search``,
``articles.selectors.search``, ``events.selectors.search``: the viewer's town,
published or visible only); this module ranks them together with
``core.search.rank`` and cuts a marked snippet from each (``core.search``
explains the Chinese bigram matching and why ranking is done here, the same
on PostgreSQL and SQLite).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Literal

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from civicpoints.accounts.models import User
from civicpoints.articles import selectors as articles
from civicpoints.core import search as cjk
from civicpoints.core.errors import InvalidInput
from civicpoints.events import selectors as events
from civicpoints.posts import selectors as posts

Kind = Literal["post", "article", "event"]
KINDS: tuple[Kind, ...] = ("post", "article", "event")
CANDIDATES_PER_KIND = 200  # newest matches of each kind that are ranked


@dataclass(frozen=True)
class Hit:
    """One result: ``kind``, the row's ``id``, its ``title``, page ``url``, ``snippet``
    (``core.search.Snippet``), ``at`` (published time; an event's start) and ``score``."""

    kind: Kind
    id: int
    title: str
    url: str
    snippet: cjk.Snippet
    at: dt.datetime | None
    score: float


def clean_query(query: str | None) -> tuple[str, list[str]]:
    """The query stripped and its terms (``core.search.query_terms``).

    Raises: InvalidInput field ``q``: code ``empty`` (nothing typed), ``too_long``
        (over ``core.search.QUERY_MAX`` = 50 characters) or ``no_terms``
        (nothing searchable: punctuation or symbols only).
    """
    q = " ".join((query or "").split())
    if not q:
        raise InvalidInput(_("Type what to search for."), field="q", code="empty")
    if len(q) > cjk.QUERY_MAX:
        raise InvalidInput(
            _("Search for at most %(n)d characters.") % {"n": cjk.QUERY_MAX},
            field="q",
            code="too_long",
        )
    wanted = cjk.query_terms(q)
    if not wanted:
        raise InvalidInput(
            _("Search with Chinese characters, letters or digits."), field="q", code="no_terms"
        )
    return q, wanted


def site_search(viewer: User, query: str | None, *, kind: Kind | None = None) -> list[Hit]:
    """Posts, articles and events ``viewer`` may see that match ``query``, best first.

    Args:
        viewer: a signed-in person of a town (the operator has none: 403 ``no_town``).
        query: what was typed, ≤ 50 characters; every bigram of it must be present.
        kind: only posts, articles or events (None: all three).

    Returns: hits sorted by ``score`` (``core.search.rank``) then newest first; at most
        200 candidates of each kind (the newest matches) are ranked.

    Raises: InvalidInput (field ``q``, see ``clean_query``), OutOfScope ``no_town``.
    """
    q, wanted = clean_query(query)
    hits: list[Hit] = []
    if kind in (None, "post"):
        for p in posts.search(viewer, wanted, limit=CANDIDATES_PER_KIND):
            hits.append(_hit("post", p.pk, p.title, p.body, p.published_at, q, wanted))
    if kind in (None, "article"):
        for a in articles.search(viewer, wanted, limit=CANDIDATES_PER_KIND):
            body = html.unescape(strip_tags(a.body_html))
            hits.append(_hit("article", a.pk, a.title, body, a.published_at, q, wanted))
    if kind in (None, "event"):
        for e in events.search(viewer, wanted, limit=CANDIDATES_PER_KIND):
            body = f"{e.place} · {e.description}" if e.description else e.place
            hits.append(_hit("event", e.pk, e.title, body, e.starts_at, q, wanted))
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    hits.sort(key=lambda h: (h.score, h.at or epoch, h.id), reverse=True)
    return hits


_URLS = {"post": "posts:detail", "article": "articles:detail", "event": "events:detail"}
_ARGS = {"post": "post_id", "article": "article_id", "event": "event_id"}


def _hit(
    kind: Kind,
    pk: int,
    title: str,
    body: str,
    at: dt.datetime | None,
    q: str,
    wanted: list[str],
) -> Hit:
    return Hit(
        kind=kind,
        id=pk,
        title=title,
        url=reverse(_URLS[kind], kwargs={_ARGS[kind]: pk}),
        snippet=cjk.snippet(body, q, wanted),
        at=at,
        score=cjk.rank(q, wanted, title, body),
    )


def title_html(hit: Hit, query: str) -> cjk.Snippet:
    """The hit's title with the matches marked (a Snippet of the whole title)."""
    wanted = cjk.query_terms(query)
    return cjk.snippet(hit.title, query, wanted, width=max(len(hit.title), 1))
