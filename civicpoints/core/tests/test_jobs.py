"""The periodic-job registry and its local-time schedule."""

import datetime as dt

import pytest
from apscheduler.triggers.cron import CronTrigger
from django.core.management import CommandError, call_command

from civicpoints.core import jobs
from civicpoints.core.timeutil import town_tz

calls: list[str] = []


@pytest.fixture
def sample_job():
    @jobs.job("test.sample", cron="0 0 * * *")
    def sample():
        calls.append("ran")
        return "ok"

    yield
    jobs._REGISTRY.pop("test.sample", None)
    calls.clear()


def test_once_runs_a_registered_job_and_list_shows_it(sample_job, capsys):
    call_command("run_jobs", "--list")
    assert "test.sample\t0 0 * * *" in capsys.readouterr().out
    call_command("run_jobs", "--once", "test.sample")
    assert calls == ["ran"] and "test.sample: ok" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("run_jobs", "--once", "no.such.job")


def test_local_midnight_is_sixteen_hundred_utc():
    trigger = CronTrigger.from_crontab("0 0 * * *", timezone=town_tz())
    now = dt.datetime(2026, 3, 1, 15, 0, tzinfo=dt.UTC)  # 23:00 local
    fire = trigger.get_next_fire_time(None, now)
    assert fire.astimezone(dt.UTC) == dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)
