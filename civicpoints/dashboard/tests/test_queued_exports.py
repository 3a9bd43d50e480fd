"""Exports of a large town go through the task queue (issue 15, item 5)."""

import csv
import io

import pytest
from django.urls import reverse

from civicpoints.accounts.models import Role, User
from civicpoints.dashboard.models import ExportJob, ExportStatus
from civicpoints.dashboard.tests.test_dashboard import seeded  # noqa: F401

Q = {"start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture
def large(settings):
    """Every town counts as large: exports are queued."""
    settings.EXPORT_INLINE_MAX_RESIDENTS = 0


def test_a_large_towns_export_is_queued_then_downloaded(
    client,
    seeded,  # noqa: F811
    large,
    settings,
    django_capture_on_commit_callbacks,
):
    # given: what the inline export gives for a small town
    town, admin, _staff, _result = seeded
    client.force_login(admin)
    url = reverse("dashboard:export", args=["points_by_month", "csv"])
    settings.EXPORT_INLINE_MAX_RESIDENTS = 10**9
    inline = client.get(url, Q).content
    settings.EXPORT_INLINE_MAX_RESIDENTS = 0
    # when: the export of a large town (the task runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.get(url, Q)
    # then: sent to my exports, the file built by the task, the same as inline
    assert resp.status_code == 302 and resp.url == reverse("dashboard:exports")
    job = ExportJob.objects.get()
    assert (job.status, job.requested_by, job.town) == (ExportStatus.READY, admin, town)
    page = client.get(reverse("dashboard:exports")).content.decode()
    download = reverse("dashboard:export_download", args=[job.pk])
    assert download in page
    got = client.get(download)
    assert got.content == inline
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["2026-01", "2026-02", "2026-03"]
    # and nobody else downloads it
    other = User.objects.filter(role=Role.COMMUNITY_STAFF, town=town).first()
    client.force_login(other)
    assert client.get(download).status_code == 404


def test_a_repeated_request_queues_one_export(
    client,
    seeded,  # noqa: F811
    large,
    settings,
):
    # given: the durable queue, no worker running yet
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _town, admin, _staff, _result = seeded
    client.force_login(admin)
    url = reverse("dashboard:export", args=["points_by_month", "xlsx"])
    # when: asked twice (a reload)
    client.get(url, Q)
    client.get(url, Q)
    # then
    assert ExportJob.objects.filter(status=ExportStatus.QUEUED).count() == 1


def test_an_unknown_table_fails_visibly(client, seeded, large, django_capture_on_commit_callbacks):  # noqa: F811
    _town, admin, _staff, _result = seeded
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("dashboard:export", args=["nope", "csv"]), Q)
    job = ExportJob.objects.get()
    assert (job.status, job.error) == (ExportStatus.FAILED, "unknown_table")
    assert "nope.csv" in client.get(reverse("dashboard:exports")).content.decode()
