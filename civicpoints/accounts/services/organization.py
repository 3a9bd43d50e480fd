"""The town console's changes: communities, grids, staff accounts, households.

Every function here is for a town admin acting inside their own town: anything of
another town is "not found" (404), never "forbidden", so ids do not leak.
"""

from __future__ import annotations

import secrets
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Community, Grid, Household, Role, User
from civicpoints.accounts.scope import require_town_admin, town_of
from civicpoints.accounts.services.people import MobileTaken, _clean_nickname
from civicpoints.accounts.services.towns import _clean_name
from civicpoints.accounts.sms import get_sms_backend
from civicpoints.core.errors import Conflict, InvalidInput, NotFound
from civicpoints.core.mobile import normalize_mobile

STAFF_INVITE_ROLES = (Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.TOWN_ADMIN)


class NameTaken(Conflict):
    code = "name_taken"
    default_detail = _("This name is already used here.")


M = TypeVar("M", bound=models.Model)


def _get(model: type[M], actor: User, pk: Any, lookup: str) -> M:
    try:
        return model._default_manager.get(pk=pk, **{lookup: town_of(actor)})
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def community_of_town(actor: User, community_id: Any) -> Community:
    """The community ``community_id`` of ``actor``'s town. Raises OutOfScope, NotFound."""
    require_town_admin(actor)
    return _get(Community, actor, community_id, "town_id")


def grid_of_town(actor: User, grid_id: Any) -> Grid:
    """The grid ``grid_id`` of ``actor``'s town. Raises OutOfScope, NotFound."""
    require_town_admin(actor)
    return _get(Grid, actor, grid_id, "community__town_id")


