"""Forms of the inbox's pages: notification preferences and staff broadcasts."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Community, Grid, Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.forms import NonceField
from civicpoints.notifications.services import BROADCAST_BODY_MAX, BROADCAST_TITLE_MAX


def target_choices(actor: User) -> list[tuple[str, str]]:
    """What ``actor`` may broadcast to, as ``("c:<id>" | "g:<id>", label)``: town admins
    every community and grid of their town, community staff their community and its
    grids, grid workers their grid."""
    grids = (
        Grid.objects.for_town(actor.town_id)
        .select_related("community")
        .order_by("community__name", "name")
    )
    if actor.role == Role.TOWN_ADMIN:
        town_id = town_of(actor)
        communities = list(Community.objects.filter(town_id=town_id).order_by("name"))
        grids = grids.filter(community__town_id=town_id)
    elif actor.role == Role.COMMUNITY_STAFF and actor.community_id:
        communities = list(Community.objects.for_town(actor.town_id).filter(pk=actor.community_id))
        grids = grids.filter(community_id=actor.community_id)
    elif actor.role == Role.GRID_WORKER and actor.grid_id:
        communities = []
        grids = grids.filter(pk=actor.grid_id)
    else:
        return []
    out = [(f"c:{c.pk}", str(_("Community: %(name)s") % {"name": c.name})) for c in communities]
    out += [(f"g:{g.pk}", str(_("Grid: %(name)s") % {"name": str(g)})) for g in grids]
    return out


class BroadcastForm(forms.Form):
    target = forms.ChoiceField(label=_("To the residents of"))
    title = forms.CharField(label=_("Title"), max_length=BROADCAST_TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=BROADCAST_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("At most 500 characters; an SMS carries the first 70 or so."),
    )
    nonce = NonceField(initial=lambda: uuid.uuid4().hex)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)  # noqa: S101  # nosec B101 - declared above
        target.choices = target_choices(actor)

    def ids(self) -> tuple[int | None, int | None]:
        """(community id, grid id) of the chosen target."""
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        return (int(pk), None) if kind == "c" else (None, int(pk))
