"""Sharing fixtures: a published article, post and event of the test town, and readers."""

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def article(town, catalog):
    from civicpoints.articles.services import article_create

    return article_create(
        actor=town.admin,
        title="Flood season notice",
        body_markdown="Move cars off **Riverside Road** before Friday.",
        community=None,
        published_at=timezone.now() - dt.timedelta(hours=1),
    )


@pytest.fixture
def post(town, catalog):
    from civicpoints.posts import services

    sections = {s.code: s for s in services.sections_ensure_defaults(town.town.pk)}
    p = services.post_create(
        author=town.alice,
        section=sections["good_deeds"],
        title="Helped Mrs Wang carry coal",
        body="Two hours on Saturday morning.",
        claimed_rule_code=None,
    )
    return services.post_approve(actor=town.staff_a, post=p)


@pytest.fixture
def event(town, catalog):
    from civicpoints.events import services
    from civicpoints.points.services import rule_get

    start = timezone.now() + dt.timedelta(days=5)
    ev = services.event_create(
        actor=town.staff_a,
        rule=rule_get("volunteer_service", town_id=town.town.pk),
        title="River clean-up",
        description="Bring gloves.",
        place="Baqiao riverside",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        signup_deadline=start - dt.timedelta(days=1),
        capacity=10,
    )
    return services.event_publish(actor=town.staff_a, event=ev)


@pytest.fixture
def readers(town):
    """Seven more residents of the town (communities A and B)."""
    from civicpoints.accounts.services import resident_register

    return [
        resident_register(
            mobile=f"1350000000{i}",
            nickname=f"R{i}",
            password=town.password,
            community=town.a if i % 2 else town.b,
        )
        for i in range(7)
    ]
