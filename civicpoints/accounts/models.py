"""Organization (town → community → grid, households) and the user model.

Every tenant row reaches its ``town`` so that sharding by town stays open
(DESIGN.md, scale path).
"""

import secrets
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.core.mobile import mask_mobile, normalize_mobile
from civicpoints.core.tenancy import TownChild, TownRow, TownScopedQuerySet


class District(models.Model):
    """A district (区/县) over several towns: its admins compare the towns' figures and
    read their dashboards, and act inside none of them. A town belongs to at most one."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Town(models.Model):
    """A town or sub-district (镇/街道): the tenant."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    manual_points_confirm_above = models.PositiveIntegerField(
        _("second confirmation above (points)"),
        default=1000,
        db_default=1000,  # raw inserts (bench, loadtest) get it too
        help_text=_(
            "A manual adjustment or award of more points than this waits until a second "
            "staff member confirms it."
        ),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Shanghai",
        db_default="Asia/Shanghai",  # rows inserted by raw SQL (bench, bulk tools) too
        help_text=_("An IANA zone name such as Asia/Shanghai."),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="towns",
        verbose_name=_("district"),
    )

    class Meta:
        verbose_name = _("town")
        verbose_name_plural = _("towns")

    def __str__(self) -> str:
        return self.name


class Community(TownRow):
    """A community (社区) inside a town; staff powers are scoped to one."""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="communities")
    name = models.CharField(_("name"), max_length=80)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="community_unique_name_in_town")
        ]

    def __str__(self) -> str:
        return self.name


class Grid(TownChild):
    """A grid (网格): the block a grid worker looks after."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "community"
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids")
    name = models.CharField(_("name"), max_length=80)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["town", "community", "name"], name="grid_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.community.name} · {self.name}"


class Household(TownChild):
    """A household (户): its points are the sum of its members' points."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "community"
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="households")
    name = models.CharField(_("name"), max_length=80, help_text=_("e.g. the door number"))
    head = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of household"),
    )

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "community", "name"], name="household_unique_name_in_community"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    GRID_WORKER = "grid_worker", _("Grid worker")
    TOWN_ADMIN = "town_admin", _("Town admin")
    MERCHANT_STAFF = "merchant_staff", _("Merchant staff")
    OPERATOR = "operator", _("Platform operator")
    DISTRICT_ADMIN = "district_admin", _("District admin")


COMMUNITY_ROLES = (Role.RESIDENT, Role.COMMUNITY_STAFF, Role.GRID_WORKER)
STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.TOWN_ADMIN)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def for_town(self, town_id: int | None) -> models.QuerySet["User"]:
        """People of town ``town_id`` (none for None): ``core.tenancy``'s narrowing."""
        return TownScopedQuerySet(self.model, using=self._db).for_town(town_id)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(mobile=normalize_mobile(username or ""))

    def create_user(self, mobile: str, password: str | None = None, **fields: Any) -> "User":
        """Low-level constructor for the shell and admin; services use ``resident_register``."""
        user = self.model(mobile=normalize_mobile(mobile), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, mobile: str, password: str | None = None, **fields: Any) -> "User":
        """The platform operator (``createsuperuser``): ``/admin/`` over every town, no town.

        Town admins are never superusers (a database constraint says so)."""
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("role", Role.OPERATOR)
        fields.setdefault("nickname", "operator")
        return self.create_user(mobile, password, **fields)


class Language(models.TextChoices):
    """The languages a person can read the site, notifications and texts in."""

    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


def new_card_key() -> str:
    """A fresh random personal-card key (128 bits, URL-safe); see ``accounts.card``."""
    return secrets.token_urlsafe(16)


