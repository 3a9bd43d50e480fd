"""Every change to people and organization: registration, profile, staff actions."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import unicodedata
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.hooks import (
    RegistrationOrigin,
    resident_registered,
    resident_registered_from,
)
from civicpoints.accounts.models import (
    CODE_MAX_ATTEMPTS,
    CodePurpose,
    Community,
    Grid,
    Household,
    Language,
    Role,
    User,
    VerificationCode,
    new_card_key,
)
from civicpoints.accounts.passwords import password_recheck, password_recheck_clear
from civicpoints.accounts.scope import require_covers, require_staff
from civicpoints.accounts.sms import SMSError, get_sms_backend
from civicpoints.core.errors import Conflict, DomainError, InvalidInput
from civicpoints.core.mobile import mask_mobile, normalize_mobile
from civicpoints.core.throttle import RateLimited, window_hit
from civicpoints.core.timeutil import local_date

log = logging.getLogger("civicpoints.accounts")

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
    mobile_verified: bool = False,
    origin: tuple[str, str] | None = None,
) -> User:
    """Create a resident of ``community`` and their zero balance row.

    ``origin`` (client address, device id) is given for self-registrations from a
    page or the API; it is handed to ``hooks.resident_registered_from`` and not
    stored here.

    The public registration is ``resident_register_with_code`` (the number proven
    by SMS code first); this one is for staff, seeding and tests, and answers
    ``MobileTaken`` only to them. ``mobile_verified`` records that the number was
    proven (``User.mobile_verified_at``).

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
                mobile_verified_at=timezone.now() if mobile_verified else None,
            )
            user.set_password(password)
            user.save(force_insert=True)
            resident_registered.send(user)  # the ledger opens the balance row
            if origin is not None:
                resident_registered_from.send(
                    RegistrationOrigin(user=user, address=origin[0], device=origin[1])
                )
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


