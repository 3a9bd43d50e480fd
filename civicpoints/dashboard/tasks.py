"""Tasks of the dashboard: exports of large towns (``core.tasks``)."""

from django_tasks import task


@task()
def build_export(job_id: int) -> str:
    """Build export ``job_id`` (``services.export_build``). A crash leaves it queued
    and the task result failed (visible in the admin); a rerun builds it."""
    from civicpoints.dashboard.services import export_build

    return export_build(job_id=job_id)
