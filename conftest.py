"""Test set-up shared by every app: environment, fast hashing, personas."""

import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Cached fragments (the rule catalog) must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    from civicpoints.accounts.sms import ConsoleSMSBackend

    ConsoleSMSBackend.outbox.clear()
    yield


@pytest.fixture
def texted_code():
    """``find(mobile, purpose=None)``: ask for a code (when ``purpose`` is given) and
    return the newest 6-digit code the console SMS backend texted to ``mobile``."""
    import re

    from civicpoints.accounts.services import verification_code_send
    from civicpoints.accounts.sms import ConsoleSMSBackend

    def find(mobile: str, purpose: str | None = None) -> str:
        if purpose is not None:
            verification_code_send(mobile=mobile, purpose=purpose)
        for to, text in reversed(ConsoleSMSBackend.outbox):
            match = re.search(r"\b(\d{6})\b", text)
            if to == mobile and match:
                return match.group(1)
        raise AssertionError("no code was texted to this number")

    return find


@pytest.fixture
def wechat_fake(settings):
    """A fake WeChat API on 127.0.0.1 (``accounts/tests/fake_wechat.py``) with the official
    account ``wxOFFICIAL`` and the mini-program ``wxMINI`` configured to use it."""
    from civicpoints.accounts.tests.fake_wechat import FakeWeChat

    settings.WECHAT_APP_ID = "wxOFFICIAL"
    settings.WECHAT_APP_SECRET = "official-secret"
    settings.WECHAT_MINI_APP_ID = "wxMINI"
    settings.WECHAT_MINI_APP_SECRET = "mini-secret"
    with FakeWeChat(
        app_id="wxOFFICIAL",
        secret="official-secret",
        mini_app_id="wxMINI",
        mini_secret="mini-secret",
    ) as fake:
        settings.WECHAT_API_BASE = fake.base
        settings.WECHAT_OPEN_BASE = fake.base
        yield fake


@pytest.fixture
def catalog(town):
    """The shipped rule catalog in ``town.town`` (each town has its own catalog; the
    other town gets none unless a test loads it)."""
    from civicpoints.points.catalog import rule_catalog_load

    rule_catalog_load(town_id=town.town.pk)


@pytest.fixture
def town(db):
    """A town with two communities (A, B), a grid each, and personas:

    alice (resident of A), bob (resident of B), staff_a / staff_b (community
    staff), admin (town admin), merchant (merchant staff), and another town's
    admin (outsider).
    """
    from civicpoints.accounts.models import Community, Grid, Role, Town, User
    from civicpoints.accounts.services import resident_register
    from civicpoints.merchants.models import Merchant

    t = Town.objects.create(name="巴桥镇", code="baqiao")
    other = Town.objects.create(name="别镇", code="other")
    a = Community.objects.create(town=t, name="融城社区")
    b = Community.objects.create(town=t, name="巴桥社区")
    c = Community.objects.create(town=other, name="外镇社区")
    grid_a = Grid.objects.create(community=a, name="第1网格")
    shop = Merchant.objects.create(
        town=t,
        name="叶子发艺",
        category="理发",
        address="巴桥路1号",
        status=Merchant.Status.APPROVED,
    )

    class Town_:
        pass

    ns = Town_()
    ns.town, ns.other_town, ns.a, ns.b, ns.c, ns.grid_a, ns.shop = t, other, a, b, c, grid_a, shop
    ns.password = "a-good-passw0rd"
    ns.alice = resident_register(
        mobile="13800138001", nickname="Alice", password=ns.password, community=a, grid=grid_a
    )
    ns.bob = resident_register(
        mobile="13900139002", nickname="Bob", password=ns.password, community=b
    )
    ns.carol = resident_register(
        mobile="13700137003", nickname="Carol", password=ns.password, community=c
    )

    def make(mobile, role, **kw):
        return User.objects.create_user(
            mobile, ns.password, nickname=role, role=role, town=kw.pop("town", t), **kw
        )

    ns.staff_a = make("15000000001", Role.COMMUNITY_STAFF, community=a)
    ns.staff_b = make("15000000002", Role.COMMUNITY_STAFF, community=b)
    ns.grid_worker_a = make("15000000005", Role.GRID_WORKER, community=a, grid=grid_a)
    ns.admin = make("15000000003", Role.TOWN_ADMIN)
    ns.outsider_admin = make("15000000006", Role.TOWN_ADMIN, town=other)
    ns.merchant = make("15000000004", Role.MERCHANT_STAFF, merchant=shop)
    # the platform operator: a superuser without a town (createsuperuser)
    ns.operator = User.objects.create_superuser("19900000099", ns.password)
    return ns


@pytest.fixture
def rule(catalog, town):
    from civicpoints.points.models import PointRule

    return PointRule.objects.get(code="voluntary_patrol", town=town.town)