def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The owner changes their password; after a staff reset they must
    (``must_change_password``, cleared here).

    Raises:
        TooManyPasswordAttempts (429, field ``old_password``): too many wrong current
            passwords lately (``accounts.passwords``).
        InvalidInput(field ``old_password``): the current password is wrong.
        InvalidInput(field ``password``): the new one is too weak, or the same as now.
    """
    # Counted outside the transaction: a wrong password must count even though the
    # change is refused.
    if not password_recheck(user=user, password=old_password, field="old_password"):
        raise InvalidInput(
            _("The current password is wrong."), field="old_password", code="wrong_password"
        )
    _check_password(new_password, user)
    if user.must_change_password and new_password == old_password:
        raise InvalidInput(
            _("Choose a new password, not the temporary one."),
            field="password",
            code="password_unchanged",
        )
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
    return user


def password_reset_by_staff(*, actor: User, person: User) -> tuple[str, bool]:
    """Staff set a new random password for ``person`` and text it to them.

    Returns:
        ``(temporary, texted)``: the temporary password (10 characters), also shown
        to the staff member so they can hand it over at the office to someone
        without a phone, and whether a text message really left for the person
        (False with the console backend or when the gateway refused; the staff
        page then says so instead of "also sent by SMS").

    The temporary password must be changed at the next sign-in
    (``must_change_password``: pages redirect to the password page, the API answers
    403 ``password_change_required``), and the person's login lockout (django-axes,
    every address) and failed password re-checks are cleared, so the person can sign
    in with it at once.

    Raises:
        OutOfScope: ``actor`` does not cover ``person``.
    """
    require_staff(actor)
    require_covers(actor, person)
    temporary = secrets.token_urlsafe(8)[:10]
    with transaction.atomic():
        person.set_password(temporary)
        person.must_change_password = True
        person.save(update_fields=["password", "must_change_password"])
        axes_reset(username=person.mobile)
    password_recheck_clear(user=person)
    return temporary, _send_temporary_password(person, temporary)


def resident_card_revoke(*, actor: User, resident: User) -> User:
    """Make every personal QR card of ``resident`` made so far stop working (a lost
    printout, a screenshot): a new random ``card_key`` (``accounts.card``). By the
    resident themself, or staff covering them. Idempotent in effect (old cards stay
    dead; a repeat only draws another key).

    Raises:
        OutOfScope: ``actor`` is someone else and not staff covering ``resident``.
        InvalidInput (code ``resident_only``): ``resident`` is not a resident.
    """
    if actor.pk != resident.pk:
        require_staff(actor)
        require_covers(actor, resident)
    if resident.role != Role.RESIDENT:
        raise InvalidInput(_("Only residents have a card."), code="resident_only")
    with transaction.atomic():
        resident.card_key = new_card_key()
        resident.save(update_fields=["card_key"])
    return resident


def _send_temporary_password(person: User, temporary: str) -> bool:
    """Text the new password to ``person`` in their own language (not the staff
    member's), after the commit. True when it left the machine."""
    with translation.override(person.language):
        text = gettext("Your civicpoints password was reset: %(pw)s") % {"pw": temporary}
    backend = get_sms_backend()
    try:
        backend.send(
            mobile=person.mobile,
            text=text,
            template="password_reset",
            params={"password": temporary},
        )
    except SMSError as exc:
        log.warning("password text to %s not sent: %s", mask_mobile(person.mobile), exc.code)
        return False
    return backend.delivers


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


# --- SMS verification codes ---------------------------------------------------
# A code proves that whoever asks holds the number. The answers never tell whether
# a number is registered: a code is created (and its tries counted) for every
# number asked about; for sign-in and reset it is texted only to a registered,
# active number, for registration to any number. Only someone who then shows the
# right code learns that the number already has an account. A gateway failure
# is told only where every number is texted alike (registration) or where the
# number is the asker's own (closing one's account); for sign-in, reset and
# binding it is logged and answered like a send, or the error itself would
# reveal that the number is registered (an unregistered one is never texted).

# purposes whose answer must not depend on whether the number has an account
SECRET_REGISTRATION_PURPOSES = frozenset({CodePurpose.LOGIN, CodePurpose.RESET, CodePurpose.BIND})


class CodeInvalid(InvalidInput):
    code = "code_invalid"
    default_detail = _("The code is wrong or no longer valid. Ask for a new one.")


class CodeWrong(InvalidInput):
    code = "code_wrong"
    default_detail = _("The code is wrong.")


class CodeExpired(InvalidInput):
    code = "code_expired"
    default_detail = _("The code has expired (codes last 5 minutes). Ask for a new one.")


class CodeExhausted(InvalidInput):
    code = "code_exhausted"
    default_detail = _("Too many wrong tries for this code. Ask for a new one.")


class CodeSentRecently(RateLimited):
    default_detail = _("A code was sent moments ago. Wait a minute before asking for another.")


class MobileUnconfirmed(DomainError):
    code = "mobile_unconfirmed"
    status = 403
    default_detail = _(
        "Please confirm your mobile number first: sign in with a code sent to it by SMS."
    )


def _digest(value: str) -> str:
    """A short keyed digest of ``value`` for cache keys (no full mobile in Redis)."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:20]


def _code_hash(purpose: str, mobile: str, code: str) -> str:
    message = f"{purpose}:{mobile}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _code_throttle(mobile: str, ip: str | None) -> None:
    """Count this send against the number (interval, day) and the address (hour, day).

    Raises: CodeSentRecently or RateLimited (429, field ``mobile``).
    """
    day = local_date().isoformat()
    who = _digest(mobile)
    if window_hit(f"smscode:m:{who}:gap", limit=1, seconds=settings.SMS_CODE_INTERVAL):
        raise CodeSentRecently(field="mobile")
    over = window_hit(
        f"smscode:m:{who}:{day}", limit=settings.SMS_CODE_PER_MOBILE_DAY, seconds=86400
    )
    if ip:
        where = _digest(ip)
        over |= window_hit(
            f"smscode:ip:{where}:h", limit=settings.SMS_CODE_PER_IP_HOUR, seconds=3600
        )
        over |= window_hit(
            f"smscode:ip:{where}:{day}", limit=settings.SMS_CODE_PER_IP_DAY, seconds=86400
        )
    if over:
        raise RateLimited(
            _("Too many codes asked for. Try again later (tomorrow at the latest)."),
            field="mobile",
        )


def verification_code_send(*, mobile: str, purpose: str, ip: str | None = None) -> None:
    """Create a 6-digit code for ``mobile`` and ``purpose`` and text it.

    The code (``secrets``) lives ``SMS_CODE_TTL`` seconds (300) and allows
    ``CODE_MAX_ATTEMPTS`` (5) tries; it is stored only as an HMAC, and a newer code
    closes the older one. Sends per number: one per ``SMS_CODE_INTERVAL`` seconds
    and ``SMS_CODE_PER_MOBILE_DAY`` a local day; per client address ``ip``:
    ``SMS_CODE_PER_IP_HOUR`` an hour and ``SMS_CODE_PER_IP_DAY`` a day. The answer is
    the same whether the number is registered or not (see above).

    Args:
        mobile: any spelling; purpose: a ``CodePurpose`` value; ip: the client address.

    Raises:
        InvalidInput (field ``mobile`` or ``purpose``); RateLimited / CodeSentRecently
        (429, field ``mobile``); SMSError subclasses when the gateway refuses (the
        code is then closed: nothing usable is left behind) — for ``register`` and
        ``close`` only: for ``login``, ``reset`` and ``bind`` a refused send is
        logged and answered like a send, so that the answer never depends on
        whether the number is registered.
    """
    canonical = normalize_mobile(mobile)
    if purpose not in CodePurpose.values or purpose == CodePurpose.CLOSE:
        # a closing code goes only to the signed-in person (own_code_send)
        raise InvalidInput(_("Unknown purpose."), field="purpose", code="invalid_choice")
    _code_send(canonical, purpose, ip)


def own_code_send(*, user: User, purpose: str, ip: str | None = None) -> None:
    """Text a code for ``purpose`` to the signed-in ``user``'s own number (closing
    the account: ``CodePurpose.CLOSE``), with the limits of ``verification_code_send``.
    The person knows their number is registered, so a gateway failure is told.

    Raises: InvalidInput (field ``purpose``: not ``close``); RateLimited /
    CodeSentRecently (429, field ``mobile``); SMSError subclasses (gateway).
    """
    if purpose != CodePurpose.CLOSE:
        raise InvalidInput(_("Unknown purpose."), field="purpose", code="invalid_choice")
    _code_send(user.mobile, purpose, ip)


def _code_send(canonical: str, purpose: str, ip: str | None) -> None:
    _code_throttle(canonical, ip)
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    recipient = User.objects.filter(mobile=canonical, is_active=True).first()
    try:
        with transaction.atomic():
            VerificationCode.objects.filter(
                mobile=canonical, purpose=purpose, closed_at__isnull=True
            ).update(closed_at=now)
            row = VerificationCode.objects.create(
                mobile=canonical,
                purpose=purpose,
                code_hash=_code_hash(purpose, canonical, code),
                created_at=now,
                expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL),
            )
    except IntegrityError:  # a parallel request for the same number won the race
        raise CodeSentRecently(field="mobile") from None
    if recipient is None and purpose != CodePurpose.REGISTER:
        return  # nobody to sign in or reset: texted to nobody, answered alike
    language = recipient.language if recipient is not None else translation.get_language()
    minutes = max(1, settings.SMS_CODE_TTL // 60)
    with translation.override(language):
        text = gettext(
            "Your civicpoints code is %(code)s, valid for %(minutes)s minutes. "
            "Never tell it to anyone."
        ) % {"code": code, "minutes": minutes}
    try:
        get_sms_backend().send(
            mobile=canonical,
            text=text,
            template="code",
            params={"code": code, "minutes": str(minutes)},
        )
    except SMSError as exc:
        VerificationCode.objects.filter(pk=row.pk, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
        if purpose in SECRET_REGISTRATION_PURPOSES:
            # answered like the send to an unregistered number (see above)
            log.warning("verification code for %s not sent: %s", purpose, exc.code)
            return
        raise


def _code_check(*, mobile: str, purpose: str, code: str) -> int:
    """Spend one try of the live code for ``mobile`` and ``purpose``; return its id when
    ``code`` is right. The try is written at once (call this outside any transaction,
    so that a wrong try counts even when the caller fails afterwards).

    Raises: CodeInvalid (no live code), CodeExpired, CodeExhausted, CodeWrong — all
    422 with field ``code``.
    """
    now = timezone.now()
    row = (
        VerificationCode.objects.filter(mobile=mobile, purpose=purpose, closed_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if row is None:
        raise CodeInvalid(field="code")
    if row.expires_at <= now:
        raise CodeExpired(field="code")
    spent = VerificationCode.objects.filter(
        pk=row.pk, closed_at__isnull=True, attempts__lt=CODE_MAX_ATTEMPTS
    ).update(attempts=models.F("attempts") + 1)
    if not spent:  # out of tries, or spent/replaced by a parallel request meanwhile
        attempts = (
            VerificationCode.objects.filter(pk=row.pk).values_list("attempts", flat=True).get()
        )
        raise (CodeExhausted if attempts >= CODE_MAX_ATTEMPTS else CodeInvalid)(field="code")
    # read back: parallel tries count too (at most CODE_MAX_ATTEMPTS pass the update)
    tries = VerificationCode.objects.filter(pk=row.pk).values_list("attempts", flat=True).get()
    if not hmac.compare_digest(row.code_hash, _code_hash(purpose, mobile, (code or "").strip())):
        if tries >= CODE_MAX_ATTEMPTS:
            VerificationCode.objects.filter(pk=row.pk, closed_at__isnull=True).update(closed_at=now)
            raise CodeExhausted(field="code")
        left = CODE_MAX_ATTEMPTS - tries
        raise CodeWrong(_("The code is wrong. %(left)s tries left.") % {"left": left}, field="code")
    return row.pk


def _code_close(pk: int) -> None:
    """Close a checked code inside the caller's transaction; a second spender loses.

    Raises: CodeInvalid (already spent by a parallel request)."""
    if not VerificationCode.objects.filter(pk=pk, closed_at__isnull=True).update(
        closed_at=timezone.now()
    ):
        raise CodeInvalid(field="code")


def own_code_check(*, user: User, purpose: str, code: str) -> int:
    """Spend one try of the live ``purpose`` code sent to ``user``'s own number
    (``own_code_send``); returns its id when right. Call it outside any transaction
    (a wrong try must count), then ``own_code_close(id)`` inside the one that acts.
    Used by ``privacy.services.account_close``.

    Raises: CodeInvalid, CodeExpired, CodeExhausted, CodeWrong (422, field ``code``).
    """
    return _code_check(mobile=user.mobile, purpose=purpose, code=code)


def own_code_close(code_id: int) -> None:
    """Close a code checked by ``own_code_check`` in the caller's transaction.

    Raises: CodeInvalid (spent by a parallel request meanwhile)."""
    _code_close(code_id)


def resident_register_with_code(
    *,
    mobile: str,
    code: str,
    nickname: str,
    password: str,
    community: Community,
    grid: Grid | None = None,
    origin: tuple[str, str] | None = None,
) -> User:
    """Self-registration: the number proven by a ``register`` code, then the resident
    created as ``resident_register`` does (``mobile_verified_at`` set), in one
    transaction with spending the code — a failure leaves the code usable.

    Raises:
        InvalidInput (fields ``mobile``, ``nickname``, ``password``, ``grid``) before
        any try is spent; CodeInvalid / CodeWrong / CodeExpired / CodeExhausted
        (field ``code``); MobileTaken — only after the right code, so only the
        number's holder learns it has an account.
    """
    canonical = normalize_mobile(mobile)
    _clean_nickname(nickname)
    _place(community, grid, None)
    _check_password(password)
    code_id = _code_check(mobile=canonical, purpose=CodePurpose.REGISTER, code=code)
    with transaction.atomic():
        _code_close(code_id)
        return resident_register(
            mobile=canonical,
            nickname=nickname,
            password=password,
            community=community,
            grid=grid,
            mobile_verified=True,
            origin=origin,
        )


def user_sign_in_with_code(*, mobile: str, code: str) -> User:
    """The person holding ``mobile`` signs in with a ``login`` code; this also confirms
    the number of a resident registered by staff (``mobile_verified_at``).

    Returns: the active user (the caller logs them in).

    Raises: CodeInvalid / CodeWrong / CodeExpired / CodeExhausted (field ``code``);
    no account for the number answers like a wrong code.
    """
    canonical = normalize_mobile(mobile)
    code_id = _code_check(mobile=canonical, purpose=CodePurpose.LOGIN, code=code)
    with transaction.atomic():
        _code_close(code_id)
        user = User.objects.filter(mobile=canonical, is_active=True).first()
        if user is None:
            raise CodeInvalid(field="code")
        if user.mobile_verified_at is None:
            user.mobile_verified_at = timezone.now()
            user.save(update_fields=["mobile_verified_at"])
    return user


def password_reset_with_code(*, mobile: str, code: str, new_password: str) -> User:
    """Self-service reset: a ``reset`` code proves the number, then the password is set
    (and the number confirmed) in one transaction with spending the code.

    Raises: InvalidInput (field ``password``, checked before any try is spent);
    CodeInvalid / CodeWrong / CodeExpired / CodeExhausted (field ``code``); no
    account for the number answers like a wrong code.
    """
    canonical = normalize_mobile(mobile)
    user = User.objects.filter(mobile=canonical, is_active=True).first()
    _check_password(new_password, user)
    code_id = _code_check(mobile=canonical, purpose=CodePurpose.RESET, code=code)
    with transaction.atomic():
        _code_close(code_id)
        if user is None:
            raise CodeInvalid(field="code")
        user.set_password(new_password)
        user.must_change_password = False  # chosen by the owner: a staff reset is superseded
        user.mobile_verified_at = user.mobile_verified_at or timezone.now()
        user.save(update_fields=["password", "must_change_password", "mobile_verified_at"])
    return user


def verification_codes_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete codes created more than ``older_than`` ago (all long closed or
    expired). Returns how many. Run hourly by the ``accounts.purge_codes`` job."""
    cutoff = timezone.now() - older_than
    deleted, _by_model = VerificationCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def user_set_elder_mode(*, user: User, on: bool) -> User:
    """Turn elder mode (large text, high contrast) on or off on ``user``'s account.

    The page's cookie (``ELDER_COOKIE``) mirrors it on the phone, so the setting
    also holds after signing out there. Returns the user, saved only on a change.
    """
    on = bool(on)
    if user.elder_mode != on:
        with transaction.atomic():
            user.elder_mode = on
            user.save(update_fields=["elder_mode"])
    return user
