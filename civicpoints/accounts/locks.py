"""The first lock of every change made for one person: their ``User`` row.

The lock order of the whole code base (docs/CONVENTIONS.md, "Lock order"):

    1. the person's ``User`` row  (``lock_person``; several people: by pk)
    2. the domain's row           (Offer, Event, Post, Report, Article …)
    3. the rows under it          (Voucher, SignUp …)
    4. town-wide rows             (SubsidyBudget)
    5. the points account         (inside ``points.services``, always last)

Closing an account (``privacy.services.account_close``) takes the person first
and then every kind of row above; so must every path that acts for a resident
on those rows (exchanging, cancelling, expiring vouchers; signing up,
cancelling, checking in), or the two wait for each other (a deadlock on
PostgreSQL) or the second writes onto a closed account.

The lock is ``FOR NO KEY UPDATE``: it serializes the person's own changes but
not the foreign-key checks (``FOR KEY SHARE``) of rows that merely point at the
person — a notification, a ledger row written by someone else. On SQLite it is
a no-op; IMMEDIATE transactions serialize writers there.
"""

from __future__ import annotations

from civicpoints.accounts.models import User


def lock_person(user: User | int) -> User:
    """Lock and return the fresh ``User`` row of ``user`` (inside the caller's transaction).

    Call it first in the transaction, before any other row lock. Raises
    User.DoesNotExist if the row is gone.
    """
    pk = user.pk if isinstance(user, User) else user
    return User.objects.select_for_update(no_key=True).get(pk=pk)
