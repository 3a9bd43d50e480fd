"""Real threads on PostgreSQL: two people pressing "continue the import" at once (or a
script and a double click) import every batch once and count it once."""

import pytest
from django.db import connection

from civicpoints.accounts.models import ImportJob, User
from civicpoints.accounts.services import import_job_create, import_job_step
from civicpoints.accounts.services import imports as imports_module
from civicpoints.points.models import PointAccount
from civicpoints.points.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.mark.django_db(transaction=True)
def test_racing_steps_import_each_batch_once(town, monkeypatch):
    # given: 40 rows in batches of 10
    monkeypatch.setattr(imports_module, "BATCH", 10)
    lines = "\n".join(f"1360000{i:04d},居民{i},,融城社区,,{i // 2}号,是" for i in range(40))
    data = ("手机号,昵称,姓名,社区,网格,户,户主\n" + lines + "\n").encode()
    job = import_job_create(actor=town.admin, data=data, filename="race.csv")

    # when: 8 threads keep stepping until the job is done
    def keep_stepping(_i: int) -> int:
        steps = 0
        current = ImportJob.objects.get(pk=job.pk)
        while current.status != ImportJob.Status.DONE:
            current = import_job_step(actor=town.admin, job_id=job.pk)
            steps += 1
        return steps

    results = run_threads(8, keep_stepping)

    # then
    assert all(not isinstance(r, Exception) for r in results), results
    job.refresh_from_db()
    assert (job.done, job.status) == (40, ImportJob.Status.DONE)
    assert job.counts["imported"] == {"create": 40, "update": 0, "unchanged": 0, "refuse": 0}
    imported = User.objects.filter(mobile__startswith="1360000")
    assert imported.count() == 40
    assert PointAccount.objects.filter(resident__in=imported).count() == 40
