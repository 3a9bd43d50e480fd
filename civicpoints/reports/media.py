"""Who may fetch a report's photos (``core.media`` guard): evidence is not public.

The evidence and after photos of a case go only to those who may open the case
(``selectors.report_for_viewer``): its reporter, its assignee and the staff
covering the reporter. Once staff publish the case in the square, the post's
guard (``posts.media``) makes the photos it shows public.
"""

from __future__ import annotations

from django.db.models import Q

from civicpoints.accounts.scope import covers
from civicpoints.core.media import PRIVATE, media_guard
from civicpoints.reports.models import ReportPhoto


@media_guard("reports/")
def report_photo_access(user, name: str) -> str | None:
    """PRIVATE when ``user`` may open a case that holds ``name``; else None."""
    if not user.is_authenticated:
        return None
    rows = ReportPhoto.objects.filter(
        Q(image=name) | Q(thumbnail=name) | Q(public_image=name) | Q(public_thumbnail=name)
    ).select_related("report", "report__reporter")
    for row in rows:
        report = row.report
        if user.pk in (report.reporter_id, report.assignee_id):
            return PRIVATE
        if user.is_community_staff and covers(user, report.reporter):
            return PRIVATE
    return None
