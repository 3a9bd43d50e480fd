"""Every change to people and organization: registration, profile, staff actions."""

from __future__ import annotations

import secrets
import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.hooks import resident_registered
from civicpoints.accounts.models import Community, Grid, Household, Language, Role, User
from civicpoints.accounts.scope import require_covers, require_staff
from civicpoints.accounts.sms import get_sms_backend
from civicpoints.core.errors import Conflict, InvalidInput
from civicpoints.core.mobile import normalize_mobile

NICKNAME_MAX = 40


class MobileTaken(Conflict):
    code = "mobile_taken"
    default_detail = _("An account with this mobile number already exists.")


def _clean_nickname(nickname: str) -> str:
    """Strip, refuse empty, over-long, control/direction characters and phone numbers."""
    nickname = (nickname or "").strip()
    if not nickname:
        raise InvalidInput(_("Choose a nickname."), field="nickname", code="required")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in nickname):
        raise InvalidInput(
            _("The nickname contains invisible control characters."),
            field="nickname",
            code="invalid_characters",
        )
    try:
        normalize_mobile(nickname)
    except InvalidInput:
        pass
    else:  # a number as a nickname would show a full mobile where only masked ones belong
        raise InvalidInput(
            _("A mobile number cannot be a nickname."), field="nickname", code="nickname_is_mobile"
        )
    if len(nickname) > NICKNAME_MAX:
        raise InvalidInput(
            _("The nickname is too long (at most 40 characters)."),
            field="nickname",
            code="too_long",
        )
    return nickname


def _check_password(password: str | None, user: User | None = None) -> None:
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password", code="weak_password") from exc


def _place(community: Community, grid: Grid | None, household: Household | None) -> None:
    if grid is not None and grid.community_id != community.pk:
        raise InvalidInput(
            _("This grid is not in the chosen community."), field="grid", code="grid_mismatch"
        )
    if household is not None and household.community_id != community.pk:
        raise InvalidInput(
            _("This household is not in the chosen community."),
            field="household",
            code="household_mismatch",
        )


def resident_register(
    *,
    mobile: str,
    nickname: str,
    password: str | None,
    community: Community,
    grid: Grid | None = None,
    household: Household | None = None,
    real_name: str = "",
    registered_by: User | None = None,
) -> User:
    """Create a resident of ``community`` and their zero balance row.

    ``mobile`` may be spelled any way (``+86 138-0013-8000``); it is stored
    canonical. ``password`` None (staff registering someone without a
    smartphone) leaves the account unusable for login until staff reset it.

    Raises:
        InvalidInput (field ``mobile``, ``nickname``, ``password``, ``grid``,
        ``household``), MobileTaken (field ``mobile``, any spelling).
    """
    canonical = normalize_mobile(mobile)
    nickname = _clean_nickname(nickname)
    _place(community, grid, household)
    if password is not None:
        _check_password(password)
    if User.objects.filter(mobile=canonical).exists():
        raise MobileTaken(field="mobile")
    try:
        with transaction.atomic():
            user = User(
                mobile=canonical,
                nickname=nickname,
                real_name=(real_name or "").strip()[:40],
                role=Role.RESIDENT,
                town_id=community.town_id,
                community=community,
                grid=grid,
                household=household,
                registered_by=registered_by,
            )
            user.set_password(password)
            user.save(force_insert=True)
            resident_registered.send(user)  # the ledger opens the balance row
    except IntegrityError:
        raise MobileTaken(field="mobile") from None
    return user


def resident_register_by_staff(
    *,
    actor: User,
    mobile: str,
    nickname: str,
    community: Community,
    grid: Grid | None = None,
    household: Household | None = None,
    real_name: str = "",
) -> User:
    """Staff register a resident (e.g. without a smartphone) inside their own scope.

    Raises:
        OutOfScope: ``actor`` is not staff, or ``community`` is outside their scope.
        As ``resident_register`` otherwise.
    """
    require_staff(actor)
    probe = User(role=Role.RESIDENT, town_id=community.town_id, community=community)
    require_covers(actor, probe)
    return resident_register(
        mobile=mobile,
        nickname=nickname,
        password=None,
        community=community,
        grid=grid,
        household=household,
        real_name=real_name,
        registered_by=actor,
    )


@transaction.atomic
def profile_update(*, user: User, nickname: str, real_name: str = "") -> User:
    """The owner changes their nickname and (optional, never public) real name.

    Raises: InvalidInput (field ``nickname``).
    """
    user.nickname = _clean_nickname(nickname)
    user.real_name = (real_name or "").strip()[:40]
    user.save(update_fields=["nickname", "real_name"])
    return user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The owner changes their password (after a staff reset, they should).

    Raises:
        InvalidInput(field ``old_password``): the current password is wrong.
        InvalidInput(field ``password``): the new one is too weak.
    """
    if not user.check_password(old_password or ""):
        raise InvalidInput(
            _("The current password is wrong."), field="old_password", code="wrong_password"
        )
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


def password_reset_by_staff(*, actor: User, person: User) -> str:
    """Staff set a new random password for ``person`` and send it by SMS.

    Returns:
        The temporary password (10 characters), also shown to the staff member so
        they can hand it over at the office to someone without a phone.

    Raises:
        OutOfScope: ``actor`` does not cover ``person``.
    """
    require_staff(actor)
    require_covers(actor, person)
    temporary = secrets.token_urlsafe(8)[:10]
    with transaction.atomic():
        person.set_password(temporary)
        person.save(update_fields=["password"])
        transaction.on_commit(lambda: _send_temporary_password(person, temporary))
    return temporary


def _send_temporary_password(person: User, temporary: str) -> None:
    """Text the new password to ``person`` in their own language (not the staff member's)."""
    with translation.override(person.language):
        text = gettext("Your civicpoints password was reset: %(pw)s") % {"pw": temporary}
    get_sms_backend().send(mobile=person.mobile, text=text)


def user_set_language(*, user: User, language: str) -> User:
    """Remember the language ``user`` reads pages, notifications and SMS in.

    Args:
        user: the person (any role).
        language: a ``Language`` value, ``"zh-hans"`` or ``"en"``.

    Returns:
        The user, saved only when the language changed (idempotent).

    Raises:
        InvalidInput (code ``unknown_language``, field ``language``): not a ``Language`` value.
    """
    if language not in Language.values:
        raise InvalidInput(
            _("Choose Chinese or English."), code="unknown_language", field="language"
        )
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