def _save_unique(obj: models.Model, field: str, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            obj.save(update_fields=update_fields) if update_fields else obj.save(force_insert=True)
    except IntegrityError:
        raise NameTaken(field=field) from None


def community_create(*, actor: User, name: str) -> Community:
    """A town admin adds a community to their town.

    Raises OutOfScope (not a town admin), InvalidInput / NameTaken (field ``name``).
    """
    require_town_admin(actor)
    community = Community(town_id=town_of(actor), name=_clean_name(name, field="name"))
    _save_unique(community, "name")
    return community


def community_rename(*, actor: User, community_id: int, name: str) -> Community:
    """Rename a community of the admin's town. Raises OutOfScope, NotFound, InvalidInput,
    NameTaken (field ``name``)."""
    community = community_of_town(actor, community_id)
    community.name = _clean_name(name, field="name")
    _save_unique(community, "name", ["name"])
    return community


def grid_create(*, actor: User, community_id: int, name: str) -> Grid:
    """Add a grid to a community of the admin's town. Raises OutOfScope, NotFound
    (community), InvalidInput / NameTaken (field ``name``)."""
    community = community_of_town(actor, community_id)
    grid = Grid(community=community, name=_clean_name(name, field="name"))
    _save_unique(grid, "name")
    return grid


def grid_rename(*, actor: User, grid_id: int, name: str) -> Grid:
    """Rename a grid of the admin's town. Raises OutOfScope, NotFound, InvalidInput,
    NameTaken (field ``name``)."""
    grid = grid_of_town(actor, grid_id)
    grid.name = _clean_name(name, field="name")
    _save_unique(grid, "name", ["name"])
    return grid


# --- staff accounts ---------------------------------------------------------------


def _staff_place(
    actor: User, role: str, community_id: Any, grid_id: Any
) -> tuple[Community | None, Grid | None]:
    if role not in STAFF_INVITE_ROLES:
        raise InvalidInput(
            _("Choose community staff, grid worker or town admin."),
            field="role",
            code="invalid_choice",
        )
    if role == Role.TOWN_ADMIN:
        return None, None
    if community_id in (None, ""):
        raise InvalidInput(_("Choose the community."), field="community_id", code="required")
    try:
        community = community_of_town(actor, community_id)
    except NotFound:
        raise InvalidInput(
            _("No such community in your town."), field="community_id", code="invalid_choice"
        ) from None
    grid = None
    if role == Role.GRID_WORKER:
        if grid_id in (None, ""):
            raise InvalidInput(_("Choose the grid."), field="grid_id", code="required")
        grid = Grid.objects.filter(pk=grid_id, community=community).first()
        if grid is None:
            raise InvalidInput(
                _("This grid is not in the chosen community."),
                field="grid_id",
                code="grid_mismatch",
            )
    return community, grid


def staff_of_town(actor: User, user_id: Any) -> User:
    """A staff account (community staff, grid worker, town admin) of ``actor``'s town.

    Raises OutOfScope (not a town admin), NotFound (no such staff in the town)."""
    require_town_admin(actor)
    try:
        return User.objects.get(pk=user_id, town_id=town_of(actor), role__in=STAFF_INVITE_ROLES)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def staff_invite(
    *,
    actor: User,
    mobile: str,
    nickname: str,
    role: str,
    community_id: int | None = None,
    grid_id: int | None = None,
) -> User:
    """A town admin creates a staff account of their town and texts it a one-time password.

    ``role`` is ``community_staff`` (needs ``community_id``), ``grid_worker`` (needs
    ``community_id`` and a ``grid_id`` of it) or ``town_admin`` (no scope: the whole
    town; never a superuser). The 12-character password goes out by SMS after commit
    and is returned nowhere; the first sign-in must change it (``must_change_password``:
    pages redirect to the password page, the API answers 403 ``password_change_required``).

    Raises OutOfScope, InvalidInput (fields ``mobile``, ``nickname``, ``role``,
    ``community_id``, ``grid_id``), MobileTaken (field ``mobile``).
    """
    require_town_admin(actor)
    canonical = normalize_mobile(mobile)
    nickname = _clean_nickname(nickname)
    community, grid = _staff_place(actor, role, community_id, grid_id)
    temporary = secrets.token_urlsafe(16)[:12]
    try:
        with transaction.atomic():
            person = User(
                mobile=canonical,
                nickname=nickname,
                role=role,
                town_id=town_of(actor),
                community=community,
                grid=grid,
                must_change_password=True,  # a one-time password: changed at first sign-in
            )
            person.set_password(temporary)
            person.save(force_insert=True)
            transaction.on_commit(lambda: _send_invitation(person, temporary))
    except IntegrityError:
        raise MobileTaken(field="mobile") from None
    return person


def _send_invitation(person: User, temporary: str) -> None:
    with translation.override(person.language):
        text = gettext(
            "You were invited as staff of civicpoints. One-time password: %(pw)s — "
            "change it after your first log-in."
        ) % {"pw": temporary}
    get_sms_backend().send(mobile=person.mobile, text=text)


def staff_move(
    *,
    actor: User,
    user_id: int,
    role: str,
    community_id: int | None = None,
    grid_id: int | None = None,
) -> User:
    """Change a staff member's role and scope inside the town (idempotent).

    A town admin cannot demote themself (the town would risk having no admin).
    Raises OutOfScope, NotFound, InvalidInput (``role``, ``community_id``, ``grid_id``),
    Conflict(``own_role``).
    """
    person = staff_of_town(actor, user_id)
    community, grid = _staff_place(actor, role, community_id, grid_id)
    if person.pk == actor.pk and role != Role.TOWN_ADMIN:
        raise Conflict(_("You cannot change your own role."), field="role", code="own_role")
    with transaction.atomic():
        person.role, person.community, person.grid = role, community, grid
        person.save(update_fields=["role", "community", "grid"])
    return person


def staff_set_active(*, actor: User, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) a staff account of the town: it can no longer log in,
    and every scope check refuses it. Idempotent. Raises OutOfScope, NotFound,
    Conflict(``own_account``) for the admin's own account."""
    person = staff_of_town(actor, user_id)
    if person.pk == actor.pk:
        raise Conflict(
            _("You cannot deactivate your own account."), field="user_id", code="own_account"
        )
    if person.is_active != active:
        with transaction.atomic():
            person.is_active = active
            person.save(update_fields=["is_active"])
    return person


# --- households ---------------------------------------------------------------------


def household_of_town(actor: User, household_id: Any) -> Household:
    """A household of ``actor``'s town. Raises OutOfScope, NotFound."""
    require_town_admin(actor)
    try:
        household: Household = (
            Household.objects.for_town(town_of(actor))
            .select_related("community")
            .get(pk=household_id)
        )
        return household
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _resident_of_town(actor: User, resident_id: Any, field: str = "resident_id") -> User:
    try:
        return User.objects.get(pk=resident_id, town_id=town_of(actor), role=Role.RESIDENT)
    except (User.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(
            _("No such resident in your town."), field=field, code="invalid_choice"
        ) from None


def household_create(*, actor: User, community_id: int, name: str) -> Household:
    """A household (e.g. a door number) in a community of the town.

    Raises OutOfScope, NotFound (community), InvalidInput / NameTaken (field ``name``)."""
    community = community_of_town(actor, community_id)
    household = Household(community=community, name=_clean_name(name, field="name"))
    _save_unique(household, "name")
    return household


@transaction.atomic
def household_member_move(*, actor: User, resident_id: int, household_id: int | None) -> User:
    """Put a resident of the town into household ``household_id`` (None: out of any).

    Moving into a household of another community moves the resident to that community
    (and out of their grid). A head who leaves stops being the head. Idempotent.
    Raises OutOfScope, NotFound (household), InvalidInput (field ``resident_id``).
    """
    require_town_admin(actor)
    resident = _resident_of_town(actor, resident_id)
    household = household_of_town(actor, household_id) if household_id is not None else None
    old = resident.household_id
    if household is not None and household.pk == old:
        return resident
    fields = ["household"]
    resident.household = household
    if household is not None and household.community_id != resident.community_id:
        resident.community_id = household.community_id
        resident.grid = None
        fields += ["community", "grid"]
    resident.save(update_fields=fields)
    if old is not None:
        Household.objects.filter(pk=old, head=resident).update(head=None)
    return resident


@transaction.atomic
def household_set_head(*, actor: User, household_id: int, resident_id: int) -> Household:
    """Make a member the head of their household (idempotent).

    Raises OutOfScope, NotFound, InvalidInput (field ``resident_id``: not a member)."""
    household = household_of_town(actor, household_id)
    resident = _resident_of_town(actor, resident_id)
    if resident.household_id != household.pk:
        raise InvalidInput(
            _("Only a member can be the head of the household."),
            field="resident_id",
            code="not_a_member",
        )
    if household.head_id != resident.pk:
        household.head = resident
        household.save(update_fields=["head"])
    return household
