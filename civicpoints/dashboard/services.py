"""Dashboard state changes: queued exports of large towns' tables (ask, build in the
worker), and keeping the pre-aggregated daily figures (``models``) up to date.

Only the nightly job writes the figures tables (``dashboard.daily_figures``); the
dashboard reads them together with the ledger rows they do not cover yet, so a
figure never depends on whether the job has run.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from civicpoints.accounts.models import Town, User
from civicpoints.core.metrics import MetricContext
from civicpoints.core.tasks import enqueue_on_commit
from civicpoints.core.timeutil import local_date, town_today
from civicpoints.dashboard import selectors
from civicpoints.dashboard.exports import table_csv, table_xlsx
from civicpoints.dashboard.models import ExportJob, ExportStatus, FiguresMark
from civicpoints.dashboard.providers import GOOD_DEED_RULE
from civicpoints.points.models import PointTransaction, RuleCategory

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
        town_id=job.town_id,
        community_id=job.community_id,
        start=job.start,
        end=job.end,
        time_zone=Town.objects.values_list("time_zone", flat=True).get(pk=job.town_id),
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


_FIGURES_SQL = """
INSERT INTO dashboard_dailyfigure (
    town_id, community_id, day, issued_family_neighbourhood, issued_governance_virtue,
    issued_community_construction, issued_other, spent, deeds)
SELECT t.town_id, u.community_id, t.local_date,
    SUM(CASE WHEN t.counts_as_earned AND r.category = %s THEN t.points ELSE 0 END),
    SUM(CASE WHEN t.counts_as_earned AND r.category = %s THEN t.points ELSE 0 END),
    SUM(CASE WHEN t.counts_as_earned AND r.category = %s THEN t.points ELSE 0 END),
    SUM(CASE WHEN t.counts_as_earned AND t.rule_id IS NULL THEN t.points ELSE 0 END),
    SUM(CASE WHEN t.counts_as_earned THEN 0 ELSE -t.points END),
    SUM(CASE WHEN r.code = %s AND t.kind = 'award' THEN 1
             WHEN r.code = %s AND t.kind = 'reversal' THEN -1 ELSE 0 END)
FROM points_pointtransaction t
JOIN accounts_user u ON u.id = t.resident_id
LEFT JOIN points_pointrule r ON r.id = t.rule_id
WHERE t.town_id = %s AND t.local_date BETWEEN %s AND %s AND t.id <= %s
GROUP BY t.town_id, u.community_id, t.local_date
"""

# Per resident, the last days of the rows counted now (new since the last run by
# id, or of days after the last run's through_day), merged with what is already
# there (a later day wins; NULL means "never earned").
_ACTIVITY_SQL = """
INSERT INTO dashboard_residentactivity (
    resident_id, town_id, community_id, last_active_on, last_earned_on)
SELECT t.resident_id, t.town_id, u.community_id, MAX(t.local_date),
    MAX(CASE WHEN t.counts_as_earned THEN t.local_date END)
FROM points_pointtransaction t
JOIN accounts_user u ON u.id = t.resident_id
WHERE t.town_id = %s AND (t.id > %s OR t.local_date > %s)
    AND t.id <= %s AND t.local_date <= %s
GROUP BY t.resident_id, t.town_id, u.community_id
ON CONFLICT (resident_id) DO UPDATE SET
    town_id = excluded.town_id,
    community_id = excluded.community_id,
    last_active_on = {greatest}(dashboard_residentactivity.last_active_on,
                                excluded.last_active_on),
    last_earned_on = COALESCE({greatest}(dashboard_residentactivity.last_earned_on,
                                         excluded.last_earned_on),
                              dashboard_residentactivity.last_earned_on,
                              excluded.last_earned_on)
