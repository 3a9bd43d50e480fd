"""Fault test: a process writing awards and exchanges is killed with SIGKILL mid-stream.

Every change is one transaction, so whatever the kill interrupts is rolled back by
the database (SQLite's journal/WAL on the next open, PostgreSQL when the connection
drops): no voucher without its spend, no spend without its voucher, balances equal
their ledgers, and the stream can carry on afterwards.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from civicpoints.merchants.models import Offer, Voucher
from civicpoints.merchants.tests.conftest import make_offer
from civicpoints.points.models import PointTransaction, TransactionKind
from civicpoints.points.selectors import reconcile
from civicpoints.points.services import points_adjust

ROOT = Path(__file__).resolve().parents[3]
STOCK = 1000


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    user = s.get("USER") or ""
    auth = f"{user}:{s['PASSWORD']}@" if s.get("PASSWORD") else (f"{user}@" if user else "")
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def _run_and_kill(args: list[str], after_lines: int) -> list[str]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DEBUG": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "civicpoints.core.tests.fault_worker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None  # both piped above
    lines: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while len(lines) < after_lines and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
        assert len(lines) >= after_lines, proc.stderr.read()
        # kill it in the middle of its next transaction
        time.sleep(0.003)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return lines


def _assert_nothing_half_written():
    vouchers = list(Voucher.objects.select_related("spend", "refund"))
    spends = PointTransaction.objects.filter(kind=TransactionKind.SPEND)
    # every voucher has its spend row, of its points, and a cancelled one its refund
    for v in vouchers:
        assert v.spend is not None and v.spend.points == -v.points, v.pk
        assert (v.refund is not None) == (v.status == Voucher.Status.CANCELLED), v.pk
    # every spend row belongs to a voucher
    assert sorted(spends.values_list("pk", flat=True)) == sorted(v.spend_id for v in vouchers)
    # stock moved exactly with the vouchers held
    held = sum(v.status != Voucher.Status.CANCELLED for v in vouchers)
    assert Offer.objects.get().stock == STOCK - held
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_stream_leaves_no_half_written_change(town):
    # given: a plentiful offer and two residents fed by a staff member
    offer = make_offer(town.merchant, stock=STOCK, per_resident_limit=100)
    args = [str(town.admin.pk), str(offer.pk), str(town.alice.pk), str(town.bob.pk)]
    # when: the worker is killed after about 40 committed changes
    lines = _run_and_kill(args, after_lines=40)
    # then: the committed ones are all there, nothing is half-written
    exchanged = sum(line.startswith("exchange") for line in lines)
    assert Voucher.objects.count() >= exchanged > 0
    _assert_nothing_half_written()
    # and after the "restart" the same services carry on cleanly
    points_adjust(
        actor=town.admin,
        resident=town.alice,
        points=5,
        reason="after restart",
        idempotency_key="after-restart-0001",
    )
    _assert_nothing_half_written()
