"""Invariants under any interleaving: a Hypothesis state machine drives random
sequences of awards, spends, reversals, adjustments, exchanges, cancellations,
redemptions, expiries and account closures for a handful of residents, through the
real services, and after every step checks (DESIGN "Invariants" 1, 2, 3, 5):

- each balance equals the sum of its ledger rows (and ``reconcile()`` agrees);
- no balance is negative;
- a repeated request (same key or same voucher) returns the first result and changes
  nothing at all;
- stock and vouchers agree: an offer's stock is its initial stock less its vouchers
  that are issued, redeemed or expired (a cancellation puts one back), every voucher
  has its spend, and exactly the cancelled and expired ones have a refund that
  reverses it.

Each example runs inside a savepoint rolled back at its end. The suite's profile
(``HYPOTHESIS_PROFILE`` unset or ``ci``) keeps it to well under a minute; set
``HYPOTHESIS_PROFILE=thorough`` for a long search (many more and longer runs).
"""

import datetime as dt
import itertools
import os

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from civicpoints.accounts.models import User
from civicpoints.accounts.services import resident_register
from civicpoints.core.errors import DomainError
from civicpoints.core.timeutil import local_date
from civicpoints.merchants.models import Offer, Voucher
from civicpoints.merchants.services import (
    offer_create,
    voucher_cancel,
    voucher_exchange,
    voucher_redeem,
    vouchers_expire,
)
from civicpoints.points.models import PointAccount, PointTransaction, TransactionKind
from civicpoints.points.selectors import reconcile
from civicpoints.points.services import (
    points_adjust,
    points_award,
    points_reverse,
    points_spend,
    rule_get,
)
from civicpoints.privacy.services import account_close

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("STATEFUL_EXAMPLES", "20")),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough",
    max_examples=500,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

RULES = ["voluntary_patrol", "sanitation_drive", "article_reading", "helping_neighbour"]
STOCK = 4


def _snapshot():
    """Everything a repeated request must leave exactly as it was."""
    return (
        sorted(PointAccount.objects.values_list("resident_id", "balance", "lifetime_earned")),
        PointTransaction.objects.count(),
        sorted(Offer.objects.values_list("pk", "stock")),
        sorted(Voucher.objects.values_list("pk", "status", "spend_id", "refund_id")),
    )


