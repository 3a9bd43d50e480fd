"""Points expiry as a town policy (issue 18, item 4): off by default, oldest points
spent first, one ledger row per person and expiry date, shown on the pages."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.core.metrics import MetricContext
from civicpoints.points import expiry, services
from civicpoints.points.metrics import points_expiry
from civicpoints.points.models import (
    ExpiryPolicy,
    PointAccount,
    PointTransaction,
    TransactionKind,
)
from civicpoints.points.selectors import reconcile
from civicpoints.points.tests.helpers import confirming_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")
_n = itertools.count(1)


def earn(resident, rule, day: dt.date) -> PointTransaction:
    """One award of ``rule`` on local ``day`` (noon)."""
    return services.points_award(
        actor=confirming_staff(resident),
        resident=resident,
        rule=rule,
        idempotency_key=f"test-earn-{next(_n)}",
        at=dt.datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI),
    )


def spend(resident, points: int) -> PointTransaction:
    return services.points_spend(
        resident=resident, points=points, idempotency_key=f"test-spend-{next(_n)}"
    )


def switch_on(town, *, first: dt.date, years_kept: int = 1) -> ExpiryPolicy:
    return ExpiryPolicy.objects.create(
        town=town.town, enabled=True, years_kept=years_kept, first_expiry_on=first
    )


def balance(resident) -> int:
    return PointAccount.objects.get(resident=resident).balance


def expiry_rows(resident):
    return list(PointTransaction.objects.filter(resident=resident, kind=TransactionKind.EXPIRY))


def test_off_by_default_nothing_expires(town, rule):
    # given: points earned years ago, and no policy set by the town
    earn(town.alice, rule, dt.date(2023, 3, 1))
    # when
    written = expiry.points_expire_due(today=dt.date(2026, 1, 5))
    # then
    assert written == 0
    assert expiry_rows(town.alice) == []
    assert not expiry.policy_for(town.town.pk).enabled
    assert expiry.expiry_notice(town.alice, today=dt.date(2025, 12, 20)) is None
    ctx = MetricContext(town.town.pk, None, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert points_expiry(ctx) == []


def test_fifo_spends_take_the_oldest_points_first(town, rule):
    # given: 100 earned in 2024, 30 spent, then 50 earned in 2025
    earn(town.alice, rule, dt.date(2024, 5, 1))
    earn(town.alice, rule, dt.date(2024, 6, 1))
    spend(town.alice, 30)
    earn(town.alice, rule, dt.date(2025, 2, 1))
    switch_on(town, first=dt.date(2025, 12, 31))
    # when: the first run after 31 Dec 2025 (2024's points expire then)
    written = expiry.points_expire_due(today=dt.date(2026, 1, 1))
    # then: the 30 spent came out of 2024's 100, so 70 expire; 2025's 50 stay
    assert written == 1
    (row,) = expiry_rows(town.alice)
    assert row.points == -70
    assert row.idempotency_key == f"expiry:{town.alice.pk}:2025-12-31"
    assert not row.counts_as_earned
    assert "2024-12-31" in row.memo and "过期" in row.memo
    assert balance(town.alice) == 50
    assert reconcile() == []


def test_fifo_spent_more_than_the_old_points_nothing_expires(town, rule):
    # given: 50 in 2024 and 50 in 2025, 80 spent (all of 2024's and 30 of 2025's)
    earn(town.alice, rule, dt.date(2024, 5, 1))
    earn(town.alice, rule, dt.date(2025, 5, 1))
    spend(town.alice, 80)
    switch_on(town, first=dt.date(2025, 12, 31))
    # when
    written = expiry.points_expire_due(today=dt.date(2026, 1, 2))
    # then: the 20 left are 2025's
    assert written == 0
    assert expiry_rows(town.alice) == []
    assert balance(town.alice) == 20


def test_fifo_a_reversal_counts_on_the_day_of_the_award_it_reverses(town, rule):
    # given: two 2024 awards (one reversed later, today) and one 2025 award
    earn(town.alice, rule, dt.date(2024, 5, 1))
    old = earn(town.alice, rule, dt.date(2024, 6, 1))
    earn(town.alice, rule, dt.date(2025, 3, 1))
    services.points_reverse(original=old)
    switch_on(town, first=dt.date(2025, 12, 31))
    # when
    expiry.points_expire_due(today=dt.date(2026, 1, 1))
    # then: the reversal took back 2024 points, so 50 (2024) expire, 50 (2025) stay
    (row,) = expiry_rows(town.alice)
    assert row.points == -50
    assert balance(town.alice) == 50


def test_two_years_kept_and_never_more_than_the_balance(town, rule):
    # given: everything earned in 2023 and mostly spent; the town keeps points two years
    earn(town.alice, rule, dt.date(2023, 5, 1))
    earn(town.alice, rule, dt.date(2023, 6, 1))
    spend(town.alice, 90)
    switch_on(town, first=dt.date(2025, 12, 31), years_kept=2)
    # when: 2024-12-31 is before the first expiry date; 2025-12-31 takes 2023's points
    assert expiry.points_expire_due(today=dt.date(2025, 1, 3)) == 0
    expiry.points_expire_due(today=dt.date(2026, 1, 3))
    # then
    (row,) = expiry_rows(town.alice)
    assert row.points == -10
    assert balance(town.alice) == 0


def test_the_job_run_twice_writes_once(town, rule):
    # given
    earn(town.alice, rule, dt.date(2024, 5, 1))
    earn(town.bob, rule, dt.date(2024, 5, 1))
    earn(town.bob, rule, dt.date(2025, 5, 1))
    switch_on(town, first=dt.date(2025, 12, 31))
    # when
    first = expiry.points_expire_due(today=dt.date(2026, 1, 1))
    second = expiry.points_expire_due(today=dt.date(2026, 1, 1))
    later = expiry.points_expire_due(today=dt.date(2026, 3, 1))
    # then
    assert (first, second, later) == (2, 0, 0)
    assert [r.points for r in expiry_rows(town.alice)] == [-50]
    assert [r.points for r in expiry_rows(town.bob)] == [-50]
    assert balance(town.alice) == 0 and balance(town.bob) == 50
    assert reconcile() == []


def test_another_towns_policy_does_not_touch_this_town(town, rule):
    # given: only the other town switched expiry on
    earn(town.alice, rule, dt.date(2024, 5, 1))
    ExpiryPolicy.objects.create(
        town=town.other_town, enabled=True, years_kept=1, first_expiry_on=dt.date(2025, 12, 31)
    )
    # when
    expiry.points_expire_due(today=dt.date(2026, 1, 1))
    # then
    assert expiry_rows(town.alice) == []


def test_policy_set_by_town_admin_only_with_a_month_of_notice(town):
    # when
    policy = expiry.expiry_policy_set(actor=town.admin, enabled=True, years_kept=1)
    # then: the first 31 December at least 30 days ahead
    assert policy.enabled and policy.town_id == town.town.pk
    from civicpoints.core.timeutil import local_date

    assert policy.first_expiry_on.month == 12 and policy.first_expiry_on.day == 31
    assert (policy.first_expiry_on - local_date()).days >= expiry.NOTICE_DAYS
    with pytest.raises(OutOfScope):
        expiry.expiry_policy_set(actor=town.staff_a, enabled=True, years_kept=1)
    with pytest.raises(InvalidInput) as err:
        expiry.expiry_policy_set(actor=town.admin, enabled=True, years_kept=9)
    assert err.value.field == "years_kept"
    off = expiry.expiry_policy_set(actor=town.admin, enabled=False, years_kept=1)
    assert not off.enabled


def test_console_page_switches_it_on(client, town):
    # given
    client.force_login(town.admin)
    url = reverse("console:points_expiry")
    assert client.get(url).status_code == 200
    # when
    bad = client.post(url, {"enabled": "on", "years_kept": "0"})
    good = client.post(url, {"enabled": "on", "years_kept": "2"})
    # then
    assert bad.status_code == 422
    assert good.status_code == 302
    policy = ExpiryPolicy.objects.get(town=town.town)
    assert policy.enabled and policy.years_kept == 2
    client.force_login(town.staff_a)
    assert client.post(url, {"years_kept": "1"}).status_code == 403


def test_history_home_and_api_show_the_coming_expiry(client, town, rule, monkeypatch):
    # given: ten days before the town's expiry date; alice has points of the year before
    monkeypatch.setattr(expiry, "local_date", lambda: dt.date(2026, 12, 21))
    earn(town.alice, rule, dt.date(2025, 5, 1))
    earn(town.alice, rule, dt.date(2026, 5, 1))
    switch_on(town, first=dt.date(2026, 12, 31))
    client.force_login(town.alice)
    # when
    api = client.get("/api/v1/me/points/expiry").json()
    pages = [client.get(reverse(n)).content.decode() for n in ("portal:home", "points:history")]
    # then: 2025's 50 points expire at the end of 2026-12-31
    assert api == {
        "enabled": True,
        "next_expiry_on": "2026-12-31",
        "points_expiring": 50,
        "reminder_due": True,
    }
    for page in pages:
        assert "您有 50 积分将于 2026-12-31 到期" in page
    # and: 40 days before, no notice yet
    assert expiry.expiry_notice(town.alice, today=dt.date(2026, 11, 21)) is None
    # and: bob has no points, so no notice
    assert expiry.expiry_notice(town.bob) is None


def test_history_shows_the_expiry_row_with_its_memo(client, town, rule):
    # given
    earn(town.alice, rule, dt.date(2024, 5, 1))
    switch_on(town, first=dt.date(2025, 12, 31))
    expiry.points_expire_due(today=dt.date(2026, 1, 1))
    client.force_login(town.alice)
    # when
    page = client.get(reverse("points:history")).content.decode()
    # then
    assert "积分过期" in page
    assert "2025-12-31" in page


def test_dashboard_counts_expired_and_due(town, rule):
    # given
    earn(town.alice, rule, dt.date(2024, 5, 1))
    earn(town.bob, rule, dt.date(2024, 5, 1))
    switch_on(town, first=dt.date(2025, 12, 31))
    from civicpoints.core.timeutil import local_date

    expiry.points_expire_due(today=dt.date(2026, 1, 1))
    day = local_date()
    # when
    town_wide = points_expiry(MetricContext(town.town.pk, None, day, day))
    only_a = points_expiry(MetricContext(town.town.pk, town.a.pk, day, day))
    # then: both rows were written today (their local date is the run's)
    figures = {f.key: f.value for f in town_wide}
    assert figures["points_expired"] == 100
    assert {f.key: f.value for f in only_a}["points_expired"] == 50
    assert "points_due_to_expire" in figures
