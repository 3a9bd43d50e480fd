"""Queued exports of dashboard tables (large towns): ask, build in the worker."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from civicpoints.accounts.models import User
from civicpoints.core.metrics import MetricContext
from civicpoints.core.tasks import enqueue_on_commit
from civicpoints.dashboard import selectors
from civicpoints.dashboard.exports import table_csv, table_xlsx
from civicpoints.dashboard.models import ExportJob, ExportStatus

log = logging.getLogger("civicpoints.dashboard")


@transaction.atomic
def export_request(*, actor: User, key: str, fmt: str, ctx: MetricContext) -> ExportJob:
    """Queue the export of table ``key`` as ``fmt`` (csv/xlsx) for ``ctx`` (already
    scoped to ``actor`` by ``selectors.dashboard_context``); the task is enqueued
    after commit. The same export still queued for ``actor`` is returned instead of
    a second one (a reload or double click queues once)."""
    from civicpoints.dashboard.tasks import build_export

    existing = ExportJob.objects.filter(
        requested_by=actor,
        key=key,
        fmt=fmt,
        start=ctx.start,
        end=ctx.end,
        community_id=ctx.community_id,
        status=ExportStatus.QUEUED,
    ).first()
    if existing is not None:
        return existing
    job = ExportJob.objects.create(
        town_id=ctx.town_id,
        requested_by=actor,
        key=key,
        fmt=fmt,
        start=ctx.start,
        end=ctx.end,
        community_id=ctx.community_id,
    )
    enqueue_on_commit(build_export, job.pk)
    return job


def export_build(*, job_id: int) -> str:
    """Build the file of export ``job_id`` (the worker): computes the dashboard for
    its range and scope, writes the table's file and marks it ready — or failed with
    the error's class name when the table does not exist. Idempotent: a ready or
    failed export is left alone. Returns the new status."""
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status != ExportStatus.QUEUED:
        return job.status
    ctx = MetricContext(
        town_id=job.town_id, community_id=job.community_id, start=job.start, end=job.end
    )
    _figures, tables = selectors.dashboard_figures(ctx)
    table = next((t for t in tables if t.key == job.key), None)
    updates: dict[str, object] = {"finished_at": timezone.now()}
    if table is None:
        updates |= {"status": ExportStatus.FAILED, "error": "unknown_table"}
    else:
        content = table_csv(table) if job.fmt == "csv" else table_xlsx(table)
        updates |= {
            "status": ExportStatus.READY,
            "content": content,
            "file_name": f"{job.key}_{job.start:%Y%m%d}-{job.end:%Y%m%d}.{job.fmt}",
        }
    ExportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).update(**updates)
    log.info("export %s: %s", job.pk, updates["status"])
    return str(updates["status"])
