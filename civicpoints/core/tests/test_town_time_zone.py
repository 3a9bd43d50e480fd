"""Each town's "today" comes from its own time zone (``Town.time_zone``), not from
``settings.TIME_ZONE``: caps, the ledger's local date, check-ins, the dashboard's
default range and the nightly jobs turn the day at the town's own midnight."""

import datetime as dt
from datetime import UTC

import pytest

from civicpoints.core.timeutil import local_date, local_midnight, town_today
from civicpoints.dashboard.selectors import dashboard_context
from civicpoints.dashboard.services import figures_take
from civicpoints.engagement.services import check_in
from civicpoints.points import services
from civicpoints.points.catalog import rule_catalog_load
from civicpoints.points.errors import CapReached
from civicpoints.points.models import PointRule, PointTransaction

pytestmark = pytest.mark.django_db

# 03:30 UTC on 1 March: 11:30 on 1 March in Shanghai, 22:30 on 28 February in New York
EVENING_IN_NEW_YORK = dt.datetime(2026, 3, 1, 3, 30, tzinfo=UTC)
# 06:30 UTC: 14:30 on 1 March in Shanghai, 01:30 on 1 March in New York
NIGHT_IN_NEW_YORK = dt.datetime(2026, 3, 1, 6, 30, tzinfo=UTC)


@pytest.fixture
def far_town(town):
    town.other_town.time_zone = "America/New_York"
    town.other_town.save(update_fields=["time_zone"])
    town.carol.refresh_from_db()
    town.outsider_admin.refresh_from_db()
    rule_catalog_load(town_id=town.other_town.pk)  # the far town's own catalog
    return town


def test_local_date_and_midnight_follow_the_towns_zone(far_town):
    # when / then: the same instant, two towns, two dates
    assert local_date(EVENING_IN_NEW_YORK, far_town.town) == dt.date(2026, 3, 1)
    assert local_date(EVENING_IN_NEW_YORK, far_town.other_town) == dt.date(2026, 2, 28)
    assert local_midnight(dt.date(2026, 3, 1), far_town.other_town) == dt.datetime(
        2026, 3, 1, 5, tzinfo=UTC
    )
    assert town_today(far_town.other_town) == local_date(None, far_town.other_town)


def test_the_daily_cap_and_the_ledger_day_turn_at_the_towns_own_midnight(far_town, catalog):
    # given a rule awarded at most once a local day
    # (each town's own, automatic, no versions: the row is the rule)
    once = {
        t.pk: PointRule.objects.create(
            town=t,
            code="once_a_day",
            category="community_construction",
            name_zh="每日一次",
            name_en="Once a day",
            points=1,
            daily_limit=1,
            requires_confirmation=False,
        )
        for t in (far_town.town, far_town.other_town)
    }
    # when a resident of each town is awarded at both instants
    for n, at in enumerate((EVENING_IN_NEW_YORK, NIGHT_IN_NEW_YORK)):
        carols = services.points_award(
            resident=far_town.carol,
            rule=once[far_town.other_town.pk],
            idempotency_key=f"ny-{n:04d}",
            at=at,
        )
        assert carols.local_date == local_date(at, far_town.other_town)
    rule = once[far_town.town.pk]
    services.points_award(
        resident=far_town.alice, rule=rule, idempotency_key="sh-0000", at=EVENING_IN_NEW_YORK
    )
    # then: in New York the two instants are two days; in Shanghai one day, capped
    with pytest.raises(CapReached):
        services.points_award(
            resident=far_town.alice, rule=rule, idempotency_key="sh-0001", at=NIGHT_IN_NEW_YORK
        )
    days = sorted(
        PointTransaction.objects.filter(resident=far_town.carol).values_list(
            "local_date", flat=True
        )
    )
    assert days == [dt.date(2026, 2, 28), dt.date(2026, 3, 1)]


def test_a_check_in_counts_for_the_residents_local_day(far_town, catalog):
    # when
    result = check_in(resident=far_town.carol, at=EVENING_IN_NEW_YORK)
    # then
    assert result.check_in.day == dt.date(2026, 2, 28)


def test_the_dashboard_and_the_nightly_figures_use_the_towns_today(far_town, monkeypatch):
    # given: now is 1 March in Shanghai and still 28 February in New York
    monkeypatch.setattr("django.utils.timezone.now", lambda: EVENING_IN_NEW_YORK)
    # when
    far = dashboard_context(far_town.outsider_admin)
    near = dashboard_context(far_town.admin)
    # then: each default range ends on the town's own today
    assert (far.end, far.time_zone) == (dt.date(2026, 2, 28), "America/New_York")
    assert (near.end, near.time_zone) == (dt.date(2026, 3, 1), "Asia/Shanghai")
    # and the figures job may count 1 March in Shanghai but not yet in New York
    with pytest.raises(ValueError):
        figures_take(town=far_town.other_town, through_day=dt.date(2026, 3, 1))
    assert figures_take(town=far_town.town, through_day=dt.date(2026, 3, 1))["days"] >= 0
