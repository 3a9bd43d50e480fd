"""Security headers, the CSP, login lockout and per-action rate limits (issue 8)."""

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from civicpoints.merchants.tests.conftest import fund, make_offer

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[3]
_caches = itertools.count()


@pytest.fixture
def limits(settings):
    """Rate limits on, with small rates and a fresh cache of this test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttle-test-{next(_caches)}",
        }
    }
    settings.RATELIMIT_ENABLE = True
    settings.RATE_LIMITS = {
        "post": "2/m",
        "comment": "2/m",
        "like": "2/m",
        "report": "2/m",
        "exchange": "2/m",
        "verify": "2/m",
        "edit": "2/m",
        "upload": "2/m",
    }
    return settings


def test_production_settings_pass_check_deploy_without_warnings():
    # given: production environment variables
    # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment must not)
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-Zq8#pL2@vN5!rT9^wX3&yB6*mC1(dF4)gH7",
        "ALLOWED_HOSTS": "example.org",
        "DJANGO_SETTINGS_MODULE": "civicpoints.settings",
    }
    # when
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then
    assert out.returncode == 0, out.stderr + out.stdout
    assert "no issues" in out.stdout


def _policy(header: str) -> dict[str, str]:
    parts = (p.strip().split(" ", 1) for p in header.split(";") if p.strip())
    return {name: value for name, value in parts}


def test_pages_carry_a_strict_csp_and_the_api_docs_only_relax_styles(client, town):
    # when
    page = client.get(reverse("accounts:login"))
    docs = client.get(f"{API}/docs")
    # then
    csp = _policy(page["Content-Security-Policy"])
    assert csp["script-src"] == csp["style-src"] == csp["default-src"] == "'self'"
    assert csp["object-src"] == csp["frame-ancestors"] == "'none'"
    assert page["X-Content-Type-Options"] == "nosniff" and page["X-Frame-Options"] == "DENY"
    docs_csp = _policy(docs["Content-Security-Policy"])
    assert docs.status_code == 200
    assert docs_csp["style-src"] == "'self' 'unsafe-inline'" and docs_csp["script-src"] == "'self'"


def test_no_template_has_inline_script_or_style_or_event_handler():
    # given: every template of the project
    import re

    pattern = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)|\sstyle=|\son[a-z]+=")
    # when
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "civicpoints").rglob("templates/**/*.html")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    # then
    assert offenders == []


def test_login_locks_after_five_failures_even_with_the_right_password(client, town):
    # given: four wrong passwords in different spellings of alice's number, then a fifth
    spellings = ["13800138001", "+86 138 0013 8001", "138-0013-8001", "0086 13800138001"]
    answers = [
        client.post(reverse("accounts:login"), {"mobile": spellings[i % 4], "password": "wrong"})
        for i in range(5)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    # when: the right password now
    resp = client.post(
        reverse("accounts:login"),
        {"mobile": "13800138001", "password": town.password},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then: refused with 429 and a clear message; not logged in
    assert resp.status_code == 429
    assert "Too many failed log-ins" in resp.content.decode()
    assert "_auth_user_id" not in client.session
    # and bob, from the same address, is not affected
    resp = client.post(
        reverse("accounts:login"), {"mobile": "13900139002", "password": town.password}
    )
    assert resp.status_code == 302


def test_api_login_lockout_answers_json_with_a_code(client, town):
    # given
    for _ in range(4):
        r = client.post(
            f"{API}/auth/login",
            {"mobile": "13800138001", "password": "wrong-one"},
            content_type="application/json",
        )
        assert r.status_code == 401
    client.post(
        f"{API}/auth/login",
        {"mobile": "13800138001", "password": "wrong-one"},
        content_type="application/json",
    )
    # when
    r = client.post(
        f"{API}/auth/login",
        {"mobile": "13800138001", "password": town.password},
        content_type="application/json",
    )
    # then
    assert r.status_code == 429 and r.json()["code"] == "login_locked"


def test_a_success_before_the_limit_resets_the_failure_count(client, town):
    # given: four failures, then a success
    for _ in range(4):
        client.post(reverse("accounts:login"), {"mobile": "13800138001", "password": "wrong"})
    ok = client.post(
        reverse("accounts:login"), {"mobile": "13800138001", "password": town.password}
    )
    assert ok.status_code == 302
    client.logout()
    # when: four more failures
    for _ in range(4):
        client.post(reverse("accounts:login"), {"mobile": "13800138001", "password": "wrong"})
    # then: still allowed
    ok = client.post(
        reverse("accounts:login"), {"mobile": "13800138001", "password": town.password}
    )
    assert ok.status_code == 302


def test_exchange_over_the_rate_is_refused_with_429_and_nothing_written(client, town, limits):
    # given: alice can afford ten exchanges of a plentiful offer
    from civicpoints.merchants.models import Voucher

    fund(town, town.alice, 500)
    offer = make_offer(town.merchant, per_resident_limit=10, stock=10)
    client.force_login(town.alice)
    # when: three exchanges within a minute
    answers = [
        client.post(
            f"{API}/offers/{offer.pk}/exchange",
            {"idempotency_key": f"rate-{i:08d}"},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        for i in range(3)
    ]
    # then
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json() == {
        "code": "rate_limited",
        "detail": "操作过于频繁，请稍后再试。",  # zh-hans, the default language
        "field": None,
    }
    assert Voucher.objects.filter(resident=town.alice).count() == 2
    town.alice.point_account.refresh_from_db()
    assert town.alice.point_account.balance == 500 - 2 * offer.points_cost


def test_rate_limits_count_per_person_and_per_action(client, town, limits):
    # given: alice used up her exchanges
    fund(town, town.alice, 500)
    fund(town, town.bob, 500)
    offer = make_offer(town.merchant, per_resident_limit=10, stock=10)
    client.force_login(town.alice)
    for i in range(2):
        client.post(
            f"{API}/offers/{offer.pk}/exchange",
            {"idempotency_key": f"a-{i:08d}"},
            content_type="application/json",
        )
    # when: bob exchanges, and alice reads her vouchers
    client.force_login(town.bob)
    bob = client.post(
        f"{API}/offers/{offer.pk}/exchange",
        {"idempotency_key": "b-00000001"},
        content_type="application/json",
    )
    client.force_login(town.alice)
    reading = client.get(f"{API}/vouchers/mine")
    # then
    assert bob.status_code == 201 and reading.status_code == 200


def test_voucher_verification_guessing_is_limited_on_the_page_too(client, town, limits):
    # given
    client.force_login(town.merchant)
    # when: three look-ups of made-up codes at the counter page
    answers = [
        client.get(reverse("merchants:desk"), {"code": f"GUESS{i:04d}"}, HTTP_ACCEPT_LANGUAGE="en")
        for i in range(3)
    ]
    # then: the third is a 429 page saying why
    assert answers[2].status_code == 429
    assert "操作过于频繁" in answers[2].content.decode()
    assert all(a.status_code != 429 for a in answers[:2])


def test_post_edits_are_rate_limited_on_the_api_and_the_page(client, town, limits, catalog):
    # given: alice's post
    from civicpoints.posts.services import post_create, sections_ensure_defaults

    section = sections_ensure_defaults(town.town.pk)[0]
    post = post_create(author=town.alice, section=section, title="t", body="b")
    client.force_login(town.alice)
    # when: three edits through the API, then one through the page
    answers = [
        client.put(
            f"{API}/posts/{post.pk}",
            {"title": f"t{i}", "body": "b"},
            content_type="application/json",
        )
        for i in range(3)
    ]
    page = client.post(reverse("posts:edit", args=[post.pk]), {"title": "p", "body": "b"})
    # then: the third and the page's are 429, and nothing of them was written
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "rate_limited"
    assert page.status_code == 429
    post.refresh_from_db()
    assert post.title == "t1"


def _view_names(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _view_names(pattern, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_throttled_url_name_exists_and_every_action_has_a_rate(settings):
    # given
    from django.urls import get_resolver

    from civicpoints.core.throttle import THROTTLED

    # when
    names = set(_view_names(get_resolver()))
    # then: a renamed URL would silently lose its limit
    assert set(THROTTLED) - names == set()
    assert {action for action, _ in THROTTLED.values()} == set(settings.RATE_LIMITS)
