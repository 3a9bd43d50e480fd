"""Forms of the town console; every choice is limited to the admin's own town."""

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.forms import MobileField
from civicpoints.accounts.models import Community, Grid, Role

ROLE_CHOICES = [
    (Role.COMMUNITY_STAFF, _("Community staff")),
    (Role.GRID_WORKER, _("Grid worker")),
    (Role.TOWN_ADMIN, _("Town admin")),
]


class _TownForm(forms.Form):
    def __init__(self, *args, town_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                # communities and grids both carry their town
                model = field.queryset.model
                field.queryset = model.objects.for_town(town_id).order_by("name")


class NameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)


class GridForm(_TownForm):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("Community"))
    name = forms.CharField(label=_("Grid name"), max_length=80)


class StaffForm(_TownForm):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    community = forms.ModelChoiceField(
        Community.objects.none(), label=_("Community"), required=False
    )
    grid = forms.ModelChoiceField(
        Grid.objects.select_related("community").none(), label=_("Grid"), required=False
    )


class StaffInviteForm(StaffForm):
    mobile = MobileField()
    nickname = forms.CharField(label=_("Name"), max_length=40)
    field_order = ["mobile", "nickname", "role", "community", "grid"]


class HouseholdForm(_TownForm):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("Community"))
    name = forms.CharField(label=_("Household"), max_length=80, help_text=_("e.g. the door number"))


class MemberForm(forms.Form):
    mobile = MobileField(label=_("Resident's mobile number"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Residents list (.xlsx or .csv)"),
        help_text=_("Use the template's columns; at most 100,000 rows and 20 MB."),
    )


class CardsForm(_TownForm):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("Community"))


class ExpiryPolicyForm(forms.Form):
    """The town's points expiry (``points.expiry.expiry_policy_set``)."""

    enabled = forms.BooleanField(label=_("Points expire"), required=False)
    years_kept = forms.IntegerField(
        label=_("Years kept after the year earned"),
        min_value=1,
        max_value=5,
        initial=1,
        help_text=_(
            "1: points earned in a year can be used until the end of the next year, "
            "then what is left of them expires. Oldest points are used first."
        ),
    )
