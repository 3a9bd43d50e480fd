"""Points expiry reminders a month and a week before, once each (issue 18, item 4)."""

import datetime as dt

from civicpoints.core.jobs import registered_jobs
from civicpoints.notifications.expiry import points_expiry_remind
from civicpoints.notifications.models import Notification, NotificationKind
from civicpoints.points import expiry
from civicpoints.points.models import ExpiryPolicy
from civicpoints.points.tests.test_expiry import earn


def _reminders(person):
    return list(
        Notification.objects.filter(recipient=person, kind=NotificationKind.POINTS_EXPIRING)
        .order_by("pk")
        .values_list("title", flat=True)
    )


def test_month_and_week_reminders_once_each(town, rule):
    # given: alice has 2025 points that expire at the end of 2026-12-31; bob has only 2026's
    earn(town.alice, rule, dt.date(2025, 3, 1))
    earn(town.bob, rule, dt.date(2026, 3, 1))
    ExpiryPolicy.objects.create(
        town=town.town, enabled=True, years_kept=1, first_expiry_on=dt.date(2026, 12, 31)
    )
    # when: the daily job on the days around the reminders, some twice
    sent = [
        points_expiry_remind(today=dt.date(2026, 11, 30)),  # 31 days: too early
        points_expiry_remind(today=dt.date(2026, 12, 1)),  # 30 days: the month's
        points_expiry_remind(today=dt.date(2026, 12, 1)),  # again the same day
        points_expiry_remind(today=dt.date(2026, 12, 15)),  # still the month's window
        points_expiry_remind(today=dt.date(2026, 12, 24)),  # 7 days: the week's
        points_expiry_remind(today=dt.date(2026, 12, 30)),
    ]
    # then
    assert sent == [0, 1, 0, 0, 1, 0]
    assert _reminders(town.alice) == [
        "您有 50 积分将于 2026-12-31 到期",
        "您有 50 积分将于 2026-12-31 到期",
    ]
    assert _reminders(town.bob) == []


def test_no_reminders_while_the_policy_is_off(town, rule):
    earn(town.alice, rule, dt.date(2025, 3, 1))
    assert points_expiry_remind(today=dt.date(2026, 12, 1)) == 0
    assert _reminders(town.alice) == []


def test_the_expiry_row_tells_the_resident(town, rule):
    # given
    earn(town.alice, rule, dt.date(2024, 3, 1))
    ExpiryPolicy.objects.create(
        town=town.town, enabled=True, years_kept=1, first_expiry_on=dt.date(2025, 12, 31)
    )
    # when
    expiry.points_expire_due(today=dt.date(2026, 1, 1))
    # then
    note = Notification.objects.get(recipient=town.alice, kind=NotificationKind.POINTS_EXPIRED)
    assert note.title == "50 积分已过期"
    assert "2024-12-31" in note.body


def test_both_jobs_are_scheduled_nightly():
    jobs = registered_jobs()
    assert jobs["points.expire"].catch_up
    assert jobs["notifications.points_expiry_reminders"].catch_up
