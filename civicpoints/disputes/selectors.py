"""Reads over the dispute log: staff lists and the counts behind the year-on-year figure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from civicpoints.accounts.models import Role, User
from civicpoints.core.errors import NotFound
from civicpoints.disputes.models import Dispute


def disputes_in_scope(actor: User) -> QuerySet[Dispute]:
    """Disputes the staff member may see (their community; the town for town admins)."""
    qs = Dispute.objects.for_town(actor.town_id).select_related("community")
    if actor.role == Role.TOWN_ADMIN:
        return qs
    if actor.role in (Role.COMMUNITY_STAFF, Role.GRID_WORKER) and actor.community_id:
        return qs.filter(community_id=actor.community_id)
    return qs.none()


def dispute_for_staff(actor: User, pk: int) -> Dispute:
    """The dispute ``pk`` inside the actor's scope; NotFound otherwise."""
    try:
        return disputes_in_scope(actor).get(pk=pk)
    except (Dispute.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def shift_year(day: dt.date, years: int) -> dt.date:
    """``day`` moved by ``years`` calendar years (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class YearOnYear:
    """Disputes in a date range and in the same range a year earlier.

    ``change_percent`` is (current − previous) / previous × 100, rounded to a
    whole percent (−76 means down 76 %); None when the previous count is 0.
    """

    start: dt.date
    end: dt.date
    current: int
    previous: int

    @property
    def change_percent(self) -> int | None:
        if not self.previous:
            return None
        return round((self.current - self.previous) * 100 / self.previous)


def disputes_year_on_year(
    *, town_id: int, start: dt.date, end: dt.date, community_id: int | None = None
) -> YearOnYear:
    """Count disputes that occurred in [start, end] (local dates) and a year earlier."""
    qs = Dispute.objects.filter(town_id=town_id)
    if community_id:
        qs = qs.filter(community_id=community_id)
    current = qs.filter(occurred_on__range=(start, end)).count()
    previous = qs.filter(occurred_on__range=(shift_year(start, -1), shift_year(end, -1))).count()
    return YearOnYear(start, end, current, previous)
