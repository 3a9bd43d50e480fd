"""Read queries over people and organization."""

from django.db.models import Q, QuerySet

from civicpoints.accounts.models import Community, User
from civicpoints.accounts.scope import residents_in_scope


def communities_for_registration() -> QuerySet[Community]:
    """Every community a new resident may choose, with its town, ordered by town and name."""
    return Community.objects.select_related("town").order_by("town__name", "name")


def community_get(community_id: int) -> Community:
    """The community ``community_id``. Raises Community.DoesNotExist."""
    return Community.objects.select_related("town").get(pk=community_id)


def residents_search(actor: User, q: str = "") -> QuerySet[User]:
    """Residents in ``actor``'s scope whose nickname, real name or mobile contains ``q``."""
    qs = residents_in_scope(actor).select_related("community", "grid", "point_account")
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