"""


def _greatest() -> str:
    return "GREATEST" if connection.vendor == "postgresql" else "MAX"


#: Rows younger than this are left to the live part by a count of today: a row
#: whose transaction is still open may carry a lower id than one already committed.
FIGURES_SETTLE_SECONDS = 120


def figures_take(*, town: Town, through_day: dt.date) -> dict:
    """Count the town's ledger into the daily figures up to ``through_day`` (a local date).

    Counts the rows not counted before — days after the town's mark, and any
    row written since the last run for an earlier day (a backfill or import) —
    replacing the whole of each touched day, in one transaction. Running it
    twice changes nothing.

    ``through_day`` may be today (the ``dashboard.figures_today`` job, every
    few minutes): then only rows older than ``FIGURES_SETTLE_SECONDS`` are
    counted and the newer ones stay live, so the staff dashboard reads the
    pre-aggregated figures plus a few minutes of ledger rows (issue 17). A day
    counted while it was still running is counted again, whole, by the first
    run after it ended (the nightly job), which heals a row whose transaction
    outlived the settling time.

    Returns:
        ``{"days": number of days (re)counted, "rows": ledger rows newly counted}``.

    Raises:
        ValueError: when ``through_day`` is after today.
    """
    today = town_today(town)
    if through_day > today:
        raise ValueError("the daily figures count days up to today")
    with transaction.atomic():
        mark = FiguresMark.objects.select_for_update().filter(town=town).first()
        last_id = mark.last_id if mark else 0
        last_day = mark.through_day if mark else None
        newer = PointTransaction.objects.filter(id__gt=last_id)
        if through_day == today:
            newer = newer.filter(
                created_at__lt=timezone.now() - dt.timedelta(seconds=FIGURES_SETTLE_SECONDS)
            )
        # The newest row of any town (walking the primary key down, past the
        # unsettled ones): every row up to it has been looked at, so the mark
        # moves there even when this town wrote nothing. The live part of the
        # dashboard then reads only rows written since the last run, never
        # everything other towns wrote since this town's last row.
        new_last_id = newer.order_by("-id").values_list("id", flat=True).first() or last_id
        fresh = PointTransaction.objects.filter(town=town, id__gt=last_id, id__lte=new_last_id)
        span = fresh.filter(local_date__lte=through_day).aggregate(
            lo=Min("local_date"), hi=Max("local_date")
        )
        start = span["lo"]
        if last_day is not None and last_day < through_day:
            first_new = last_day + dt.timedelta(days=1)
            start = min(start, first_new) if start else first_new
        if (
            mark is not None
            and last_day is not None
            and last_day < today
            and last_day <= through_day
            and local_date(mark.updated_at, town) <= last_day
        ):
            # the mark's day was counted while it ran: count it again, whole, now it is over
            start = min(start, last_day) if start else last_day
        days = 0
        if start is not None:
            # every day from the earliest touched one is recounted from the ledger (a
            # backfill touches a run of days; the nightly run, one day)
            _delete_days(town.pk, start, through_day)
            params = [
                RuleCategory.FAMILY_NEIGHBOURHOOD,
                RuleCategory.GOVERNANCE_VIRTUE,
                RuleCategory.COMMUNITY_CONSTRUCTION,
                GOOD_DEED_RULE,
                GOOD_DEED_RULE,
                town.pk,
                start,
                through_day,
                new_last_id,
            ]
            with connection.cursor() as cur:
                cur.execute(_FIGURES_SQL, params)
                cur.execute(
                    _ACTIVITY_SQL.format(greatest=_greatest()),
                    [town.pk, last_id, last_day or dt.date.min, new_last_id, through_day],
                )
            days = (through_day - start).days + 1
        # rows of days after through_day, counted by id now, are still "live" by date
        FiguresMark.objects.update_or_create(
            town=town,
            defaults={
                "through_day": max(through_day, last_day or through_day),
                "last_id": new_last_id,
            },
        )
    return {"days": days, "rows": fresh.filter(local_date__lte=through_day).count()}


def _delete_days(town_id: int, start: dt.date, end: dt.date) -> None:
    from civicpoints.dashboard.models import DailyFigure

    DailyFigure.objects.filter(town_id=town_id, day__range=(start, end)).delete()


def figures_today() -> str:
    """The ``dashboard.figures_today`` job: count every town's settled rows of today.

    Returns:
        A one-line summary for the job log.
    """
    done = []
    for town in Town.objects.order_by("pk"):
        got = figures_take(town=town, through_day=town_today(town))  # the town's own today
        done.append(f"{town.code}: {got['rows']} row(s)")
    return "today's figures: " + ("; ".join(done) or "no towns")


def figures_catch_up(*, today: dt.date | None = None) -> str:
    """The ``dashboard.daily_figures`` job: count every town's ledger through yesterday.

    Returns:
        A one-line summary for the job log.
    """
    done = []
    for town in Town.objects.order_by("pk"):
        # each town's own yesterday (its zone turns the day at its own instant)
        yesterday = (today or town_today(town)) - dt.timedelta(days=1)
        got = figures_take(town=town, through_day=yesterday)
        done.append(f"{town.code}: {got['days']} day(s), {got['rows']} row(s)")
    return "daily figures: " + ("; ".join(done) or "no towns")
