"""The alliance: who may act, a shop's application, approval and suspension, staff logins."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.errors import Conflict, NotFound
from civicpoints.core.mobile import normalize_mobile
from civicpoints.merchants.errors import MerchantOnly, TownAdminOnly, invalid
from civicpoints.merchants.models import Merchant
from civicpoints.merchants.services._common import _text
from civicpoints.merchants.sorting import name_sort_key


def require_merchant_staff(actor: User) -> Merchant:
    """The approved merchant ``actor`` works for. Raises MerchantOnly (403)."""
    if not (
        actor.is_authenticated
        and actor.is_active
        and actor.role == Role.MERCHANT_STAFF
        and actor.merchant_id
    ):
        raise MerchantOnly()
    merchant = Merchant.objects.get(pk=actor.merchant_id)
    if merchant.status != Merchant.Status.APPROVED:
        raise MerchantOnly()
    return merchant


def require_town_admin(actor: User) -> None:
    """Raises TownAdminOnly (403) unless ``actor`` is an active town admin."""
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.TOWN_ADMIN):
        raise TownAdminOnly()


def merchant_for_admin(actor: User, merchant_id: int | None) -> Merchant:
    """Merchant ``merchant_id`` of the admin's own town. Raises TownAdminOnly, NotFound."""
    require_town_admin(actor)
    if merchant_id is None:
        raise NotFound()
    try:
        return Merchant.objects.get(pk=merchant_id, town_id=town_of(actor))
    except (Merchant.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def merchant_apply(
    *, applicant: User, name: str, category: str, address: str, contact_phone: str = ""
) -> Merchant:
    """A shop applies to join the alliance of ``applicant``'s town; it starts ``pending``.

    Returns the new Merchant. Raises InvalidInput (field name/category/address/contact_phone).
    """
    name = _text(name, "name", 80)
    merchant = Merchant(
        town_id=town_of(applicant),
        name=name,
        sort_key=name_sort_key(name),
        category=_text(category, "category", 40),
        address=_text(address, "address", 160),
        contact_phone=_text(contact_phone, "contact_phone", 20, required=False),
        applied_by=applicant,
    )
    with transaction.atomic():
        merchant.save(force_insert=True)
    return merchant


def merchant_set_status(*, actor: User, merchant_id: int, status: str) -> Merchant:
    """A town admin approves or suspends a merchant of their town (idempotent).

    Raises TownAdminOnly, NotFound (other town), InvalidInput (field ``status``).
    """
    merchant = merchant_for_admin(actor, merchant_id)
    if status not in (Merchant.Status.APPROVED, Merchant.Status.SUSPENDED):
        raise invalid(_("Choose approve or suspend."), "status", "invalid_choice")
    with transaction.atomic():
        merchant.status = status
        merchant.reviewed_by = actor
        merchant.reviewed_at = timezone.now()
        merchant.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return merchant


def merchant_staff_create(
    *, actor: User, merchant_id: int, mobile: str, nickname: str, password: str
) -> User:
    """A town admin gives an approved merchant a staff login (role merchant_staff).

    Raises TownAdminOnly, NotFound, Conflict(``merchant_not_approved``),
    InvalidInput (mobile, nickname, password), Conflict(``mobile_taken``).
    """
    merchant = merchant_for_admin(actor, merchant_id)
    if merchant.status != Merchant.Status.APPROVED:
        raise Conflict(_("Approve the merchant first."), code="merchant_not_approved")
    canonical = normalize_mobile(mobile)
    nickname = _text(nickname, "nickname", 40)
    try:
        validate_password(password or "")
    except ValidationError as exc:
        raise invalid(" ".join(exc.messages), "password", "weak_password") from None
    try:
        with transaction.atomic():
            return User.objects.create_user(
                canonical,
                password,
                nickname=nickname,
                role=Role.MERCHANT_STAFF,
                town_id=merchant.town_id,
                merchant=merchant,
            )
    except IntegrityError:
        raise Conflict(
            _("This mobile number is already registered."), field="mobile", code="mobile_taken"
        ) from None
