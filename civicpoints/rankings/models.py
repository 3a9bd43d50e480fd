"""Daily ranking snapshots and honours (排行榜, 荣誉榜).

A snapshot row is one resident's standing at the end of one local day: points
earned up to and including that day, the day's own earnings, the standard
competition ranks (1, 2, 2, 4) in the town and in their community, and the
ranks of the day before. Rows are written only by ``services.snapshot_take``,
which replaces a whole (town, day) in one INSERT … SELECT statement.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class RankScope(models.TextChoices):
    TOWN = "town", _("Town")
    COMMUNITY = "community", _("Community")


class RankingSnapshot(TownRow):
    """One resident's standing at the end of one local day, in the town and in
    their community: ranks of that day and of the day before.

    A derived table written in bulk (one row per ranked resident a night: a
    million at the largest town), so it is kept narrow: the primary key is
    (day, resident) — no surrogate id — and one index per board. Its foreign
    keys are not database constraints: the rows come from a SELECT over those
    very tables in the same transaction, and checking three references per
    row at commit cost more than the ranking itself (measured on PostgreSQL).
    """

    pk = models.CompositePrimaryKey("day", "resident")
    day = models.DateField(_("local day"))
    town = models.ForeignKey(
        "accounts.Town",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    community = models.ForeignKey(
        "accounts.Community",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    points = models.BigIntegerField(_("points earned to date"))
    day_points = models.BigIntegerField(_("points earned that day"))
    town_rank = models.PositiveIntegerField(_("rank in the town"))
    community_rank = models.PositiveIntegerField(_("rank in the community"))
    previous_town_rank = models.PositiveIntegerField(null=True, blank=True)
    previous_community_rank = models.PositiveIntegerField(null=True, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ranking snapshot")
        verbose_name_plural = _("ranking snapshots")
        constraints = [
            models.CheckConstraint(
                condition=Q(town_rank__gte=1, community_rank__gte=1),
                name="rankingsnapshot_ranks_gte_1",
            ),
        ]
        indexes = [
            models.Index(fields=["town", "day", "town_rank"], name="rankingsnap_town_board"),
            models.Index(
                fields=["community", "day", "community_rank"], name="rankingsnap_comm_board"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} #{self.town_rank} {self.resident_id}"

    def rank_in(self, scope: str) -> int:
        """The rank in ``scope`` (``town`` or ``community``)."""
        return self.town_rank if scope == RankScope.TOWN else self.community_rank

    def change_in(self, scope: str) -> int | None:
        """Places gained in ``scope`` since the day before (negative: lost); None if new."""
        before = (
            self.previous_town_rank if scope == RankScope.TOWN else self.previous_community_rank
        )
        return None if before is None else before - self.rank_in(scope)


class SnapshotRun(TownRow):
    """Marks that the snapshot of (town, day) was taken, even when nobody was ranked.

    The catch-up starts after the latest run; the boards show the latest run.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("local day"))
    rows = models.PositiveIntegerField(_("rows written"))
    taken_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("snapshot run")
        verbose_name_plural = _("snapshot runs")
        constraints = [
            models.UniqueConstraint(fields=["town", "day"], name="snapshotrun_one_per_town_day")
        ]

    def __str__(self) -> str:
        return f"{self.town_id} {self.day}"


class HonourKind(models.TextChoices):
    CIVIC_STAR = "civic_star", _("Civic star of the month")
    CIVILIZED_HOUSEHOLD = "civilized_household", _("Civilized household of the year")


class HonourStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Honour(TownRow):
    """An honour drawn from the rankings: a monthly civic star (a resident, per
    community) or a yearly civilized household (per community).

    ``period_start`` is the first local day of the month or year evaluated.
    Drafts are proposed by ``honours_evaluate``; ``honours_publish`` puts them
    on the honour roll and the holder's profile.
    """

    kind = models.CharField(_("honour"), max_length=24, choices=HonourKind)
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "accounts.Community", on_delete=models.PROTECT, related_name="honours"
    )
    period_start = models.DateField(_("period start"))
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="honours",
    )
    household = models.ForeignKey(
        "accounts.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="honours",
    )
    points = models.BigIntegerField(_("points earned in the period"))
    status = models.CharField(
        _("status"), max_length=10, choices=HonourStatus, default=HonourStatus.DRAFT
    )
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        ordering = ["-period_start", "kind", "community_id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="civic_star", resident__isnull=False, household__isnull=True)
                    | Q(kind="civilized_household", household__isnull=False, resident__isnull=True)
                ),
                name="honour_holder_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["town", "kind", "period_start", "resident"],
                condition=Q(resident__isnull=False),
                name="honour_once_per_resident_period",
            ),
            models.UniqueConstraint(
                fields=["town", "kind", "period_start", "household"],
                condition=Q(household__isnull=False),
                name="honour_once_per_household_period",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="honour_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}"
