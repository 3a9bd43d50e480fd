"""Fixtures for the events tests: a published event of community A, times around a fixed clock."""

import datetime as dt

import pytest

from civicpoints.core.timeutil import town_tz


@pytest.fixture
def start():
    """The event's start: 2026-12-05 09:00 in the town (Asia/Shanghai)."""
    return dt.datetime(2026, 12, 5, 9, 0, tzinfo=town_tz())


@pytest.fixture
def make_event(town, catalog, start):
    """Create (and by default publish) an event organized by staff_a for community A."""
    from civicpoints.events import services
    from civicpoints.points.services import rule_get

    def make(publish=True, actor=None, rule="volunteer_service", **kw):
        fields = dict(
            title="River clean-up",
            place="Baqiao riverside",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            signup_deadline=start - dt.timedelta(days=1),
            capacity=2,
        )
        fields.update(kw)
        ev = services.event_create(
            actor=actor or town.staff_a, rule=rule_get(rule, town_id=town.town.pk), **fields
        )
        if publish:
            ev = services.event_publish(actor=actor or town.staff_a, event=ev)
        return ev

    return make


@pytest.fixture
def residents_a(town):
    """Five more residents of community A (besides alice)."""
    from civicpoints.accounts.services import resident_register

    return [
        resident_register(
            mobile=f"1360000000{i}", nickname=f"A{i}", password=town.password, community=town.a
        )
        for i in range(5)
    ]


@pytest.fixture
def before_deadline(start):
    return start - dt.timedelta(days=2)
