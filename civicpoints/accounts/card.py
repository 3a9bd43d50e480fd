"""The personal QR card: a signed, expiring, revocable token naming a resident, shown
at events and merchants.

The token is ``django.core.signing.dumps(user.card_key)`` salted and timestamped:
``card_key`` is 128 random bits kept on the user, so the token says nothing about
who it is (no id, mobile or name) and cannot be forged or guessed without
SECRET_KEY. It expires ``settings.RESIDENT_CARD_MAX_AGE_DAYS`` after it was made
(default 365 days: a printed card is renewed yearly; the phone's card is made fresh
at each view). ``accounts.services.resident_card_revoke`` draws a new ``card_key``,
so every card made before — a lost printout, a screenshot — stops working at once.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Role, User
from civicpoints.core.errors import InvalidInput

_SALT = "civicpoints.resident-card.v2"


def card_max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.RESIDENT_CARD_MAX_AGE_DAYS)


def resident_card_token(resident: User) -> str:
    """The token printed on ``resident``'s card (a short opaque string), made now and
    valid for ``RESIDENT_CARD_MAX_AGE_DAYS`` days or until the card is revoked."""
    return signing.dumps(resident.card_key, salt=_SALT)


def resident_card_valid_until(resident: User) -> dt.datetime:
    """When a card made now stops working (an aware datetime)."""
    return timezone.now() + card_max_age()


def resident_from_card(token: str) -> User:
    """The active resident a scanned card names.

    Raises:
        InvalidInput(code ``card_expired``, field ``token``): older than
            ``RESIDENT_CARD_MAX_AGE_DAYS``.
        InvalidInput(code ``invalid_card``, field ``token``): forged, garbled,
            revoked (``services.resident_card_revoke``), or the resident is gone or deactivated.
    """
    try:
        key = signing.loads(token, salt=_SALT, max_age=card_max_age())
        if not isinstance(key, str):
            raise TypeError(key)
        return User.objects.get(card_key=key, role=Role.RESIDENT, is_active=True)
    except signing.SignatureExpired:
        raise InvalidInput(
            _("This card has expired. Show the card on your phone or ask staff for a new one."),
            field="token",
            code="card_expired",
        ) from None
    except (signing.BadSignature, User.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(
            _("This card is not valid."), field="token", code="invalid_card"
        ) from None
