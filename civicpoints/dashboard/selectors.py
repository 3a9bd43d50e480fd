"""Reads behind the dashboard: the staff scope, the figures, the public headline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Community, Role, Town, User
from civicpoints.accounts.scope import require_staff, town_of
from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.core.metrics import Figure, MetricContext, Table, collect
from civicpoints.core.timeutil import town_today
from civicpoints.dashboard.providers import GOOD_DEED_RULE
from civicpoints.disputes.selectors import YearOnYear, disputes_year_on_year
from civicpoints.points.models import PointTransaction, TransactionKind

#: Longest date range the dashboard accepts, in days.
MAX_RANGE_DAYS = 366 * 5


def dashboard_context(
    actor: User,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    community_id: int | None = None,
    town_code: str | None = None,
) -> MetricContext:
    """The scope and local date range the staff member ``actor`` may report on.

    Community staff and grid workers always get their own community; town
    admins get the town, or one of its communities when ``community_id`` is
    given. A district admin reads one town of their district, named by
    ``town_code`` (read-only: ``dashboard_town_for`` says which). Default range:
    1 January of this year to today (the town's local dates).

    Raises:
        OutOfScope (``staff_only``); NotFound (field ``community``) for a
        community outside the town, (field ``town``) for a town outside the
        district admin's district or none named; InvalidInput (field ``start``)
        when start is after end or the range is longer than five years.
    """
    town = dashboard_town_for(actor, town_code)
    today = town_today(town)
    end = end or today
    start = start or end.replace(month=1, day=1)
    if start > end:
        raise InvalidInput(
            _("The start must not be after the end."), field="start", code="range_reversed"
        )
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidInput(
            _("Choose a range of at most five years."), field="start", code="range_too_long"
        )
    if actor.role not in (Role.TOWN_ADMIN, Role.DISTRICT_ADMIN):
        community_id = actor.community_id
    elif (
        community_id is not None
        and not Community.objects.filter(pk=community_id, town_id=town.pk).exists()
    ):
        raise NotFound(field="community")
    return MetricContext(
        town_id=town.pk,
        community_id=community_id,
        start=start,
        end=end,
        time_zone=town.time_zone,
    )


def dashboard_town_for(actor: User, town_code: str | None = None) -> Town:
    """The town whose dashboard ``actor`` reads: their own (staff), or the town
    ``town_code`` of their district (district admin, who only reads).

    Raises OutOfScope (``staff_only``) for anyone else; NotFound (field ``town``)
    when a district admin names no town, or one outside their district."""
    if actor.is_authenticated and actor.is_active and actor.is_district_admin:
        district_id = actor.district_id
        assert district_id is not None  # is_district_admin says so
        town = Town.objects.filter(district_id=district_id, code=town_code or "").first()
        if town is None:
            raise NotFound(field="town")
        return town
    require_staff(actor)
    return Town.objects.get(pk=town_of(actor))


def dashboard_figures(ctx: MetricContext) -> tuple[list[Figure], list[Table]]:
    """Every provider's figures and tables for ``ctx`` (see ``core.metrics``)."""
    return collect(ctx)


@dataclass(frozen=True)
class Headline:
    """The figures the town quotes in public (all time, town-wide)."""

    town: Town
    participants: int
    total_points: int
    good_deeds: int
    disputes: YearOnYear


def public_headline(town: Town, *, today: dt.date | None = None) -> Headline:
    """The public headline figures of ``town``.

    participants: residents who have earned points at least once;
    total_points: points earned, all time (awards and adjustments net of
    reversals); good_deeds: awards of the good-deed rule (``good_deed_post``)
    less their reversals; disputes: this year to date against the same days of last
    year. History counts as it happened: residents deactivated since still count.
    """
    today = today or town_today(town)
    earned = PointTransaction.objects.filter(town=town).earned()
    participants = earned.values("resident_id").distinct().count()
    total = earned.aggregate(s=Coalesce(Sum("points"), 0))["s"]
    deed_rows = PointTransaction.objects.filter(town=town, rule__code=GOOD_DEED_RULE)
    deeds = (
        deed_rows.filter(kind=TransactionKind.AWARD).count()
        - deed_rows.filter(kind=TransactionKind.REVERSAL).count()
    )
    yoy = disputes_year_on_year(town_id=town.pk, start=today.replace(month=1, day=1), end=today)
    return Headline(town, participants, total, deeds, yoy)


def public_town(code: str | None) -> Town:
    """The town named by ``code``, or the first town; NotFound when there is none."""
    qs = Town.objects.order_by("pk")
    town = qs.filter(code=code).first() if code else qs.first()
    if town is None:
        raise NotFound()
    return town
