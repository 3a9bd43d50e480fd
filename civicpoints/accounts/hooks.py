"""Hooks of the accounts app, for the apps above it (see ``core.hooks``).

``resident_registered``: a resident account was created (self-registration, by
staff, or an import), sent inside the registration's transaction with the saved
``User``. The ledger subscribes to open the resident's zero balance row, so a
balance exists from day one without ``accounts`` importing ``points``.

``residents_imported``: a batch of residents created by a bulk import (a list of saved
``User``), sent once per batch inside its transaction; the ledger opens all their
balance rows with one statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from civicpoints.core.hooks import Hook

if TYPE_CHECKING:
    from civicpoints.accounts.models import Town, User

# ``town_created``: a new town was created (``services.town_create``: ``manage.py
# create_town``, the /setup/ page; the demo seeder), sent inside its transaction. The
# ledger gives it the shipped rule catalog, posts its default sections, reports its
# default categories: a new town starts from the shipped defaults.
town_created: Hook[Town] = Hook(
    "accounts.town_created", "A town was created (inside its transaction)."
)

resident_registered: Hook[User] = Hook(
    "accounts.resident_registered", "A resident was registered (inside its transaction)."
)

residents_imported: Hook[list[User]] = Hook(
    "accounts.residents_imported",
    "Residents were created in bulk by an import batch (inside its transaction), "
    "instead of one resident_registered each.",
)


@dataclass(frozen=True)
class RegistrationOrigin:
    """Where a self-registration came from: client address and device id (as sent)."""

    user: User
    address: str
    device: str


# ``resident_registered_from``: a resident registered themselves from a page or the
# API, with the request's origin (``core.origin``); sent right after
# ``resident_registered``. The integrity app subscribes (registration bursts).
resident_registered_from: Hook[RegistrationOrigin] = Hook(
    "accounts.resident_registered_from",
    "A resident registered themselves; the origin of the request (inside its transaction).",
)
