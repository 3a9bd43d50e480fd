"""Every operation — each page URL (GET and POST) and each API operation of the OpenAPI
schema (its own method), with every path id pointing at a row of town 1 — done as each
role of town 2 (resident, community staff, grid worker, town admin) finds nothing of
town 1: no town-1 row is answered (a 2xx on an id of town 1 fails), no page or body
shows a town-1 name, and no town-1 row is changed (a fingerprint of every tenant table's
town-1 rows before and after). Operations are enumerated from the URL resolver and the
API schema, so a new endpoint is walked without touching this test.

Coverage is printed as operations × roles.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from civicpoints.accounts.models import Community, Grid, Household, ImportJob, Role, Town, User
from civicpoints.accounts.services import resident_register
from civicpoints.api import api
from civicpoints.articles.models import Article
from civicpoints.dashboard.models import ExportJob
from civicpoints.demo.town import seed_town
from civicpoints.disputes.models import Dispute
from civicpoints.engagement.models import Quiz, Survey
from civicpoints.events.models import Event
from civicpoints.integrity.models import Flag
from civicpoints.merchants.models import Merchant, Offer, Voucher
from civicpoints.notifications.models import Notification
from civicpoints.points.models import PendingAdjustment, PointRule, QueuedAward
from civicpoints.posts.models import Appeal, Comment, Post, PostStatus
from civicpoints.reports.models import Report

pytestmark = pytest.mark.django_db

SKIP = ("admin/", "static/", "media/", "i18n/", "setup/", "accounts/logout", "api/")
# Operations that sign the walker out or end their account: walked last would not help;
# they act on the walker's own session, never on an id.
SKIP_API = {("post", "/auth/logout"), ("post", "/auth/token/revoke")}
# Choices for the non-id parts of paths.
CHOICES = {"decision": "clear", "move": "accept", "fmt": "csv"}
# Public by design: a post's share page and its QR code are what a share link shows to
# anyone, signed in or not, of any town (WeChat Moments); published posts only.
PUBLIC = (re.compile(r"^/posts/\d+/share/$"), re.compile(r"^/posts/\d+/qr\.svg$"))


def _routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _routes(p, route)
        elif isinstance(p, URLPattern):
            yield route


def _town1_ids(town1: Town) -> dict[str, int | None]:
    """One row of town 1 for each kind of path id (None: the demo has none)."""

    def first(qs):
        return qs.filter(town=town1).values_list("pk", flat=True).first()

    return {
        "post_id": first(Post.objects.filter(status=PostStatus.APPROVED)),
        "appeal_id": first(Appeal.objects),
        "article_id": first(Article.objects),
        "comment_id": first(Comment.objects),
        "event_id": first(Event.objects),
        "household_id": first(Household.objects),
        "export_job_id": first(ExportJob.objects),
        "import_job_id": first(ImportJob.objects),
        "merchant_id": first(Merchant.objects),
        "offer_id": first(Offer.objects),
        "notification_id": first(Notification.objects),
        "quiz_id": first(Quiz.objects),
        "survey_id": first(Survey.objects),
        "report_id": first(Report.objects),
        "resident_id": first(User.objects.filter(role=Role.RESIDENT)),
        "user_id": first(User.objects.filter(role=Role.COMMUNITY_STAFF)),
        "voucher_id": first(Voucher.objects),
        "adjustment_id": first(PendingAdjustment.objects),
        "community_id": first(Community.objects),
        "grid_id": first(Grid.objects),
        "dispute_id": first(Dispute.objects),
        "flag_id": first(Flag.objects),
        "queued_id": first(QueuedAward.objects),
        "rule_id": first(PointRule.objects),
    }


def _town1_rows_the_demo_lacks(town1: Town, admin1: User) -> None:
    """Rows of town 1 the small demo has none of, so their operations are walked too."""
    from django.contrib.contenttypes.models import ContentType

    resident = User.objects.filter(town=town1, role=Role.RESIDENT).first()
    community = Community.objects.filter(town=town1).first()
    post = Post.objects.filter(town=town1).first()
    assert resident is not None and community is not None and post is not None
    if not ExportJob.objects.filter(town=town1).exists():
        ExportJob.objects.create(
            town=town1,
            requested_by=admin1,
            key="x",
            fmt="csv",
            start="2026-01-01",
            end="2026-01-31",
        )
    if not ImportJob.objects.filter(town=town1).exists():
        ImportJob.objects.create(town=town1, created_by=admin1, filename="居民.xlsx", total=1)
    if not PendingAdjustment.objects.filter(town=town1).exists():
        PendingAdjustment.objects.create(
            town=town1,
            resident=resident,
            points=5,
            reason="补录",
            idempotency_key="walk",
            requested_by=admin1,
            local_date="2026-01-01",
        )
    if not Appeal.objects.filter(town=town1).exists():
        Appeal.objects.create(
            town=town1, post=post, kind=PostStatus.REJECTED, text="申诉", against=admin1
        )
    if not Dispute.objects.filter(town=town1).exists():
        Dispute.objects.create(
            town=town1,
            community=community,
            category="family",
            parties="甲、乙",
            occurred_on="2026-01-01",
            recorded_by=admin1,
        )
    if not Flag.objects.filter(town=town1).exists():
        Flag.objects.create(
            town=town1,
            community=community,
            kind="late_check_in",
            subject_type=ContentType.objects.get_for_model(User),
            subject_id=str(resident.pk),
            resident=resident,
            reason="walk",
        )
    if not Quiz.objects.filter(town=town1).exists():
        Quiz.objects.create(town=town1, title="一镇政策问答")
    if not Survey.objects.filter(town=town1).exists():
        Survey.objects.create(town=town1, title="一镇问卷")


def _id_for(name: str, route: str, ids: dict[str, int | None]) -> int | None:
    if name == "job_id":
        return ids["import_job_id" if "import" in route else "export_job_id"]
    if name == "pk":
        return ids["flag_id" if route.startswith("integrity") else "dispute_id"]
    if name not in ids:  # a new kind of path id: map it above
        raise AssertionError(f"no town-1 row kind for the path id {name!r}")
    return ids[name]


def _page_operations(ids, export_keys) -> list[tuple[str, str]]:
    """(method, path) of every page route, ids filled with town-1 rows."""
    ops = []
    for route in sorted(set(_routes())):
        route = route.lstrip("^")
        if route.startswith(SKIP):
            continue
        paths = [route]
        if "(?P<key>" in route:
            paths = [route.replace("(?P<key>[a-z0-9_]+)", k) for k in export_keys]
        filled = []
        for path in paths:
            missing = False

            def fill(m, path=path):
                nonlocal missing
                name = m.group("name")
                if name in CHOICES:
                    return CHOICES[name]
                value = _id_for(name, path, ids)
                if value is None:
                    missing = True
                    return "0"
                return str(value)

            path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, path)
            path = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", fill, path)
            path = "/" + path.rstrip("$").replace("\\.", ".")
            if not missing:
                filled.append(path)
        has_id = "<" in route or "(?P<" in route
        for path in filled:
            ops.append(("get", path))
            if has_id:
                ops.append(("post", path))
    return ops


def _api_operations(ids) -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    ops = []
    for path, methods in schema["paths"].items():
        for method in methods:
            if "openapi" in path or (method, path.removeprefix("/api/v1")) in SKIP_API:
                continue
            names = re.findall(r"{(\w+)}", path)
            unknown = [n for n in names if n not in ids]
            assert not unknown, f"no town-1 row kind for the path ids {unknown} of {path}"
            if any(ids[n] is None for n in names):
                continue
            filled = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
            ops.append((method, filled if filled.startswith("/api/") else "/api/v1" + filled))
    return ops


def _fingerprint(town1: Town) -> dict[str, str]:
    """A digest of every town-1 row of every tenant table."""
    out = {}
    for model in apps.get_models():
        if not any(f.name == "town" for f in model._meta.concrete_fields):
            continue
        rows = model._base_manager.filter(town=town1).order_by("pk").values_list()
        digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
        out[model._meta.label] = digest
    return out


def _call(client, method: str, path: str):
    if path.startswith("/api/"):
        if method in ("get", "delete"):
            return getattr(client, method)(path)
        return getattr(client, method)(path, data="{}", content_type="application/json")
    return client.post(path, {}) if method == "post" else client.get(path)


def test_every_operation_as_each_role_of_town_2_finds_nothing_of_town_1(client, settings):
    # given: the small demo town (town 1) and town 2 with one person in each role
    settings.RATE_LIMITS_ENABLED = False
    seed_town(scale=0.005, quiet=True)
    town1 = Town.objects.get(code="baqiao")  # the demo also makes 柏树镇 (its district)
    other = Town.objects.create(name="别镇", code="other")
    place = Community.objects.create(town=other, name="外镇社区")
    grid = Grid.objects.create(community=place, name="外镇网格")
    make = User.objects.create_user
    people = {
        "resident": resident_register(
            mobile="13700137003", nickname="Carol", password="a-good-passw0rd", community=place
        ),
        "community_staff": make(
            "15100000001", "x", nickname="s", role=Role.COMMUNITY_STAFF, town=other, community=place
        ),
        "grid_worker": make(
            "15100000002",
            "x",
            nickname="g",
            role=Role.GRID_WORKER,
            town=other,
            community=place,
            grid=grid,
        ),
        "town_admin": make("15100000003", "x", nickname="a", role=Role.TOWN_ADMIN, town=other),
    }
    admin1 = User.objects.filter(town=town1, role=Role.TOWN_ADMIN).first()
    assert admin1 is not None
    _town1_rows_the_demo_lacks(town1, admin1)
    ids = _town1_ids(town1)
    client.force_login(people["town_admin"])
    dashboard = client.get("/dashboard/").content.decode()
    export_keys = sorted(set(re.findall(r"export/([a-z0-9_]+)\.csv", dashboard))) or ["x"]
    operations = _page_operations(ids, export_keys) + _api_operations(ids)
    secrets = (
        [c.name for c in Community.objects.filter(town=town1)]
        + [m.name for m in Merchant.objects.filter(town=town1)]
        + [a.title for a in Article.objects.filter(town=town1)]
        + [e.title for e in Event.objects.filter(town=town1)]
        + [p.title for p in Post.objects.filter(town=town1)]
        + [o.title for o in Offer.objects.filter(town=town1)]
        + ["一镇政策问答", "一镇问卷", "居民.xlsx"]
    )
    before = _fingerprint(town1)
    # when: every operation as every role
    answered, leaked, outcomes = [], [], Counter()
    for role, person in people.items():
        client.force_login(person)
        for method, path in operations:
            resp = _call(client, method, path)
            outcomes[resp.status_code] += 1
            body = resp.content.decode("utf-8", "replace") if not resp.streaming else ""
            if resp.get("Content-Type", "").startswith("application/json") and body:
                body = json.dumps(json.loads(body), ensure_ascii=False)
            about_town1 = any(str(v) in path.split("/") for v in ids.values() if v)
            public = any(p.match(path) for p in PUBLIC)
            if about_town1 and 200 <= resp.status_code < 300 and not public:
                answered.append((role, method, path, resp.status_code))
            found = [s for s in secrets if s and s in body]
            directory = path in ("/accounts/register/", "/api/v1/communities")
            if found and not directory and not public:
                leaked.append((role, method, path, found[:2]))
            assert resp.status_code < 500, (role, method, path)
    after = _fingerprint(town1)
    # then
    changed = [label for label in before if before[label] != after[label]]
    with_id = sum(
        1 for _m, p in operations if any(str(v) in p.split("/") for v in ids.values() if v)
    )
    print(
        f"walked {len(operations)} operations ({with_id} on a town-1 id) × {len(people)} roles"
        f" = {len(operations) * len(people)} calls; statuses {dict(sorted(outcomes.items()))};"
        f" no town-1 row for: {sorted(k for k, v in ids.items() if v is None)}"
    )
    assert answered == [], "\n".join(map(str, answered))
    assert leaked == [], "\n".join(map(str, leaked))
    assert changed == []
    assert len(operations) > 250
