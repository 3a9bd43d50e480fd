"""Point rules, the append-only ledger and the balance row per resident.

Invariants (DESIGN.md 1–5, 8): a balance equals the sum of its ledger rows and
never goes below zero; ledger rows are never updated or deleted; every row has
a unique idempotency key; a reversal takes back exactly the points of the row
it reverses, and a row is reversed at most once.
"""

import datetime as dt
from typing import Any, NoReturn, Self

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class RuleCategory(models.TextChoices):
    FAMILY_NEIGHBOURHOOD = "family_neighbourhood", _("Family & neighbourhood")
    GOVERNANCE_VIRTUE = "governance_virtue", _("Community-governance virtues")
    COMMUNITY_CONSTRUCTION = "community_construction", _("Community construction")


class CapPeriod(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class PointRuleQuerySet(TownScopedQuerySet):
    """Rules of the catalog; narrow to a town with ``for_town`` / ``for_viewer`` (each
    town has its own catalog, copied from the shipped defaults when it is created)."""

    def in_force(self, day: dt.date | None = None) -> Self:
        """Rules active and inside their window on local ``day`` (default today)."""
        from civicpoints.core.timeutil import local_date

        day = day or local_date()
        return self.filter(is_active=True).filter(
            Q(active_from__isnull=True) | Q(active_from__lte=day),
            Q(active_until__isnull=True) | Q(active_until__gte=day),
        )


class PointRule(TownRow):
    """One rule of the catalog (积分规则): what earns how many points, how often.

    Each town has its own catalog (``town``; the code is unique within the town). The
    row holds the values in force today; every change is a ``RuleVersion`` (who, when,
    why, from which local date), and the award path uses the version in force on the
    award's local date (``points.governance``). Each ledger row records the points
    actually granted, so editing a rule never changes history.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=48)
    category = models.CharField(_("category"), max_length=32, choices=RuleCategory)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    points = models.PositiveIntegerField(_("points"), validators=[MinValueValidator(1)])
    daily_limit = models.PositiveIntegerField(
        _("times per local day"),
        validators=[MinValueValidator(1)],
        null=True,
        blank=True,
        help_text=_("Most awards of this rule to one resident in one local day; empty: no cap."),
    )
    period = models.CharField(
        _("cap period"), max_length=8, choices=CapPeriod, null=True, blank=True
    )
    period_limit = models.PositiveIntegerField(
        _("times per period"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    requires_confirmation = models.BooleanField(_("needs staff confirmation"), default=True)
    claimable = models.BooleanField(
        _("claimable on a post"),
        default=False,
        help_text=_("Residents may claim this rule on a post, with photos as evidence."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # True while some town has an issuance budget on this rule or its category
    # (kept by ``points.budgets``): the award path queries budgets only then.
    budgeted = models.BooleanField(default=False, editable=False)

    objects = PointRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["category", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["town", "code"], name="pointrule_town_code_unique"),
            models.CheckConstraint(condition=Q(points__gt=0), name="pointrule_points_positive"),
            models.CheckConstraint(
                condition=Q(daily_limit__isnull=True) | Q(daily_limit__gt=0),
                name="pointrule_daily_limit_positive",
            ),
            models.CheckConstraint(
                condition=(Q(period__isnull=True) & Q(period_limit__isnull=True))
                | (Q(period__isnull=False) & Q(period_limit__gt=0)),
                name="pointrule_period_and_limit_together",
            ),
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_until__isnull=True)
                | Q(active_from__lte=models.F("active_until")),
                name="pointrule_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.points})"

    def clean(self) -> None:
        """Form-level mirror of the table's CHECK constraints, with the field at fault."""
        if bool(self.period) != (self.period_limit is not None):
            raise ValidationError(
                {"period_limit": _("Set a cap period and its limit together, or neither.")}
            )
        if self.active_from and self.active_until and self.active_from > self.active_until:
            raise ValidationError({"active_until": _("The window ends before it starts.")})

    def is_in_force(self, day: dt.date) -> bool:
        """True when the rule is active and local ``day`` lies inside its window."""
        return (
            self.is_active
            and (self.active_from is None or self.active_from <= day)
            and (self.active_until is None or day <= self.active_until)
        )

    @property
    def is_automatic(self) -> bool:
        """Earned on the platform without a staff member (``points.automatic``)."""
        from civicpoints.points.automatic import is_automatic

        return is_automatic(self)

    @property
    def name(self) -> str:
        """The rule's name in the active language (Chinese unless English is asked for)."""
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def description(self) -> str:
        lang = get_language() or ""
        return self.description_en if lang.startswith("en") else self.description_zh


# The first version of a rule loaded from the shipped catalog counts from this day on.
SINCE_ALWAYS = dt.date(2000, 1, 1)

# The fields a rule version holds (a full snapshot: the rule as it stands from
# ``effective_from`` on).
VERSIONED_FIELDS = (
    "category",
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "points",
    "daily_limit",
    "period",
    "period_limit",
    "requires_confirmation",
    "claimable",
    "is_active",
    "active_from",
    "active_until",
)


class RuleVersion(TownRow):
    """One version of a town's rule (积分规则版本): the full rule from ``effective_from``
    (a local date) on, who made it, when and why.

    Numbers count 1, 2, 3 … per rule and their ``effective_from`` never goes back
    (``points.governance.rule_change`` refuses a date before the latest version's),
    so the version in force on a day is the highest number whose ``effective_from``
    is on or before it. Versions are never edited or deleted.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("takes effect on"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)
    category = models.CharField(_("category"), max_length=32, choices=RuleCategory)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    points = models.PositiveIntegerField(_("points"))
    daily_limit = models.PositiveIntegerField(_("times per local day"), null=True, blank=True)
    period = models.CharField(
        _("cap period"), max_length=8, choices=CapPeriod, null=True, blank=True
    )
    period_limit = models.PositiveIntegerField(_("times per period"), null=True, blank=True)
    requires_confirmation = models.BooleanField(_("needs staff confirmation"))
    claimable = models.BooleanField(_("claimable on a post"))
    is_active = models.BooleanField(_("active"))
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        ordering = ["rule", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "rule", "number"], name="ruleversion_town_rule_number"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="ruleversion_has_reason"),
            models.CheckConstraint(condition=Q(points__gt=0), name="ruleversion_points_positive"),
            models.CheckConstraint(
                condition=(Q(period__isnull=True) & Q(period_limit__isnull=True))
                | (Q(period__isnull=False) & Q(period_limit__gt=0)),
                name="ruleversion_period_and_limit",
            ),
        ]
        indexes = [
            models.Index(
                fields=["rule", "-effective_from", "-number"], name="ruleversion_in_force"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.number} ({self.effective_from})"

    def is_in_force(self, day: dt.date) -> bool:
        """True when this version is active and local ``day`` lies inside its window."""
        return (
            self.is_active
            and (self.active_from is None or self.active_from <= day)
            and (self.active_until is None or day <= self.active_until)
        )


class PointAccount(TownRow):
    """The cached balance of one resident, written in the same transaction as each row.

    ``balance`` = sum of all the resident's ledger rows; ``lifetime_earned`` = sum
    of the rows that count as earned (awards, adjustments, and their reversals).
    """

    resident = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="point_account",
    )
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    balance = models.BigIntegerField(_("balance"), default=0)
    lifetime_earned = models.BigIntegerField(_("lifetime earned"), default=0)
    # What the resident earned in the current local day / week (from Monday) /
    # month / year: ``<period>_of`` is the first local day of the period the
    # points belong to (a row from an earlier period than the stored one is not
    # counted here). Moved by the same UPDATE as the balance, so the period
    # leaderboards read one indexed row per resident instead of summing the
    # ledger (issue 17). ``points.services.period_scores_rebuild`` recounts them.
    day_of = models.DateField(null=True, editable=False)
    day_points = models.BigIntegerField(default=0, db_default=0, editable=False)
    week_of = models.DateField(null=True, editable=False)
    week_points = models.BigIntegerField(default=0, db_default=0, editable=False)
    month_of = models.DateField(null=True, editable=False)
    month_points = models.BigIntegerField(default=0, db_default=0, editable=False)
    year_of = models.DateField(null=True, editable=False)
    year_points = models.BigIntegerField(default=0, db_default=0, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("point account")
        verbose_name_plural = _("point accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="pointaccount_balance_gte_0"),
        ]
        indexes = [
            models.Index(
                fields=["town", "-lifetime_earned", "resident"], name="pointaccount_town_lifetime"
            ),
            models.Index(
                fields=["town", "day_of", "-day_points", "resident"], name="pointaccount_town_day"
            ),
            models.Index(
                fields=["town", "week_of", "-week_points", "resident"],
                name="pointaccount_town_week",
            ),
            models.Index(
                fields=["town", "month_of", "-month_points", "resident"],
                name="pointaccount_town_month",
            ),
            models.Index(
                fields=["town", "year_of", "-year_points", "resident"],
                name="pointaccount_town_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.balance}"


class TransactionKind(models.TextChoices):
    AWARD = "award", _("Award")
    SPEND = "spend", _("Spend")
    REVERSAL = "reversal", _("Reversal")
    ADJUSTMENT = "adjustment", _("Adjustment")
    EXPIRY = "expiry", _("Points expired")


class LedgerIsAppendOnly(Exception):
    """Raised on any attempt to update or delete a ledger row."""


class PointTransactionQuerySet(TownScopedQuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise LedgerIsAppendOnly("point transactions are never updated")

    def delete(self) -> NoReturn:
        raise LedgerIsAppendOnly("point transactions are never deleted")

    def earned(self) -> Self:
        """Rows that count toward points earned (leaderboards, lifetime)."""
        return self.filter(counts_as_earned=True)


class PointTransaction(TownRow):
    """One row of the append-only ledger (积分流水).

    ``points`` is signed: awards positive, spends negative, a reversal the exact
    negation of the row it reverses, adjustments either sign. ``cause`` points at
    the source object (a post, an event attendance, a voucher …); the
    ``idempotency_key`` is unique and derived from the cause, so a retry, double
    click or race writes one row. ``local_date`` is the town's local day of
    ``created_at``, stored because caps and daily rankings group on it.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_transactions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=TransactionKind)
    points = models.IntegerField(_("points"))
    balance_after = models.BigIntegerField(_("balance after"))
    counts_as_earned = models.BooleanField(default=False)
    rule = models.ForeignKey(
        PointRule, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    # the rule's version whose points and caps this award used (awards since versions exist)
    rule_version = models.ForeignKey(
        RuleVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cause_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cause_id = models.CharField(max_length=64, blank=True)
    cause = GenericForeignKey("cause_type", "cause_id")
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    idempotency_key = models.CharField(max_length=160)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    local_date = models.DateField(_("local date"))

    objects = PointTransactionQuerySet.as_manager()

    # Set by the services on the row they return: True when this call wrote it,
    # False when an idempotent repeat returned the row written before.
    created: bool

    class Meta:
        verbose_name = _("point transaction")
        verbose_name_plural = _("point transactions")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "idempotency_key"], name="pointtransaction_town_key_unique"
            ),
            models.CheckConstraint(condition=~Q(points=0), name="pointtx_points_nonzero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="pointtx_balance_gte_0"),
            models.CheckConstraint(
                condition=~Q(kind="award") | (Q(points__gt=0) & Q(rule__isnull=False)),
                name="pointtx_award_positive_with_rule",
            ),
            models.CheckConstraint(
                condition=~Q(kind="spend") | Q(points__lt=0), name="pointtx_spend_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="pointtx_reversal_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(memo=""),
                name="pointtx_adjustment_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind="expiry") | Q(points__lt=0), name="pointtx_expiry_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["resident", "-created_at"], name="pointtx_resident_recent"),
            models.Index(fields=["resident", "rule", "local_date"], name="pointtx_cap_lookup"),
            models.Index(fields=["town", "local_date"], name="pointtx_town_day"),
            models.Index(fields=["actor", "local_date"], name="pointtx_actor_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d} → {self.resident_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerIsAppendOnly("point transactions are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerIsAppendOnly("point transactions are never deleted")


class PendingStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")


class PendingAdjustment(TownRow):
    """A manual adjustment above the town's threshold, waiting for a second staff member.

    Written by ``points.services.adjustment_request``; the ledger row exists only
    once another staff member covering the resident confirms it
    (``adjustment_confirm``), and then its actor is the requester.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=200)
    idempotency_key = models.CharField(max_length=160)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    local_date = models.DateField(_("local date"))
    status = models.CharField(
        _("status"), max_length=10, choices=PendingStatus, default=PendingStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    ledger_row = models.OneToOneField(
        PointTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pending adjustment")
        verbose_name_plural = _("pending adjustments")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "idempotency_key"], name="pendingadjustment_town_key_unique"
            ),
            models.CheckConstraint(condition=~Q(points=0), name="pendadj_points_nonzero"),
            models.CheckConstraint(condition=~Q(reason=""), name="pendadj_has_reason"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="pendadj_second_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(ledger_row__isnull=False),
                name="pendadj_confirmed_has_row",
            ),
        ]
        indexes = [
            models.Index(fields=["town", "status"], name="pendadj_town_status"),
            models.Index(fields=["requested_by", "local_date"], name="pendadj_actor_day"),
        ]

    created: bool  # set by adjustment_request: False when a repeat returned the first one

    def __str__(self) -> str:
        return f"{self.points:+d} → {self.resident_id} ({self.status})"


class BudgetMode(models.TextChoices):
    REFUSE = "refuse", _("Refuse awards past the budget")
    CONFIRM = "confirm", _("Queue them for a town admin to confirm")


class IssuanceBudget(TownRow):
    """A town's monthly budget in points for one rule or one rule category (local months).

    Counted: points awarded (kind ``award``) under the rule or category in the
    local month; a reversal does not give budget back (as with caps).
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(
        PointRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.CharField(_("category"), max_length=32, choices=RuleCategory, blank=True)
    points = models.PositiveIntegerField(_("points a month"))
    mode = models.CharField(_("past the budget"), max_length=8, choices=BudgetMode)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(rule__isnull=False) & Q(category=""))
                | (Q(rule__isnull=True) & ~Q(category="")),
                name="budget_rule_xor_category",
            ),
            models.CheckConstraint(condition=Q(points__gt=0), name="budget_points_positive"),
            models.UniqueConstraint(
                fields=["town", "rule"], condition=Q(rule__isnull=False), name="budget_one_per_rule"
            ),
            models.UniqueConstraint(
                fields=["town", "category"],
                condition=~Q(category=""),
                name="budget_one_per_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town_id}:{self.rule_id or self.category} {self.points}/month"


class BudgetUse(TownRow):
    """Points awarded under one budget in one local month: the counter the award path
    moves under a row lock (one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``).

    ``limit_points`` and ``mode`` are the budget's, copied at every award so that
    the check needs no join.
    """

    budget = models.ForeignKey(IssuanceBudget, on_delete=models.CASCADE, related_name="uses")
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    used = models.BigIntegerField(default=0)
    limit_points = models.PositiveIntegerField()
    mode = models.CharField(max_length=8, choices=BudgetMode)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["town", "budget", "month"], name="budgetuse_once_a_month"
            ),
            models.CheckConstraint(condition=Q(used__gte=0), name="budgetuse_used_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.budget_id} {self.month:%Y-%m}: {self.used}/{self.limit_points}"


class QueuedStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")


class QueuedReason(models.TextChoices):
    BUDGET = "budget", _("Past the month's budget")
    CONFIRMATION = "confirmation", _("The rule needs staff confirmation")


class QueuedAward(TownRow):
    """An award waiting for a town admin: past a ``confirm`` budget (reason ``budget``), or
    of a rule that ``requires_confirmation`` reached without a staff member of the town
    (reason ``confirmation``).

    Who queued it (``actor``: the staff member whose action earned it, None for an
    automatic award), who decided (``decided_by``, ``decided_at``) and why
    (``decision_note``; required to confirm). A confirmed award's ledger row is
    ``transaction`` (one row per queued award), reachable from the row as
    ``row.queued_award``; a row confirmed for an award without a source object
    has the queued award itself as its cause.
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    budget = models.ForeignKey(
        IssuanceBudget, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, related_name="+")
    cause_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cause_id = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=160)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    memo = models.CharField(max_length=200, blank=True)
    reason = models.CharField(
        _("why it waits"), max_length=16, choices=QueuedReason, default=QueuedReason.BUDGET
    )
    status = models.CharField(max_length=10, choices=QueuedStatus, default=QueuedStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("why"), max_length=200, blank=True)
    transaction = models.OneToOneField(
        PointTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queued_award",
    )

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # pending: undecided; confirmed: who, when, why and the ledger row;
            # refused: who and when (why when given)
            models.CheckConstraint(
                condition=Q(
                    status="pending",
                    decided_by__isnull=True,
                    decided_at__isnull=True,
                    transaction__isnull=True,
                )
                | (
                    Q(
                        status="confirmed",
                        decided_by__isnull=False,
                        decided_at__isnull=False,
                        transaction__isnull=False,
                    )
                    & ~Q(decision_note="")
                )
                | Q(
                    status="refused",
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                    transaction__isnull=True,
                ),
                name="queued_award_decision_recorded",
            ),
            models.UniqueConstraint(
                fields=["town", "idempotency_key"], name="queuedaward_town_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.status})"

    # The shape of ``integrity.HeldAward`` for the subscribers of ``award_released``.
    @property
    def subject_type_id(self) -> int | None:
        return self.cause_type_id

    @property
    def subject_id(self) -> str:
        return self.cause_id


class ExpiryPolicy(TownRow):
    """A town's points expiry (积分有效期), off until a town admin switches it on.

    As Chinese point schemes run it: points earned in calendar year Y (local days)
    expire at the end of year Y + ``years_kept`` (with 1, what was earned in 2026
    is usable through 31 December 2027). Oldest points are spent first (FIFO), so
    what expires for a person is what is left of the old points: their balance
    minus the points they earned after the cut-off, never negative
    (``points.expiry``). ``first_expiry_on`` is the first 31 December the policy
    acts on, set when it is switched on at least 30 days ahead so that nobody
    loses points without the month's and the week's reminders.
    """

    town = models.OneToOneField(
        "accounts.Town", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    enabled = models.BooleanField(_("points expire"), default=False)
    years_kept = models.PositiveSmallIntegerField(
        _("years kept after the year earned"),
        default=1,
        validators=[MinValueValidator(1)],
    )
    first_expiry_on = models.DateField(_("first expiry date"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("points expiry policy")
        verbose_name_plural = _("points expiry policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(years_kept__gte=1, years_kept__lte=5), name="expiry_years_kept_1_5"
            ),
            models.CheckConstraint(
                condition=Q(enabled=False) | Q(first_expiry_on__isnull=False),
                name="expiry_enabled_has_first_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town_id}: {'on' if self.enabled else 'off'} (+{self.years_kept}y)"
