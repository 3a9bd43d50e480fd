import datetime as dt
import itertools

import pytest

from civicpoints.accounts.services import resident_register
from civicpoints.points import services as points
from civicpoints.points.models import PointRule

# 10:00 local (Asia/Shanghai) is 02:00 UTC
TEN_LOCAL = dt.time(2, 0, tzinfo=dt.UTC)


@pytest.fixture
def award(catalog, town):
    """award(resident, points, day): ``points`` (a multiple of 10) earned on local ``day``
    through the uncapped rule ``event_attendance_hour`` (10 points an award)."""
    rule = PointRule.objects.get(code="event_attendance_hour", town=town.town)
    counter = itertools.count()

    def do(resident, pts, day=dt.date(2026, 3, 1), at=None):
        assert pts % rule.points == 0
        return [
            points.points_award(
                actor=town.admin,
                resident=resident,
                rule=rule,
                idempotency_key=f"t-{next(counter)}",
                at=at or dt.datetime.combine(day, TEN_LOCAL),
            )
            for _ in range(pts // rule.points)
        ]

    return do


@pytest.fixture
def more(town):
    """Two more residents of community A (dan, eve) besides alice."""

    def make(mobile, nick):
        return resident_register(
            mobile=mobile, nickname=nick, password=town.password, community=town.a
        )

    town.dan = make("13600136004", "Dan")
    town.eve = make("13500135005", "Eve")
    return town
