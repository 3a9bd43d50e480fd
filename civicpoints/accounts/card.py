"""The personal QR card: a signed token naming a resident, shown at events and merchants.

The token is signed with SECRET_KEY (salted), so it cannot be guessed or forged
from a resident id; it carries no mobile number or name.
"""

from django.core import signing
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Role, User
from civicpoints.core.errors import InvalidInput

_SALT = "civicpoints.resident-card"


def resident_card_token(resident: User) -> str:
    """The token printed on ``resident``'s card (a short signed string)."""
    return signing.dumps(resident.pk, salt=_SALT, compress=True)


def resident_from_card(token: str) -> User:
    """The active resident a scanned card names.

    Raises:
        InvalidInput(code ``invalid_card``, field ``token``): forged, garbled, or
        the resident is gone or deactivated.
    """
    try:
        pk: int = signing.loads(token, salt=_SALT)
        return User.objects.get(pk=pk, role=Role.RESIDENT, is_active=True)
    except (signing.BadSignature, User.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(
            _("This card is not valid."), field="token", code="invalid_card"
        ) from None
