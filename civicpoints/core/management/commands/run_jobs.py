import logging
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.core.management.base import BaseCommand, CommandError

from civicpoints.core.jobs import Job, registered_jobs
from civicpoints.core.timeutil import town_tz

log = logging.getLogger("civicpoints.jobs")


class Command(BaseCommand):
    help = (
        "Run the periodic jobs on their local-time schedules (blocking), or one job now "
        "with --once NAME, or list them with --list."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", metavar="NAME", help="Run job NAME now and exit.")
        parser.add_argument("--list", action="store_true", help="List jobs and exit.")

    def handle(  # noqa: A002
        self, *args: Any, once: str | None = None, list: bool = False, **options: Any
    ) -> None:
        jobs = registered_jobs()
        if list:
            for j in jobs.values():
                flag = " (catches up at start)" if j.catch_up else ""
                self.stdout.write(f"{j.name}\t{j.cron}{flag}")
            return
        if once:
            if once not in jobs:
                raise CommandError(f"no job named {once!r}; see --list")
            self.stdout.write(f"{once}: {jobs[once].func()}")
            return
        tz = town_tz()
        scheduler = BlockingScheduler(timezone=tz)
        for j in jobs.values():
            scheduler.add_job(
                _logged(j),
                CronTrigger.from_crontab(j.cron, timezone=tz),
                id=j.name,
                name=j.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=3600,
            )
            if j.catch_up:
                _logged(j)()
        self.stdout.write(f"run_jobs: {len(jobs)} job(s) scheduled in {tz.key}")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            scheduler.shutdown(wait=False)


def _logged(j: Job) -> Callable[[], None]:
    def run() -> None:
        try:
            log.info("job %s: %s", j.name, j.func())
        except Exception:  # noqa: BLE001 - a failing job must not stop the scheduler
            log.exception("job %s failed", j.name)

    run.__name__ = j.name
    return run
