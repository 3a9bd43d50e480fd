"""manage.py backup / restore: a round trip leaves the ledger as it was, reconciled."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from civicpoints.merchants.tests.conftest import fund
from civicpoints.points.models import PointTransaction
from civicpoints.points.selectors import reconcile

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite online backup; PostgreSQL uses pg_dump"
)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_the_ledger_and_reconciles(town, tmp_path, capsys):
    # given: alice funded, then a backup
    fund(town, town.alice, 120)
    target = tmp_path / "snap.sqlite3"
    call_command("backup", str(target))
    rows_at_backup = list(PointTransaction.objects.values_list("pk", "resident_id", "points"))
    # when: bob is funded after the backup, then the backup is restored
    fund(town, town.bob, 80)
    assert PointTransaction.objects.count() == len(rows_at_backup) + 1
    call_command("restore", str(target), "--yes")
    # then: exactly the ledger of the backup, balances agree with it
    assert list(PointTransaction.objects.values_list("pk", "resident_id", "points")) == (
        rows_at_backup
    )
    town.bob.point_account.refresh_from_db()
    assert town.bob.point_account.balance == 0
    assert reconcile() == []
    assert "accounts clean" in capsys.readouterr().out


@sqlite_only
def test_backup_refuses_to_overwrite_and_restore_refuses_junk(tmp_path):
    # given
    existing = tmp_path / "there.sqlite3"
    existing.write_bytes(b"not a database")
    # when / then
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(existing))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(existing))
    with pytest.raises(CommandError):
        call_command("restore", str(existing), "--yes")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL answer")
def test_on_postgresql_backup_points_to_pg_dump(tmp_path):
    with pytest.raises(CommandError, match="pg_dump"):
        call_command("backup", str(tmp_path / "x"))
