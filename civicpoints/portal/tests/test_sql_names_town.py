"""Every statement on a tenant table names its town (DESIGN.md invariant 9).

A representative run — every parameterless page and API read, plus the common
writes (post, comment, like, share, approve with an award, a report and its case,
a spend) — is done as a resident, community staff, a grid worker and the town admin,
with every SQL statement recorded (``connection.execute_wrapper``). A tenant table is
the table of any model with a ``town`` field, so a new tenant model is covered
without touching this test.

What "names its town" means, per statement: every tenant table the statement reads
(``FROM``), changes (``UPDATE``, ``DELETE FROM``) or writes (``INSERT INTO``) has its
``town_id`` column in the filtering part (``WHERE``/``ON``, not the column list or
``SET``) or, for an insert, in the column list. Tables reached by ``JOIN`` from a row
that was itself narrowed by town are not required to repeat it: the join follows a
foreign key from a row of that town, and every child's town equals its parent's
(``core/tests/test_town_columns.py``).

Reasoned exceptions (``ALLOWED``):

- ``django_session``-style plumbing is not a tenant table, so it is not checked.
- The sign-in by mobile number (``accounts_user`` in ``MobileBackend.authenticate``
  and the SMS-code paths) happens before anyone knows the town: the mobile number is
  the global key (it is unique across towns). A Citus plan keeps a small
  mobile → town reference table for it.
- The registration page lists every town's communities (``register_view``): a newcomer
  picks their town's community there, before they belong to a town (a public
  directory; the isolation walk allows it for the same reason).

Any other statement without its town fails the test, reported as table, verb, the
code that ran it (innermost project frame) and the SQL. There is no list of tolerated
sites: a template loop over a reverse relation gets a town-filtered ``Prefetch``, and a
reverse one-to-one (``user.wechat``, a resident's card) is read through
``for_town``/``for_viewer`` in a selector instead.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from civicpoints.portal.tests.test_town_isolation_walk import _api_reads, _pages

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]  # civicpoints/

# (table, code location) pairs allowed without a town, each with its reason above.
ALLOWED = {
    ("accounts_user", "civicpoints/accounts/backends.py:authenticate"),
    ("accounts_community", "civicpoints/accounts/views.py:register_view"),
}

SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/i18n/", "/setup/", "/accounts/logout")


def tenant_tables() -> set[str]:
    """Tables of every model with a ``town`` field."""
    return {
        m._meta.db_table
        for m in apps.get_models()
        if any(f.name == "town" for f in m._meta.concrete_fields)
    }


_COLUMNS = re.compile(r"\bSELECT\b.*?\bFROM\b", re.S | re.I)
_SET = re.compile(r"\bSET\b.*?(\bWHERE\b|$)", re.S | re.I)
_NOT_ALIAS = (
    "WHERE|INNER|LEFT|SET|ORDER|GROUP|LIMIT|ON|JOIN|VALUES|FOR|RETURNING|OFFSET|HAVING|UNION"
)
_TARGETS = re.compile(
    rf'\b(FROM|UPDATE|INTO)\s+("?)(\w+)"?(?:\s+(?:AS\s+)?(?!(?:{_NOT_ALIAS})\b)(\w+))?', re.I
)


def offences(sql: str, tenant: set[str]) -> list[tuple[str, str]]:
    """(table, verb) of each tenant table ``sql`` reads or writes without naming its town."""
    found = []
    filtering = _SET.sub(r" \1", _COLUMNS.sub("SELECT FROM", sql))
    for verb, quoted, table, alias in _TARGETS.findall(sql):
        if table not in tenant:
            continue
        verb = verb.upper()
        if verb == "INTO":
            cols = re.search(rf'INTO\s+"?{table}"?\s*\(([^)]*)\)', sql, re.I)
            ok = bool(cols and re.search(r"\btown_id\b", cols.group(1)))
        elif quoted:  # Django's SQL: the column qualified by the table or its alias
            names = "|".join([re.escape(f'"{table}"'), *([re.escape(alias)] if alias else [])])
            ok = bool(re.search(rf'(?:{names})\."town_id"', filtering))
        else:  # hand-written SQL: the bare column, or qualified by an alias
            ok = bool(re.search(r"\btown_id\b", filtering))
        if not ok:
            found.append((table, {"INTO": "insert", "UPDATE": "update"}.get(verb, "read")))
    return found


def _caller() -> str:
    """``path:function`` of the innermost project frame (not tests, not this module)."""
    for frame in reversed(traceback.extract_stack()):
        path = Path(frame.filename).resolve()
        if ROOT in path.parents and "/tests/" not in str(path) and path.name != "tenancy.py":
            return f"{path.relative_to(ROOT.parent)}:{frame.name}"
    return "?"


@contextmanager
def recording(into: dict[tuple[str, str, str], str], tenant: set[str]) -> Iterator[None]:
    """Record (table, verb, caller) → the first such statement, of every offending
    statement run inside."""

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any):
        for table, verb in offences(sql, tenant):
            into.setdefault((table, verb, _caller()), sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def _walk(client, user) -> int:
    """GET every parameterless page and API read as ``user``; the number of requests."""
    client.force_login(user)
    n = 0
    for path in sorted(set(_pages())):
        if not path.startswith(SKIP_PREFIXES):
            client.get(path)
            n += 1
    for path in sorted(set(_api_reads())):
        client.get("/api/v1" + path)
        n += 1
    return n


def _writes(town) -> None:
    """The common writes of the four roles, through their services."""
    from civicpoints.points import services as points
    from civicpoints.posts import services as posts
    from civicpoints.posts.models import Section
    from civicpoints.reports import services as reports
    from civicpoints.reports.models import ReportCategory

    section = Section.objects.for_town(town.town.pk).filter(is_active=True).first()
    category = ReportCategory.objects.for_town(town.town.pk).first()
    assert section is not None and category is not None
    post = posts.post_create(author=town.alice, section=section, title="路灯修好了", body="谢谢")
    posts.post_approve(actor=town.staff_a, post=post, rule_code="voluntary_patrol")
    posts.comment_add(author=town.bob, post=post, body="好")
    posts.like_toggle(user=town.bob, post=post)
    posts.post_share(user=town.bob, post=post)
    report = reports.report_file(
        reporter=town.alice,
        category=category,
        place="巴桥路",
        body="垃圾堆放",
    )
    reports.report_accept(actor=town.grid_worker_a, report=report)
    points.points_spend(resident=town.alice, points=10, idempotency_key="sql-test-spend")


def test_every_statement_on_a_tenant_table_names_its_town(client, town, settings):
    # given: the personas' town with its catalog, sections and categories
    from civicpoints.points.catalog import rule_catalog_load
    from civicpoints.posts.services import sections_ensure_defaults
    from civicpoints.reports.services import categories_ensure_defaults

    settings.RATE_LIMITS_ENABLED = False
    rule_catalog_load()
    sections_ensure_defaults()
    categories_ensure_defaults()
    tenant = tenant_tables()
    assert {"posts_comment", "accounts_user", "points_pointaccount"} <= tenant
    found: dict[tuple[str, str, str], str] = {}
    # when
    with recording(found, tenant):
        _writes(town)
        requests = sum(
            _walk(client, who) for who in (town.alice, town.staff_a, town.grid_worker_a, town.admin)
        )
    # then
    assert requests > 100
    got = {f"{t} {v} {c}": sql for (t, v, c), sql in found.items() if (t, c) not in ALLOWED}
    assert not got, "statements without their town:\n" + "\n".join(
        f"{k}\n    {_COLUMNS.sub('SELECT … FROM', sql)}" for k, sql in sorted(got.items())
    )


def test_the_check_sees_a_missing_town():
    # given the checker and two statements on a tenant table
    tenant = {"posts_comment", "posts_post"}
    # then: a read by primary key alone is an offence, one naming the town is not
    assert offences(
        'SELECT "posts_comment"."id", "posts_comment"."town_id" FROM "posts_comment" '
        'WHERE "posts_comment"."id" = %s',
        tenant,
    ) == [("posts_comment", "read")]
    assert (
        offences(
            'SELECT "posts_comment"."id" FROM "posts_comment" INNER JOIN "posts_post" ON '
            '("posts_comment"."post_id" = "posts_post"."id") WHERE "posts_comment"."town_id" = %s',
            tenant,
        )
        == []
    )
    assert offences('UPDATE "posts_post" SET "town_id" = 1 WHERE "posts_post"."id" = 2', tenant)
    assert offences('INSERT INTO "posts_comment" ("post_id", "body") VALUES (1, 2)', tenant)
    assert not offences('INSERT INTO "posts_comment" ("town_id", "post_id") VALUES (1, 2)', tenant)
