"""Reads for reports: one case for a viewer, my reports, the staff queue."""

from __future__ import annotations

from django.db.models import QuerySet

from civicpoints.accounts.models import User
from civicpoints.accounts.scope import covers, residents_in_scope
from civicpoints.core.errors import NotFound
from civicpoints.reports.models import CaseStatus, Report, ReportCategory


def report_for_viewer(viewer: User, report_id: int) -> Report:
    """The report if ``viewer`` is its reporter, its assignee or staff covering the reporter.

    Raises: NotFound (otherwise; indistinguishable from missing).
    """
    try:
        report = (
            Report.objects.for_town(viewer.town_id)
            .select_related("reporter", "category", "assignee", "community", "published_post")
            .get(pk=int(report_id))
        )
    except (Report.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if viewer.pk in (report.reporter_id, report.assignee_id):
        return report
    if viewer.is_community_staff and covers(viewer, report.reporter):
        return report
    raise NotFound()


def categories_active(viewer: User | None = None) -> QuerySet[ReportCategory]:
    """Active report categories of ``viewer``'s town (each town has its own); a visitor
    gets every town's (``TownScopedQuerySet.for_viewer``)."""
    return ReportCategory.objects.for_viewer(viewer).filter(is_active=True)


def my_reports(user: User) -> QuerySet[Report]:
    return (
        Report.objects.for_town(user.town_id)
        .filter(reporter=user)
        .select_related("category")
        .order_by("-created_at")
    )


def staff_queue(actor: User, *, status: str | None = None) -> QuerySet[Report]:
    """Cases of residents in ``actor``'s scope, oldest first; open ones unless ``status`` is given.

    Each report has ``.age`` (timedelta) and ``.is_overdue`` (open and older
    than ``reports.models.OVERDUE_AFTER``, 3 days).
    """
    qs = (
        Report.objects.for_town(actor.town_id)
        .filter(reporter__in=residents_in_scope(actor))
        .select_related("category", "assignee", "community")
    )
    qs = qs.filter(status=status) if status in CaseStatus.values else qs.open()
    return qs.order_by("created_at", "pk")


def assigned_to(user: User) -> QuerySet[Report]:
    """Open cases assigned to ``user`` (a grid worker's to-do list), oldest first."""
    return (
        Report.objects.for_town(user.town_id)
        .open()
        .filter(assignee=user)
        .select_related("category")
        .order_by("created_at")
    )