def _machine(town):
    """The state machine class, bound to the ``town`` personas of one test."""
    keys = itertools.count(1)
    people = [town.alice, town.bob, town.dave, town.erin]

    class Ledger(RuleBasedStateMachine):
        rows = Bundle("rows")  # award and adjustment rows a staff member may reverse
        vouchers = Bundle("vouchers")

        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()
            today = local_date()
            self.offers = [
                offer_create(  # ends today: expiry (run "tomorrow") refunds its vouchers
                    actor=town.merchant,
                    title="Short",
                    price_fen=3000,
                    discount_fen=500,
                    points_cost=30,
                    stock=STOCK,
                    per_resident_limit=2,
                    valid_from=today,
                    valid_until=today,
                ),
                offer_create(
                    actor=town.merchant,
                    title="Long",
                    price_fen=5000,
                    discount_fen=800,
                    points_cost=45,
                    stock=STOCK,
                    per_resident_limit=2,
                    valid_from=today,
                    valid_until=today + dt.timedelta(days=30),
                ),
            ]

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def _fresh(self, i):
            return User.objects.get(pk=people[i].pk)

        def _twice(self, call):
            """Run ``call``; if it succeeded, run it again and require that the repeat
            returns the same object and changes nothing."""
            try:
                first = call()
            except DomainError:
                return None
            before = _snapshot()
            again = call()
            assert again.pk == first.pk
            assert _snapshot() == before, "a repeated request changed something"
            return first

        # --- the ledger -----------------------------------------------------------

        @rule(
            target=rows,
            who=st.integers(0, 3),
            code=st.sampled_from(RULES),
            days_ago=st.integers(0, 3),
        )
        def award(self, who, code, days_ago):
            resident = self._fresh(who)
            key = f"award-{next(keys)}"
            at = timezone.now() - dt.timedelta(days=days_ago)
            return self._twice(
                lambda: points_award(
                    actor=town.admin,
                    resident=resident,
                    rule=rule_get(code, town_id=town.town.pk),
                    idempotency_key=key,
                    at=at,
                )
            )

        @rule(who=st.integers(0, 3), points=st.integers(1, 120))
        def spend(self, who, points):
            resident = self._fresh(who)
            key = f"spend-{next(keys)}"
            self._twice(lambda: points_spend(resident=resident, points=points, idempotency_key=key))

        @rule(
            target=rows,
            who=st.integers(0, 3),
            points=st.integers(-80, 150).filter(lambda p: p != 0),
        )
        def adjust(self, who, points):
            resident = self._fresh(who)
            key = f"adjust-{next(keys)}"
            return self._twice(
                lambda: points_adjust(
                    actor=town.admin,
                    resident=resident,
                    points=points,
                    reason="stateful test",
                    idempotency_key=key,
                )
            )

        @rule(row=rows)
        def reverse(self, row):
            if row is None:
                return
            original = PointTransaction.objects.get(pk=row.pk)
            self._twice(lambda: points_reverse(original=original, memo="taken back"))

        # --- the merchant alliance -------------------------------------------------

        @rule(target=vouchers, who=st.integers(0, 3), which=st.integers(0, 1))
        def exchange(self, who, which):
            resident = self._fresh(who)
            key = f"exchange-{next(keys):08d}"
            offer_id = self.offers[which].pk
            return self._twice(
                lambda: voucher_exchange(resident=resident, offer_id=offer_id, idempotency_key=key)
            )

        @rule(voucher=vouchers)
        def cancel(self, voucher):
            if voucher is None:
                return
            resident = User.objects.get(pk=voucher.resident_id)
            self._twice(lambda: voucher_cancel(resident=resident, voucher_id=voucher.pk))

        @rule(voucher=consumes(vouchers))
        def redeem(self, voucher):
            if voucher is None:
                return
            code = Voucher.objects.get(pk=voucher.pk).code
            try:
                voucher_redeem(actor=town.merchant, code=code)
            except DomainError:
                return
            before = _snapshot()
            with pytest.raises(DomainError):  # a second scan is refused, nothing changes
                voucher_redeem(actor=town.merchant, code=code)
            assert _snapshot() == before

        @rule()
        def expire(self):
            tomorrow = local_date() + dt.timedelta(days=1)
            vouchers_expire(today=tomorrow)
            before = _snapshot()
            assert vouchers_expire(today=tomorrow) == 0
            assert _snapshot() == before

        @precondition(lambda self: User.objects.filter(is_active=True, role="resident").exists())
        @rule(who=st.integers(0, 3))
        def close(self, who):
            resident = self._fresh(who)
            if not resident.is_active:
                return
            account_close(user=resident, password=town.password)
            before = _snapshot()
            account_close(user=User.objects.get(pk=resident.pk), password=town.password)
            assert _snapshot() == before

        # --- after every step --------------------------------------------------------

        @invariant()
        def balances_are_the_sum_of_their_rows_and_never_negative(self):
            sums = dict(
                PointTransaction.objects.values("resident_id")
                .annotate(total=Sum("points"))
                .values_list("resident_id", "total")
            )
            for resident_id, balance in PointAccount.objects.values_list("resident_id", "balance"):
                assert balance == sums.get(resident_id, 0)
                assert balance >= 0
            assert reconcile() == []

        @invariant()
        def stock_and_vouchers_agree(self):
            for offer in Offer.objects.all():
                held = offer.vouchers.filter(
                    status__in=[
                        Voucher.Status.ISSUED,
                        Voucher.Status.REDEEMED,
                        Voucher.Status.EXPIRED,
                    ]
                ).count()
                assert offer.stock == STOCK - held >= 0
            for v in Voucher.objects.select_related("spend", "refund"):
                assert v.spend is not None
                assert (v.spend.kind, v.spend.points, v.spend.resident_id) == (
                    TransactionKind.SPEND,
                    -v.points,
                    v.resident_id,
                )
                refunded = v.status in (Voucher.Status.CANCELLED, Voucher.Status.EXPIRED)
                assert (v.refund is not None) == refunded
                if refunded:
                    assert (v.refund.reverses_id, v.refund.points) == (v.spend.pk, v.points)
                else:
                    assert not PointTransaction.objects.filter(reverses=v.spend).exists()

    return Ledger


@pytest.fixture
def residents(town, catalog):
    town.dave = resident_register(
        mobile="13600136004", nickname="Dave", password=town.password, community=town.a
    )
    town.erin = resident_register(
        mobile="13500135005", nickname="Erin", password=town.password, community=town.b
    )
    return town


def test_ledger_and_vouchers_keep_their_invariants_under_any_interleaving(residents):
    run_state_machine_as_test(_machine(residents), settings=PROFILE)
