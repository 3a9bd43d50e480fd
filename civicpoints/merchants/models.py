"""Merchants of the alliance (德商联盟): offers, vouchers, discount cards, subsidy budget.

Money is integer fen (names end in ``_fen``), never float. Dates named ``*_on``,
``valid_from`` and ``valid_until`` are the town's local dates.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class Merchant(TownRow):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="merchants")
    name = models.CharField(_("name"), max_length=80)
    # toneless pinyin of ``name`` (merchants.sorting.name_sort_key), written by the
    # services whenever a name is written: the directory's order and pinyin search
    sort_key = models.CharField(_("pinyin sort key"), max_length=255, blank=True, default="")
    category = models.CharField(_("category"), max_length=40)
    address = models.CharField(_("address"), max_length=160)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    card_discount_percent = models.PositiveSmallIntegerField(
        _("discount card: percent off"),
        default=0,
        help_text=_("What this merchant gives love discount card holders; 0 = nothing."),
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        constraints = [
            models.CheckConstraint(
                condition=Q(card_discount_percent__lte=100),
                name="merchant_card_discount_percent_lte_100",
            ),
        ]
        indexes = [
            models.Index(fields=["town", "status", "sort_key"], name="merchant_directory"),
        ]

    def __str__(self) -> str:
        return self.name


class Funding(models.TextChoices):
    """Who pays for the discount a voucher gives."""

    MERCHANT = "merchant", _("The merchant")
    SUBSIDY = "subsidy", _("Town subsidy budget")


class OfferQuerySet(TownScopedQuerySet):
    def available(self, day):
        """Offers a resident may exchange on local ``day``: active, approved merchant, in dates."""
        return self.filter(
            is_active=True,
            merchant__status=Merchant.Status.APPROVED,
            valid_from__lte=day,
            valid_until__gte=day,
        )


class Offer(TownRow):
    """What a customer gets for points, e.g. 5 yuan off a 35-yuan haircut for 50 points."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="offers")
    title = models.CharField(_("title"), max_length=80)
    description = models.CharField(_("what the customer gets"), max_length=300, blank=True)
    price_fen = models.PositiveIntegerField(_("regular price (fen)"))
    discount_fen = models.PositiveIntegerField(_("discount (fen)"))
    points_cost = models.PositiveIntegerField(_("point cost"))
    stock = models.PositiveIntegerField(_("units left"))
    per_resident_limit = models.PositiveSmallIntegerField(_("limit per resident"), default=1)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    funded_by = models.CharField(
        _("discount funded by"), max_length=10, choices=Funding, default=Funding.MERCHANT
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_fen__gt=0) & Q(discount_fen__lte=F("price_fen")),
                name="offer_discount_within_price",
            ),
            models.CheckConstraint(condition=Q(points_cost__gt=0), name="offer_points_cost_gt_0"),
            models.CheckConstraint(
                condition=Q(per_resident_limit__gt=0), name="offer_per_resident_limit_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__lte=F("valid_until")), name="offer_valid_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def pay_fen(self) -> int:
        """What the customer still pays at the counter, in fen."""
        return self.price_fen - self.discount_fen


class VoucherQuerySet(TownScopedQuerySet):
    def redeemed_in(self, start, end):
        """Vouchers redeemed in [start, end) (aware datetimes)."""
        return self.filter(
            status=Voucher.Status.REDEEMED, redeemed_at__gte=start, redeemed_at__lt=end
        )


class Voucher(TownRow):
    """A resident's exchanged offer: an unguessable code, redeemed once at its merchant."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Ready to use")
        REDEEMED = "redeemed", _("Redeemed")
        CANCELLED = "cancelled", _("Cancelled (points returned)")
        EXPIRED = "expired", _("Expired (points returned)")

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="vouchers")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="vouchers")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vouchers"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    idempotency_key = models.CharField(max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ISSUED)
    # snapshots of the offer at exchange time: settlement must not move when an offer is edited
    points = models.PositiveIntegerField(_("points"))
    discount_fen = models.PositiveIntegerField(_("discount (fen)"))
    funded_by = models.CharField(_("funded by"), max_length=10, choices=Funding)
    expires_on = models.DateField(_("valid until"))
    # set in the transaction that inserts the voucher (the spend row names the voucher as cause)
    spend = models.OneToOneField(
        "points.PointTransaction",
        on_delete=models.PROTECT,
        null=True,
        related_name="voucher",
    )
    refund = models.OneToOneField(
        "points.PointTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunded_voucher",
    )
    issued_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    expiring_notified_on = models.DateField(null=True, blank=True)

    objects = VoucherQuerySet.as_manager()

    # Set by the services on the voucher they return: True when this call issued
    # it, False when a repeat of the same request returned the first one.
    created: bool

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "resident", "idempotency_key"], name="voucher_resident_key_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="redeemed") | Q(redeemed_at__isnull=False),
                name="voucher_redeemed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["cancelled", "expired"]) | Q(refund__isnull=False),
                name="voucher_refunded_has_refund_row",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "status", "redeemed_at"], name="voucher_settlement"),
            models.Index(fields=["status", "expires_on"], name="voucher_status_expiry"),
            models.Index(fields=["offer", "resident"], name="voucher_offer_resident"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code_display(self) -> str:
        """The code in groups of four, easier to read out at the counter."""
        return " ".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


class SubsidyBudget(TownRow):
    """The town's subsidy pot for discounts it funds; exchanges stop when it is used up.

    ``committed_fen`` counts the discounts of issued and redeemed subsidy-funded
    vouchers; a cancelled or expired voucher gives its discount back.
    """

    town = models.OneToOneField(
        "accounts.Town", on_delete=models.PROTECT, related_name="subsidy_budget"
    )
    cap_fen = models.PositiveBigIntegerField(_("cap (fen)"), default=0)
    committed_fen = models.PositiveBigIntegerField(_("committed (fen)"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("subsidy budget")
        verbose_name_plural = _("subsidy budgets")
        constraints = [
            models.CheckConstraint(
                condition=Q(committed_fen__lte=F("cap_fen")), name="subsidy_committed_within_cap"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town_id}: {self.committed_fen}/{self.cap_fen}"

    @property
    def left_fen(self) -> int:
        return self.cap_fen - self.committed_fen


class CardPolicy(TownRow):
    """The town's rule for love discount cards: lifetime points needed to hold one."""

    town = models.OneToOneField("accounts.Town", on_delete=models.PROTECT, related_name="+")
    threshold_points = models.PositiveIntegerField(_("lifetime points needed"), default=1000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("discount card policy")
        verbose_name_plural = _("discount card policies")

    def __str__(self) -> str:
        return f"{self.town_id}: {self.threshold_points}"


class DiscountCard(TownRow):
    """A resident's love discount card (爱心优惠卡); staff may suspend it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    resident = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="discount_card"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    issued_at = models.DateTimeField()
    suspended_reason = models.CharField(_("reason"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("discount card")
        verbose_name_plural = _("discount cards")

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.status}"


class CardUse(TownRow):
    """One check of a love discount card at a merchant's counter: who, where, when, how much.

    Written by ``discount_card_check``; append-only. ``discount_percent`` is the
    merchant's card discount at that moment (editing it later does not move history).
    """

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="card_uses")
    card = models.ForeignKey(DiscountCard, on_delete=models.PROTECT, related_name="uses")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    discount_percent = models.PositiveSmallIntegerField(_("percent off"))
    idempotency_key = models.CharField(max_length=100)
    used_at = models.DateTimeField(_("used at"))

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("discount card use")
        verbose_name_plural = _("discount card uses")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "merchant", "idempotency_key"], name="card_use_merchant_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__lte=100), name="card_use_percent_lte_100"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "used_at"], name="card_use_merchant_time"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.resident_id} @ {self.used_at:%Y-%m-%d %H:%M}"
