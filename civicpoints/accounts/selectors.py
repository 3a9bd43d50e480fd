"""Read queries over people and organization."""

from typing import cast

from django.db.models import Case, Count, Prefetch, Q, QuerySet, When

from civicpoints.accounts.models import STAFF_ROLES, Community, Grid, Household, Role, User
from civicpoints.accounts.scope import residents_in_scope, town_of


def communities_for_registration() -> QuerySet[Community]:
    """Every community a new resident may choose, with its town, ordered by town and name."""
    return Community.objects.select_related("town").order_by("town__name", "name")


def community_get(community_id: int) -> Community:
    """The community ``community_id``. Raises Community.DoesNotExist."""
    return cast(Community, Community.objects.select_related("town").get(pk=community_id))


def residents_search(actor: User, q: str = "") -> QuerySet[User]:
    """Residents in ``actor``'s scope whose nickname, real name or mobile contains ``q``."""
    qs = residents_in_scope(actor).select_related("community", "grid", "household", "point_account")
    q = (q or "").strip()
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        cond = Q(nickname__icontains=q) | Q(real_name__icontains=q)
        if len(digits) >= 4:
            cond |= Q(mobile__contains=digits)
        qs = qs.filter(cond)
    return qs.order_by("community__name", "nickname", "pk")


def wechat_openid(user: User) -> str | None:
    """The official-account openid bound to ``user`` (template messages), or None."""
    from civicpoints.accounts.models import WeChatIdentity

    return (
        WeChatIdentity.objects.filter(user_id=user.pk, openid__isnull=False)
        .values_list("openid", flat=True)
        .first()
    )


def wechat_bound(user: User) -> bool:
    """True when ``user`` has a WeChat identity bound (the profile's "Unbind WeChat").
    Read by user and town (DESIGN.md invariant 9); False for someone without a town."""
    from civicpoints.accounts.models import WeChatIdentity

    return WeChatIdentity.objects.for_town(user.town_id).filter(user_id=user.pk).exists()


# --- the town console (town admins) ---------------------------------------------------


def town_communities(actor: User) -> QuerySet[Community]:
    """Communities of ``actor``'s town with their grids (prefetched) and ``residents``
    (count), ordered by name. Empty for anyone but a town admin."""
    if actor.role != Role.TOWN_ADMIN:
        return Community.objects.none()
    town_id = town_of(actor)
    grids = Grid.objects.for_town(town_id).order_by("name")  # the prefetch names the town too
    qs: QuerySet[Community] = (
        Community.objects.for_town(town_id)
        .annotate(residents=Count("users", filter=Q(users__role=Role.RESIDENT)))
        .prefetch_related(Prefetch("grids", queryset=grids))
        .order_by("name")
    )
    return qs


def town_staff(actor: User) -> QuerySet[User]:
    """Staff accounts (community staff, grid workers, town admins) of ``actor``'s town,
    active first, by role and nickname. Empty for anyone but a town admin."""
    if actor.role != Role.TOWN_ADMIN:
        return User.objects.none()
    return (
        User.objects.filter(town_id=town_of(actor), role__in=STAFF_ROLES)
        .select_related("community", "grid")
        .order_by("-is_active", "role", "nickname", "pk")
    )


def town_households(
    actor: User, *, community_id: int | None = None, q: str = ""
) -> QuerySet[Household]:
    """Households of ``actor``'s town with ``members`` (count) and their head, by
    community and name; optionally one community and a name fragment ``q``."""
    if actor.role != Role.TOWN_ADMIN:
        return Household.objects.none()
    qs: QuerySet[Household] = Household.objects.for_town(town_of(actor))
    if community_id:
        qs = qs.filter(community_id=community_id)
    if (q or "").strip():
        qs = qs.filter(name__icontains=q.strip())
    return (
        qs.select_related("community", "head")
        .annotate(members_count=Count("members"))
        .order_by("community__name", "name", "pk")
    )


def household_members(household: Household) -> QuerySet[User]:
    """Members of ``household``, the head first."""
    return household.members.order_by(
        Case(When(pk=household.head_id, then=0), default=1), "nickname", "pk"
    )


def town_resident_by_mobile(actor: User, mobile: str) -> User | None:
    """The resident of ``actor``'s town with canonical ``mobile``, or None."""
    return User.objects.filter(town_id=town_of(actor), role=Role.RESIDENT, mobile=mobile).first()
