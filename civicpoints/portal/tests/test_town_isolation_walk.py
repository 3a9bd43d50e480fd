"""People of town 2 (resident, community staff, grid worker, town admin) walk every
parameterless page and API read against the demo town (town 1, every app filled) and
find none of its communities, merchants, articles, events or posts."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from civicpoints.accounts.models import Community, Grid, Role, Town, User
from civicpoints.accounts.services import resident_register
from civicpoints.api import api
from civicpoints.articles.models import Article
from civicpoints.demo.town import DEMO_LOGINS, seed_town
from civicpoints.events.models import Event
from civicpoints.merchants.models import Merchant
from civicpoints.posts.models import Post

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("admin/", "api/", "static/", "media/", "i18n/", "setup/", "accounts/logout")
# Public by design: a newcomer picks their town's community from every town's list.
DIRECTORY = {"/accounts/register/", "/api/v1/communities"}


def _pages(resolver=None, prefix=""):
    """Every URL pattern without parameters (list pages), as a path."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _pages(p, route)
        elif isinstance(p, URLPattern) and "<" not in route and "(" not in route:
            yield "/" + route.lstrip("^").rstrip("$")


def _api_reads():
    """Every GET operation of the API without path parameters."""
    schema = api.get_openapi_schema()
    for path, ops in schema["paths"].items():
        if "get" in ops and "{" not in path and "openapi" not in path:
            yield path


def _walk(client, user) -> tuple[dict[str, tuple[int, str]], int, int]:
    """GET every parameterless page and API read as ``user``: {path: (status, text)}."""
    client.force_login(user)
    seen = {}
    pages = [
        p for p in sorted(set(_pages())) if not p.startswith(tuple("/" + s for s in SKIP_PREFIXES))
    ]
    reads = sorted(set(_api_reads()))
    for path in pages:
        resp = client.get(path)
        seen[path] = (resp.status_code, resp.content.decode("utf-8", "replace"))
    for path in reads:
        resp = client.get("/api/v1" + path)
        body = resp.content.decode("utf-8", "replace")
        if resp.get("Content-Type", "").startswith("application/json"):
            body = json.dumps(resp.json(), ensure_ascii=False)  # "\u878d…" → "融…"
        seen["/api/v1" + path] = (resp.status_code, body)
    return seen, len(pages), len(reads)


def _leaks(seen, secrets) -> dict[str, list[str]]:
    found = {
        path: [s for s in secrets if s and s in body]
        for path, (_status, body) in seen.items()
        if path not in DIRECTORY
    }
    return {k: v[:3] for k, v in found.items() if v}


def test_people_of_town_2_find_nothing_of_town_1_in_any_page_or_api_read(client, settings):
    # given: the small demo town (town 1: every app filled) and town 2 with one person
    # in each role
    settings.RATE_LIMITS_ENABLED = False
    seed_town(scale=0.005, quiet=True)
    town1 = Town.objects.get(code="baqiao")  # the demo also makes 柏树镇 (its district)
    other = Town.objects.create(name="别镇", code="other")
    place = Community.objects.create(town=other, name="外镇社区")
    grid = Grid.objects.create(community=place, name="外镇网格")
    carol = resident_register(
        mobile="13700137003", nickname="Carol", password="a-good-passw0rd", community=place
    )
    people = {
        "resident": carol,
        "community_staff": User.objects.create_user(
            "15100000001",
            "x",
            nickname="s",
            role=Role.COMMUNITY_STAFF,
            town=other,
            community=place,
        ),
        "grid_worker": User.objects.create_user(
            "15100000002",
            "x",
            nickname="g",
            role=Role.GRID_WORKER,
            town=other,
            community=place,
            grid=grid,
        ),
        "town_admin": User.objects.create_user(
            "15100000003", "x", nickname="a", role=Role.TOWN_ADMIN, town=other
        ),
    }
    secrets_of_town1 = (
        [c.name for c in Community.objects.filter(town=town1)]
        + [m.name for m in Merchant.objects.filter(town=town1)]
        + [a.title for a in Article.objects.filter(town=town1)]
        + [e.title for e in Event.objects.filter(town=town1)]
        + [p.title for p in Post.objects.filter(town=town1)]
    )
    assert len(secrets_of_town1) > 20
    # the walk does see town 1 when it should (a resident of town 1)
    own, _, _ = _walk(client, User.objects.get(mobile=DEMO_LOGINS["resident"]))
    assert _leaks(own, secrets_of_town1)
    # when
    results = {role: _walk(client, person) for role, person in people.items()}
    # then
    for role, (seen, _pages_walked, _reads_walked) in results.items():
        assert _leaks(seen, secrets_of_town1) == {}, role
        assert all(status < 500 for status, _ in seen.values()), role
    _, pages, reads = results["resident"]
    print(f"walked {pages} pages and {reads} API reads × {len(people)} roles of town 2")
