"""The dashboard's pre-aggregated daily figures (issue 17): same figures, job or no job."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from civicpoints.accounts.models import Role, Town, User
from civicpoints.core.jobs import registered_jobs
from civicpoints.core.timeutil import local_date
from civicpoints.dashboard import services as dashboard_services
from civicpoints.dashboard.models import DailyFigure, FiguresMark, ResidentActivity
from civicpoints.dashboard.selectors import dashboard_context, dashboard_figures
from civicpoints.dashboard.services import figures_catch_up, figures_take
from civicpoints.demo.town import seed_town
from civicpoints.points import services as points
from civicpoints.points.models import PointRule
from civicpoints.points.tests.helpers import confirming_staff

END = dt.date(2026, 3, 31)
TEN = dt.time(10, 0)


@pytest.fixture
def seeded(db):
    seed_town(scale=0.005, seed=7, end=END, quiet=True)
    town = Town.objects.get()
    admin = User.objects.filter(role=Role.TOWN_ADMIN, town=town).first()
    staff = User.objects.filter(role=Role.COMMUNITY_STAFF, town=town).first()
    return town, admin, staff


def _all_figures(admin, staff) -> dict:
    """Every figure and table row of several ranges and scopes, to compare as a whole."""
    today = local_date()
    ranges = [
        (dt.date(2026, 1, 1), END),  # ends before today: read from the ledger
        (END - dt.timedelta(days=400), today),  # a year and more, up to today
        (dt.date(2026, 3, 10), today),
        (dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
    ]
    out = {}
    for actor in (admin, staff):
        for start, end in ranges:
            figures, tables = dashboard_figures(dashboard_context(actor, start=start, end=end))
            out[(actor.pk, start, end)] = (
                {f.key: f.value for f in figures},
                {t.key: t.rows for t in tables},
            )
    return out


def test_counted_figures_equal_the_live_ledger_figures(seeded):
    # given: the figures straight from the ledger (the job never ran)
    town, admin, staff = seeded
    live = _all_figures(admin, staff)
    assert live[(admin.pk, dt.date(2026, 1, 1), END)][0]["points_issued"] > 0
    # when: the nightly job counts everything up to yesterday
    summary = figures_catch_up()
    # then: the tables hold rows, and every figure is unchanged
    assert DailyFigure.objects.filter(town=town).exists()
    assert ResidentActivity.objects.filter(town=town).count() > 0
    assert FiguresMark.objects.get(town=town).through_day == local_date() - dt.timedelta(days=1)
    assert "day(s)" in summary
    assert _all_figures(admin, staff) == live


def test_rows_written_after_the_job_count_live_today_and_for_a_counted_day(seeded):
    # given: the job has run
    town, admin, staff = seeded
    figures_catch_up()
    resident = User.objects.filter(role=Role.RESIDENT, town=town, community=staff.community)[0]
    rule = PointRule.objects.get(code="event_attendance_hour")
    # when: an award today, and one dated on a day the job has already counted
    points.points_award(
        actor=confirming_staff(resident), resident=resident, rule=rule, idempotency_key="today-1"
    )
    points.points_award(
        actor=confirming_staff(resident),
        resident=resident,
        rule=rule,
        idempotency_key="backdated-1",
        at=dt.datetime.combine(dt.date(2026, 3, 15), TEN),
    )
    # then: the figures include both (compared with a fresh count of the ledger)
    with_live = _all_figures(admin, staff)
    FiguresMark.objects.all().delete()
    DailyFigure.objects.all().delete()
    ResidentActivity.objects.all().delete()
    from_ledger = _all_figures(admin, staff)
    assert with_live == from_ledger
    key = (admin.pk, dt.date(2026, 3, 10), local_date())
    assert with_live[key][0]["active_7"] >= 1


def test_the_job_counts_in_steps_and_twice_changes_nothing(seeded):
    # given
    town, admin, staff = seeded
    live = _all_figures(admin, staff)
    # when: first through mid-March, then up to yesterday, then again
    figures_take(town=town, through_day=dt.date(2026, 3, 15))
    assert _all_figures(admin, staff) == live
    figures_catch_up()
    rows = sorted(DailyFigure.objects.values_list("day", "community_id", "issued_other", "spent"))
    again = figures_catch_up()
    # then
    assert "0 day(s)" in again
    assert (
        sorted(DailyFigure.objects.values_list("day", "community_id", "issued_other", "spent"))
        == rows
    )
    assert _all_figures(admin, staff) == live


def _from_ledger(admin, staff) -> dict:
    """The figures with every pre-aggregated row dropped (a count of the ledger alone)."""
    FiguresMark.objects.all().delete()
    DailyFigure.objects.all().delete()
    ResidentActivity.objects.all().delete()
    return _all_figures(admin, staff)


def test_today_is_counted_up_to_its_settled_rows(seeded, monkeypatch):
    # given: the job counted through yesterday, then an award 10 minutes ago and one now
    town, admin, staff = seeded
    figures_catch_up()
    resident = User.objects.filter(role=Role.RESIDENT, town=town, community=staff.community)[0]
    rule = PointRule.objects.get(code="event_attendance_hour")
    now = timezone.now()
    staff = confirming_staff(resident)
    older = points.points_award(
        resident=resident,
        rule=rule,
        actor=staff,
        idempotency_key="t-old",
        at=now - dt.timedelta(minutes=10),
    )
    newest = points.points_award(
        resident=resident, rule=rule, actor=staff, idempotency_key="t-new", at=now
    )
    # when: today is counted (the row of now is younger than the settling time)
    got = figures_take(town=town, through_day=local_date())
    # then: the older row is counted, the newest stays live, the figures are exact
    mark = FiguresMark.objects.get(town=town)
    assert got["rows"] >= 1 and mark.through_day == local_date()
    assert older.pk <= mark.last_id < newest.pk
    counted = _all_figures(admin, staff)
    assert counted == _from_ledger(admin, staff)
    # and without a settling time every row of today is counted, still exact
    monkeypatch.setattr(dashboard_services, "FIGURES_SETTLE_SECONDS", 0)
    figures_catch_up()
    figures_take(town=town, through_day=local_date())
    assert FiguresMark.objects.get(town=town).last_id >= newest.pk
    assert _all_figures(admin, staff) == counted
    with pytest.raises(ValueError):
        figures_take(town=town, through_day=local_date() + dt.timedelta(days=1))


def test_a_day_counted_while_it_ran_is_counted_again_once_over(seeded):
    # given: yesterday was counted during the day, when one of its rows was missing
    town, admin, staff = seeded
    yesterday = local_date() - dt.timedelta(days=1)
    resident = User.objects.filter(role=Role.RESIDENT, town=town, community=staff.community)[0]
    rule = PointRule.objects.get(code="event_attendance_hour")
    row = points.points_award(
        resident=resident,
        rule=rule,
        actor=confirming_staff(resident),
        idempotency_key="y-1",
        at=dt.datetime.combine(yesterday, TEN, tzinfo=timezone.get_current_timezone()),
    )
    figures_take(town=town, through_day=yesterday)
    DailyFigure.objects.filter(town=town, day=yesterday).delete()  # as if counted without it
    FiguresMark.objects.filter(town=town).update(
        last_id=row.pk, updated_at=timezone.now() - dt.timedelta(days=1)
    )
    # when: the first run after the day ended
    assert figures_take(town=town, through_day=yesterday)["days"] == 1
    # then: the day is whole again, and a second run changes nothing
    assert DailyFigure.objects.filter(town=town, day=yesterday).exists()
    assert figures_take(town=town, through_day=yesterday)["days"] == 0
    assert _all_figures(admin, staff) == _from_ledger(admin, staff)


def test_the_job_is_registered_and_runs_by_name(seeded):
    # given
    town, _admin, _staff = seeded
    assert registered_jobs()["dashboard.daily_figures"].catch_up is True
    # when
    call_command("run_jobs", "--once", "dashboard.daily_figures")
    # then
    assert FiguresMark.objects.filter(town=town).exists()
