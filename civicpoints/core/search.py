"""Search in Chinese without a word list: overlapping character bigrams.

Chinese text has no spaces between words, so a word index needs a segmenter
(a dictionary, a model) — or it indexes every pair of neighbouring characters.
"垃圾分类" becomes ``垃圾 圾分 分类``; a query is cut the same way and a row
matches when it holds **every** bigram of the query. A two-character word is
one bigram; a longer word or phrase is a run of bigrams that must all be
present (nearly always together, so nearly a phrase match); no dictionary to
keep up to date, no new words missed (place names, 随手拍, 网格员). Latin
letters and digits make whole lowercase words (``wifi``, ``119``). A query of
one Chinese character has no bigram: a run of one character is kept as
itself, and such a query matches it (see ``terms``).

The stored form (``document``) is the space-separated terms with a space at
each end. PostgreSQL matches it with the full-text machinery and the
``simple`` configuration (no stemming, no stop words: each term is one
lexeme), served by a GIN index on ``to_tsvector('simple', <column>)``
(``gin_index_operations``); SQLite, and any other engine, matches
``LIKE '% term %'`` on the same column. Both give the same rows; the ranking
and the snippet are computed in Python from the candidates' text (``rank``,
``snippet``), so they are the same on both engines too.

This module is plumbing: it knows no model. Each app stores
``document(title, body)`` in its own ``search_doc`` column when it writes the
row, and filters with ``matching(qs, "search_doc", query_terms)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

QUERY_MAX = 50  # characters of a query (at most 49 bigrams)
SNIPPET_CHARS = 60  # characters of text shown around the first match

# CJK ideographs (unified, extension A, compatibility) and Latin letters/digits.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[0-9a-zA-Z]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")

_Q = TypeVar("_Q", bound=QuerySet[Any])


def terms(text: str) -> list[str]:
    """The index terms of ``text``, in order, repeats kept.

    A run of Chinese characters gives its overlapping bigrams (one character
    alone: itself); a run of Latin letters or digits gives one lowercase word.
    Punctuation, spaces and other scripts separate runs and give nothing.

    >>> terms("垃圾分类，Wi-Fi 免费")
    ['垃圾', '圾分', '分类', 'wi', 'fi', '免费']
    """
    out: list[str] = []
    for run in _RUNS.findall(text or ""):
        if not _CJK_RUN.fullmatch(run):
            out.append(run.lower())
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def document(*parts: str) -> str:
    """The stored search form of a row's texts: unique terms, space-separated, with a
    space at each end (so ``LIKE '% term %'`` matches whole terms only).

    Every single Chinese character is stored too (as a one-character term), so a
    one-character query finds it.
    """
    seen: dict[str, None] = {}
    for part in parts:
        for term in terms(part):
            seen.setdefault(term, None)
        for run in _CJK_RUN.findall(part or ""):
            for ch in run:
                seen.setdefault(ch, None)
    return f" {' '.join(seen)} " if seen else ""


def query_terms(query: str) -> list[str]:
    """The distinct terms a query must all match (in order of first appearance).

    ``query`` is what the person typed, already bounded to ``QUERY_MAX``
    characters by the caller. Empty list: nothing searchable in it
    (punctuation only).
    """
    return list(dict.fromkeys(terms(query)))


def matching(qs: _Q, column: str, wanted: Sequence[str]) -> _Q:
    """``qs`` narrowed to rows whose ``column`` (a ``document``) holds every term of ``wanted``.

    PostgreSQL: ``to_tsvector('simple', column) @@ plainto_tsquery('simple', terms)``,
    the expression of the GIN index the app's migration builds. Elsewhere:
    one ``LIKE '% term %'`` per term. No terms: no rows.
    """
    if not wanted:
        return qs.none()
    if connection.vendor == "postgresql":
        table = qs.model._meta.db_table
        sql = f"to_tsvector('simple', \"{table}\".\"{column}\") @@ plainto_tsquery('simple', %s)"  # noqa: S608  # nosec B608 - names from the model, the terms a parameter
        expr = RawSQL(  # noqa: S611  # nosec B611 - the query's terms travel as a parameter
            sql,
            (" ".join(wanted),),
            output_field=BooleanField(),
        )
        return qs.alias(_search_hit=expr).filter(_search_hit=True)
    cond = Q()
    for term in wanted:
        cond &= Q(**{f"{column}__contains": f" {term} "})
    return qs.filter(cond)


def gin_index_sql(table: str, column: str, name: str) -> tuple[str, str]:
    """(create, drop) SQL of the PostgreSQL GIN index ``matching`` uses (for a migration)."""
    return (
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (to_tsvector('simple', {column}))",
        f"DROP INDEX IF EXISTS {name}",
    )


def rank(query: str, wanted: Sequence[str], title: str, body: str) -> float:
    """How well ``title`` and ``body`` answer ``query`` (higher is better; ≥ 0).

    The whole query as written, in the title: 100; in the body: 40 (a phrase
    beats scattered bigrams). Each term: 10 in the title, plus up to 3
    occurrences in the body, 1 each (a long text that merely mentions a term
    once does not outweigh a short one about it). Recency breaks ties (the
    caller sorts by it second).
    """
    phrase = " ".join((query or "").split()).lower()
    t, b = (title or "").lower(), (body or "").lower()
    score = 0.0
    if phrase and phrase in t:
        score += 100
    if phrase and phrase in b:
        score += 40
    for term in wanted:
        if term in t:
            score += 10
        score += min(b.count(term), 3)
    return score


@dataclass(frozen=True)
class Snippet:
    """A piece of a text around its first match: ``text`` (plain) and ``marks``,
    the (start, end) character ranges of ``text`` that match (sorted, not overlapping)."""

    text: str
    marks: tuple[tuple[int, int], ...]

    def html(self) -> SafeString:
        """The text escaped, each mark wrapped in ``<mark>`` (safe to put in a page)."""
        out: list[str] = []
        at = 0
        for start, end in self.marks:
            out.append(escape(self.text[at:start]))
            out.append(f"<mark>{escape(self.text[start:end])}</mark>")
            at = end
        out.append(escape(self.text[at:]))
        return mark_safe("".join(out))  # noqa: S308  # nosec B308, B703 - every piece escaped


def _marks(text: str, query: str, wanted: Sequence[str]) -> list[tuple[int, int]]:
    low = text.lower()
    spans: list[tuple[int, int]] = []
    needles = [w for w in [" ".join(query.split()).lower()] if w] + list(wanted)
    for needle in needles:
        start = low.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = low.find(needle, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, query: str, wanted: Sequence[str], *, width: int = SNIPPET_CHARS) -> Snippet:
    """About ``width`` characters of ``text`` around its first match, with the matches marked.

    Whitespace runs become one space; "…" marks a cut at either end. No match:
    the text's beginning, unmarked.
    """
    flat = " ".join((text or "").split())
    spans = _marks(flat, query, wanted)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 4, len(flat) - width))
    end = min(len(flat), start + width)
    piece = flat[start:end]
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(flat) else ""
    shift = len(lead) - start
    marks = tuple(
        (max(s + shift, len(lead)), min(e + shift, len(lead) + len(piece)))
        for s, e in spans
        if e > start and s < end
    )
    return Snippet(lead + piece + tail, marks)
