"""``seed_town`` builds logins with the published demo password: never on a production
database by accident."""

import pytest
from django.core.management import CommandError, call_command

from civicpoints.accounts.models import Town, User
from civicpoints.rankings.models import RankingSnapshot, SnapshotRun


@pytest.mark.django_db
def test_seed_town_refuses_with_debug_off_and_writes_nothing(settings):
    # given a deployment's settings
    settings.DEBUG = False
    # when / then
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_town", "--scale", "0.002", "--quiet")
    assert not Town.objects.exists()
    assert not User.objects.filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_seed_town_runs_with_debug_off_only_when_explicitly_allowed(settings):
    # given
    settings.DEBUG = False
    # when
    call_command("seed_town", "--scale", "0.002", "--quiet", "--allow-production-demo")
    # then the demo town and its resident login are there (the database was empty)
    assert Town.objects.exists()
    assert User.objects.filter(mobile="13800000001").exists()


@pytest.mark.django_db
def test_seed_town_runs_with_debug_on_as_make_run_sets_it(settings):
    # given make run's DEBUG=1
    settings.DEBUG = True
    # when
    call_command("seed_town", "--scale", "0.002", "--quiet", "--if-empty")
    # then the demo town and its resident login are there (the database was empty)
    assert Town.objects.exists()
    assert User.objects.filter(mobile="13800000001").exists()


@pytest.mark.django_db
def test_seed_town_takes_as_many_ranking_days_as_asked(settings):
    # given make run's DEBUG=1
    settings.DEBUG = True
    # when: a small town with a week of rankings instead of the default month
    call_command("seed_town", "--scale", "0.002", "--quiet", "--snapshot-days", "7")
    # then
    assert SnapshotRun.objects.count() == 7
    assert RankingSnapshot.objects.values("day").distinct().count() == 7


@pytest.mark.django_db
def test_seed_town_refuses_a_negative_snapshot_days_and_writes_nothing(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--snapshot-days"):
        call_command("seed_town", "--scale", "0.002", "--quiet", "--snapshot-days", "-1")
    assert not Town.objects.exists()
