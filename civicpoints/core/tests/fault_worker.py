"""A stream of real awards, exchanges and cancellations, run as its own process by
``test_faults.py`` and killed with SIGKILL part-way (not a test module itself).

Usage: python -m civicpoints.core.tests.fault_worker STAFF_ID OFFER_ID RESIDENT_ID...
The database comes from DATABASE_URL (the test database). Prints one line per
committed operation, flushed, so the parent knows how far it got.
"""

import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpoints.settings")
    import django

    django.setup()
    from civicpoints.accounts.models import User
    from civicpoints.merchants.services import voucher_cancel, voucher_exchange
    from civicpoints.points.services import points_adjust

    staff = User.objects.get(pk=int(argv[0]))
    offer_id = int(argv[1])
    residents = [User.objects.get(pk=int(pk)) for pk in argv[2:]]
    step = 0
    while True:
        for resident in residents:
            step += 1
            points_adjust(
                actor=staff,
                resident=resident,
                points=60,
                reason="fault test award",
                idempotency_key=f"fault-award-{step:08d}",
            )
            print(f"award {step}", flush=True)
            voucher = voucher_exchange(
                resident=resident, offer_id=offer_id, idempotency_key=f"fault-x-{step:08d}"
            )
            print(f"exchange {step}", flush=True)
            if step % 3 == 0:
                voucher_cancel(resident=resident, voucher_id=voucher.pk)
                print(f"cancel {step}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
