"""Real-browser tests: Debian's Chromium driven by Playwright against a live server.

Needs ``/usr/bin/chromium`` and ``var/e2e/node_modules/axe-core`` — ``make e2e-deps``
installs both (``make test`` runs it first). Nothing is downloaded by Playwright.
Screenshots of every step land in ``var/e2e/<test name>/``.
"""

import datetime as dt
import os
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests
# make between browser steps are plain synchronous code, so Django may allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "var" / "e2e"
AXE = ARTEFACTS / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "civic-demo-2026"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
FOREIGN = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])(?!(data|blob|about):)")


@pytest.fixture(scope="session")
def playwright_session():
    """The one Playwright driver of the test session: its sync API runs an event loop in
    this thread, so a second ``sync_playwright()`` while it lives would fail. Tests that
    need a browser launched differently (a fake camera) launch it from this one."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: run `make e2e-deps` (apt-get install chromium)"
    )
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_session):
    b = playwright_session.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    assert AXE.exists(), f"{AXE} is missing: run `make e2e-deps` (npm install axe-core)"
    return AXE


class Browsing:
    """Pages at a phone viewport that record every request and take numbered screenshots."""

    def __init__(self, browser, base_url: str, folder: Path):
        self.browser, self.base_url, self.folder = browser, base_url, folder
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.contexts = []
        self.step = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def page(self, viewport=PHONE, user_agent=None, init_script=None):
        extra = {"user_agent": user_agent} if user_agent else {}
        context = self.browser.new_context(
            viewport=viewport, base_url=self.base_url, locale="zh-CN", is_mobile=True, **extra
        )
        if init_script:
            context.add_init_script(init_script)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("request", self._record)
        # never reach the network: anything not for 127.0.0.1/localhost is recorded and refused
        context.route(FOREIGN, lambda route: route.abort())
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page

    def _record(self, request):
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname not in LOCAL_HOSTS:
            self.foreign.append(request.url)

    def shot(self, page, name: str) -> None:
        self.step += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "home"
        page.screenshot(path=str(self.folder / f"{self.step:02d}-{slug}.png"), full_page=True)

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser, live_server, request):
    b = Browsing(browser, live_server.url, ARTEFACTS / request.node.name)
    yield b
    b.close()
    assert b.foreign == [], "pages loaded something from another origin"
    assert b.errors == [], "JavaScript errors on the pages"


def log_in(page, mobile: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=mobile]", mobile)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


@pytest.fixture
def small_town(transactional_db):
    """The demo town at a tiny scale plus what the journeys need: a town article,
    an event of the Rongcheng community starting in 30 minutes, and a 2-point offer
    at the demo merchant. Logins are the README's demo logins."""
    from django.utils import timezone

    from civicpoints.accounts.models import User
    from civicpoints.articles.services import article_create
    from civicpoints.core.timeutil import local_date
    from civicpoints.demo.town import DEMO_LOGINS, seed_town
    from civicpoints.events.services import event_create, event_publish
    from civicpoints.merchants.services import offer_create
    from civicpoints.points.services import rule_get
    from civicpoints.posts.services import sections_ensure_defaults
    from civicpoints.reports.services import categories_ensure_defaults

    # data migrations made these; a transactional test's flush removes them
    sections_ensure_defaults()
    categories_ensure_defaults()
    seed_town(scale=0.002, quiet=True)
    staff = User.objects.get(mobile=DEMO_LOGINS["community_staff"])
    admin = User.objects.get(mobile=DEMO_LOGINS["town_admin"])
    merchant = User.objects.get(mobile=DEMO_LOGINS["merchant"])
    now = timezone.now()
    article = article_create(
        actor=admin,
        title="垃圾分类新规",
        body_markdown="## 怎么分\n\n可回收物、厨余垃圾、有害垃圾、其他垃圾。",
        published_at=now - dt.timedelta(minutes=5),
    )
    event = event_create(
        actor=staff,
        title="河道清洁志愿活动",
        place="融城社区广场",
        starts_at=now + dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=2),
        signup_deadline=now + dt.timedelta(minutes=20),
        capacity=20,
        rule=rule_get("sanitation_drive", town_id=staff.town_id),
        description="带上手套。",
        community=staff.community,
    )
    event_publish(actor=staff, event=event)
    today = local_date()
    offer = offer_create(
        actor=merchant,
        title="洗剪吹立减5元",
        price_fen=3500,
        discount_fen=500,
        points_cost=2,
        stock=10,
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
    )
    return SimpleNamespace(
        staff=staff,
        admin=admin,
        merchant=merchant,
        article=article,
        event=event,
        offer=offer,
        community=staff.community,
    )
