"""Real threads on PostgreSQL: concurrent rule changes serialize into ordered versions
with no lost update, and an award racing a change uses exactly one version."""

import pytest
from django.db import connection

from civicpoints.points import services
from civicpoints.points.governance import rule_change
from civicpoints.points.models import PointRule, PointTransaction, RuleVersion
from civicpoints.points.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_changes_of_one_rule_make_two_ordered_versions_and_lose_nothing(town, rule):
    # given: two admins of the town, each changing a different field of the patrol rule
    from civicpoints.accounts.models import Role, User

    second = User.objects.create_user(
        "15000000099", town.password, nickname="admin2", role=Role.TOWN_ADMIN, town=town.town
    )
    edits = [
        (town.admin, {"points": 70}, "多给积分"),
        (second, {"daily_limit": 2}, "每日上限"),
    ]
    # when: both save at the same instant
    results = run_threads(
        2,
        lambda i: rule_change(
            actor=edits[i][0], rule_id=rule.pk, changes=edits[i][1], reason=edits[i][2]
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    # then: versions 2 and 3, in commit order, and the last holds both changes
    versions = list(RuleVersion.objects.filter(rule=rule).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[1].created_at <= versions[2].created_at
    assert (versions[2].points, versions[2].daily_limit) == (70, 2)
    fresh = PointRule.objects.get(pk=rule.pk)
    assert (fresh.points, fresh.daily_limit) == (70, 2)


@pytest.mark.django_db(transaction=True)
def test_an_award_racing_a_change_uses_exactly_one_version(town, catalog):
    # given: an uncapped rule (10 points an hour of attendance)
    rule = PointRule.objects.get(code="event_attendance_hour", town=town.town)
    for n in range(8):
        points = 11 + n  # each round a new value: 11, 12, …

        def act(i, n=n, points=points):
            if i == 0:
                return rule_change(
                    actor=town.admin, rule_id=rule.pk, changes={"points": points}, reason=f"r{n}"
                )
            return services.points_award(
                actor=town.staff_a, resident=town.alice, rule=rule, idempotency_key=f"race-{n}"
            )

        # when: a change and an award start together
        version, row = run_threads(2, act)
        assert not isinstance(version, Exception), version
        assert not isinstance(row, Exception), row
        # then: the row's points are those of the one version it names, the old or the new
        assert row.rule_version_id is not None
        used = RuleVersion.objects.get(pk=row.rule_version_id)
        assert row.points == used.points
        assert used.number in (version.number - 1, version.number)
    # every row agrees with its version, and the ledger still reconciles
    for tx in PointTransaction.objects.filter(rule=rule).select_related("rule_version"):
        assert tx.points == tx.rule_version.points
    from civicpoints.points.selectors import reconcile

    assert reconcile() == []
