"""Test helpers for the ledger."""

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import town_of


def confirming_staff(resident: User) -> User:
    """A town admin of ``resident``'s town: the staff member whose award confirms a rule
    that ``requires_confirmation`` (``points.governance.may_confirm``)."""
    admin = User.objects.filter(role=Role.TOWN_ADMIN, town_id=town_of(resident)).first()
    assert admin is not None, "the test's town has no admin"
    return admin
