"""Who may act on whom (DESIGN.md invariant 7).

Community staff act inside their own community, grid workers inside their own grid;
town admins inside their town; a resident only on themself. Everything that takes an actor
and a resident checks here, so the rule lives in one place.
"""

from django.db.models import QuerySet

from civicpoints.accounts.models import Role, User
from civicpoints.core.errors import NotFound, OutOfScope


def covers(actor: User, person: User) -> bool:
    """True when ``actor``'s staff scope includes ``person`` (or they are the same)."""
    if actor.pk == person.pk:
        return True
    if not actor.is_active:
        return False
    if actor.role == Role.TOWN_ADMIN:
        return actor.town_id == person.town_id
    if actor.role == Role.COMMUNITY_STAFF:
        return actor.community_id is not None and actor.community_id == person.community_id
    if actor.role == Role.GRID_WORKER:
        return actor.grid_id is not None and actor.grid_id == person.grid_id
    return False


def town_of(actor: User) -> int:
    """The id of ``actor``'s town. Everyone but the platform operator has one; the
    operator (a superuser without a town) gets OutOfScope (code ``no_town``) on any
    page or service that works inside a town."""
    if actor.town_id is None:
        raise OutOfScope(code="no_town")
    return actor.town_id


def require_staff(actor: User) -> None:
    """Raises OutOfScope unless ``actor`` holds a staff role (community, grid, town)."""
    if not (actor.is_authenticated and actor.is_active and actor.is_community_staff):
        raise OutOfScope(code="staff_only")


def require_town_admin(actor: User) -> None:
    """Raises OutOfScope (code ``town_admin_only``) unless ``actor`` is an active town admin."""
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.TOWN_ADMIN):
        raise OutOfScope(code="town_admin_only")


def require_covers(actor: User, person: User) -> None:
    """Raises OutOfScope (HTTP 403) unless ``actor``'s scope covers ``person``."""
    if not covers(actor, person):
        raise OutOfScope()


def residents_in_scope(actor: User) -> QuerySet[User]:
    """Residents the staff member ``actor`` may see in full and act for."""
    qs = User.objects.for_town(actor.town_id).filter(role=Role.RESIDENT)
    if actor.role == Role.TOWN_ADMIN:
        return qs
    if actor.role == Role.COMMUNITY_STAFF and actor.community_id:
        return qs.filter(community_id=actor.community_id)
    if actor.role == Role.GRID_WORKER and actor.grid_id:
        return qs.filter(grid_id=actor.grid_id)
    return qs.none()


def resident_for_staff(actor: User, resident_id: int) -> User:
    """The resident ``resident_id`` if ``actor`` may act for them.

    Raises:
        OutOfScope: ``actor`` is not staff.
        NotFound: no such resident inside ``actor``'s scope (residents of other
            communities are indistinguishable from missing ones: 404, not 403).
    """
    require_staff(actor)
    try:
        return residents_in_scope(actor).select_related("community", "grid").get(pk=resident_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
