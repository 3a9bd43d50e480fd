"""Real threads on PostgreSQL: clearing a flag while an award is being held for it.

The race (issue 19): ``award_or_hold`` reads "the flag is open" and is about to
write a ``HeldAward``; at that moment staff clear the flag, whose transaction
looks for held awards, finds none (the new one is not committed yet) and
commits. Without a lock the award then stays held for good with no open flag.
Both paths now meet on row locks (docs/CONVENTIONS.md, "Lock order"): the clear
locks the flag's subject row, then the flag; ``award_or_hold`` locks the open
flags it reads. These tests race the two many times, with the award's
transaction kept open a little (work after the award, as ``post_approve``
does) and the clear started a little before, at or after the award's read.
"""

import time

import pytest
from django.db import connection, transaction
from django.db.models import Q

from civicpoints.integrity import services
from civicpoints.integrity.models import Flag, FlagKind, FlagStatus, HeldAward, HeldStatus
from civicpoints.points.models import PointRule
from civicpoints.points.tests.test_concurrency import run_threads
from civicpoints.posts import services as post_services

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

ROUNDS = 24


def stranded() -> list[HeldAward]:
    """Held awards with no open flag on their subject nor on their ``also`` thing."""
    out = []
    for h in HeldAward.objects.filter(status=HeldStatus.HELD):
        where = Q(subject_type_id=h.subject_type_id, subject_id=h.subject_id)
        if h.also_type_id is not None:
            where |= Q(subject_type_id=h.also_type_id, subject_id=h.also_id)
        if not Flag.objects.filter(where, status=FlagStatus.OPEN).exists():
            out.append(h)
    return out


def flagged(town, make_post):
    post = make_post(town.alice, title="Swept the stairwell")
    flag = services.flag_raise(
        kind=FlagKind.PHOTO_REPEAT,
        subject=post,
        town_id=town.alice.town_id,
        community_id=post.community_id,
        resident=town.alice,
        reason="repeat",
        evidence={"test": True},
    )
    assert flag is not None
    return post, flag


def race(award, clear, round_no: int) -> list[object]:
    """Run ``award`` and ``clear`` on two threads; the clear starts 0, 5, 10, 50 or
    100 ms later (the later ones land after the hold even on a loaded machine, so both
    orders happen)."""
    delay = (0.0, 0.005, 0.01, 0.05, 0.1)[round_no % 5]

    def target(i: int) -> object:
        if i == 0:
            return award()
        time.sleep(delay)
        return clear()

    return run_threads(2, target)


@pytest.mark.django_db(transaction=True)
def test_clearing_while_a_direct_caller_holds_leaves_no_award_stranded(town, make_post, rule):
    # given: a caller that does not lock the subject itself (award_or_hold locks the flags)
    PointRule.objects.filter(pk=rule.pk).update(daily_limit=None, period=None, period_limit=None)
    rule.refresh_from_db()
    for n in range(ROUNDS):
        post, flag = flagged(town, make_post)

        def award(post=post, n=n) -> object:
            with transaction.atomic():
                row = services.award_or_hold(
                    subject=post,
                    resident=town.alice,
                    rule=rule,
                    idempotency_key=f"race-{n}",
                    actor=town.staff_a,
                )
                time.sleep(0.02)  # more work before the commit
                return row

        def clear(flag=flag) -> object:
            return services.flag_clear(actor=town.staff_a, flag=flag, why="not a copy")

        # when
        results = race(award, clear, n)
        # then: no errors (no deadlock), the flag is cleared, nothing left held
        assert not [r for r in results if isinstance(r, Exception)], results
        assert Flag.objects.get(pk=flag.pk).status == FlagStatus.CLEARED
        assert stranded() == [], f"round {n}"
    assert HeldAward.objects.filter(status=HeldStatus.ISSUED).exists()  # both orders were hit


@pytest.mark.django_db(transaction=True)
def test_clearing_while_a_post_is_approved_leaves_no_award_stranded(town, make_post):
    # given: the real service pair (post_approve locks the post; so does the clear)
    for n in range(ROUNDS):
        post, flag = flagged(town, make_post)

        def award(post=post) -> object:
            with transaction.atomic():
                approved = post_services.post_approve(actor=town.staff_a, post=post)
                time.sleep(0.02)
                return approved

        def clear(flag=flag) -> object:
            return services.flag_clear(actor=town.staff_a, flag=flag, why="not a copy")

        # when
        results = race(award, clear, n)
        # then
        assert not [r for r in results if isinstance(r, Exception)], results
        assert stranded() == [], f"round {n}"
    assert HeldAward.objects.filter(status=HeldStatus.ISSUED).exists()