class User(TownRow, AbstractBaseUser, PermissionsMixin):
    """A person: resident, staff, grid worker, town admin or merchant staff.

    Logs in with the canonical mobile number. ``nickname`` is public; ``real_name``
    is never shown in public; ``mobile`` is shown masked outside the owner's own
    profile and the screens of staff whose scope covers the person.
    """

    mobile = models.CharField(_("mobile number"), max_length=11, unique=True)
    nickname = models.CharField(_("nickname"), max_length=40)
    real_name = models.CharField(_("real name"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.RESIDENT)
    # Empty only for the platform operator (a superuser above every town) and district
    # admins (who have a district instead): see ``user_town_unless_operator_or_district``.
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="admins",
        verbose_name=_("district"),
        help_text=_("Only for district admins, who have no town."),
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    registered_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Staff member who registered a resident without a smartphone."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("admin site access"),
        default=False,
        help_text=_("May log in to the Django admin (not the same as the staff role)."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    mobile_verified_at = models.DateTimeField(
        _("mobile confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the person last proved by SMS code that the number is theirs."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=Language,
        default=Language.ZH_HANS,
        help_text=_("Pages, messages and text messages reach this person in this language."),
    )
    elder_mode = models.BooleanField(
        _("large text, high contrast"),
        default=False,
        db_default=False,  # rows inserted by raw SQL (bulk loads, the bench) get it too
        help_text=_("Elder mode (适老化): bigger text and stronger contrast on every page."),
    )

    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_(
            "Set when a one-time password is issued (a staff reset, the first town admin, a "
            "staff invitation): the next sign-in must choose a new one."
        ),
    )
    card_key = models.CharField(
        _("card key"),
        max_length=32,
        unique=True,
        default=new_card_key,
        editable=False,
        help_text=_("Random key the personal QR card names; a new one revokes every old card."),
    )

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS = ["nickname"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=COMMUNITY_ROLES) | Q(community__isnull=False),
                name="user_community_role_has_community",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.MERCHANT_STAFF) | Q(merchant__isnull=False),
                name="user_merchant_staff_has_merchant",
            ),
            # Everyone belongs to a town, except the platform operator (a superuser with
            # neither town nor district) and district admins (a district, no town, never
            # superusers); nobody of a town is a superuser or has a district.
            models.CheckConstraint(
                condition=(
                    (
                        Q(town__isnull=False, is_superuser=False, district__isnull=True)
                        & ~Q(role=Role.DISTRICT_ADMIN)
                    )
                    | Q(
                        town__isnull=True,
                        district__isnull=True,
                        is_superuser=True,
                        role=Role.OPERATOR,
                    )
                    | Q(
                        town__isnull=True,
                        district__isnull=False,
                        is_superuser=False,
                        role=Role.DISTRICT_ADMIN,
                    )
                ),
                name="user_town_unless_operator_or_district",
            ),
            # Canonical form only (normalize_mobile); a regex CHECK would need a
            # REGEXP function that raw SQLite connections do not have.
            # Q & lookup is a Q at run time; the stubs' Q.__and__ takes only a Q.
            models.CheckConstraint(
                condition=Q(mobile__startswith="1") & Exact(Length("mobile"), 11),  # type: ignore[arg-type]
                name="user_mobile_canonical",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "role"], name="user_community_role_idx"),
            # the staff dashboard's "registered residents" of a town: counted in the index
            models.Index(
                fields=["town", "role", "is_active", "date_joined"], name="user_town_registered_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nickname} ({self.masked_mobile})"

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def needs_mobile_confirmation(self) -> bool:
        """Staff registered this person and the number was never proven: the first
        sign-in goes through an SMS code (issue 15)."""
        return self.registered_by_id is not None and self.mobile_verified_at is None

    @property
    def is_district_admin(self) -> bool:
        """Reads the figures and dashboards of the district's towns; acts in none."""
        return self.role == Role.DISTRICT_ADMIN and self.district_id is not None

    @property
    def is_resident(self) -> bool:
        return self.role == Role.RESIDENT

    @property
    def is_community_staff(self) -> bool:
        """Staff of a community, grid workers, or town admins: may open the staff desk."""
        return self.role in STAFF_ROLES


class CodePurpose(models.TextChoices):
    """What an SMS verification code may be spent on (one live code per mobile and purpose)."""

    REGISTER = "register", _("registration")
    LOGIN = "login", _("sign-in")
    RESET = "reset", _("password reset")
    BIND = "bind", _("WeChat binding")
    CLOSE = "close", _("closing the account")


CODE_MAX_ATTEMPTS = 5


class VerificationCode(models.Model):
    """A one-time code texted to ``mobile``; the code itself is never stored.

    ``code_hash`` is HMAC-SHA256 keyed with ``SECRET_KEY`` over purpose, mobile and
    code (``accounts.services.people._code_hash``). A code lives until ``expires_at`` (5
    minutes), allows ``CODE_MAX_ATTEMPTS`` tries, and is closed (``closed_at``) when
    spent, exhausted or replaced by a newer one. Not a tenant row: a code may exist
    before its account does (registration), so it carries no town.
    """

    mobile = models.CharField(_("mobile number"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=10, choices=CodePurpose)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__lte=CODE_MAX_ATTEMPTS), name="verification_code_max_attempts"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="verification_code_expires_after_creation",
            ),
            models.UniqueConstraint(
                fields=["mobile", "purpose"],
                condition=Q(closed_at__isnull=True),
                name="verification_code_one_live_per_purpose",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="verification_code_created_idx")]

    def __str__(self) -> str:
        return f"{mask_mobile(self.mobile)} · {self.purpose}"


class WeChatIdentity(TownRow):
    """The one WeChat identity bound to an account (after its mobile was proven by SMS
    code): the official account's ``openid`` (template messages, web sign-in), the
    mini-program's ``mini_openid`` and the open platform's ``unionid`` when WeChat
    gives one. Each is unique, and an account has at most one identity."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="wechat")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    openid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    mini_openid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    unionid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    bound_at = models.DateTimeField(default=timezone.now)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("WeChat identity")
        verbose_name_plural = _("WeChat identities")
        constraints = [
            models.CheckConstraint(
                condition=Q(openid__isnull=False)
                | Q(mini_openid__isnull=False)
                | Q(unionid__isnull=False),
                name="wechat_identity_has_an_id",
            )
        ]

    def __str__(self) -> str:
        return f"WeChat · {self.user_id}"


class ApiToken(TownRow):
    """A bearer token for the JSON API (the mini-program has no cookies). Only its
    SHA-256 is stored; it expires at ``expires_at`` and can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(fields=["town", "key_hash"], name="apitoken_town_key_unique"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"token · {self.user_id}"


class ImportJob(TownRow):
    """A residents-and-households file a town admin uploaded: how far the import got
    (``done`` of ``total``, one transaction per batch) and what it did. Its rows
    (normalized) are kept per batch in ``ImportChunk``; they hold personal data and are
    dropped once the import is done."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Checked, not imported yet")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="import_jobs")
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    filename = models.CharField(_("file"), max_length=200)
    total = models.PositiveIntegerField(_("rows"))
    done = models.PositiveIntegerField(_("rows processed"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    counts = models.JSONField(default=dict, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="import_done_le_total")
        ]
        indexes = [models.Index(fields=["town", "-created_at"], name="import_town_created_idx")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.done}/{self.total})"


class ImportChunk(TownRow):
    """One batch of an import's rows (``number`` × the batch size onwards, in file order).

    A step of the import reads only its own chunk: with the whole file in one JSON
    value every step decoded all 38,000 rows again (issue 14, item 3)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    rows = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["town", "job", "number"], name="import_chunk_one_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.number}"
