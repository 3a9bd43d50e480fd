"""Forms of the town console; every choice is limited to the admin's own town."""

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.forms import MobileField
from civicpoints.accounts.models import Community, Grid, Role
from civicpoints.core.bounds import BoundedDateField

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


class RuleChangeForm(forms.Form):
    """A change of one rule of the town's catalog: the rule's fields (prefilled with its
    latest version), the reason and the local date it takes effect. Only the fields that
    differ from the latest version are sent to ``points.governance.rule_change``."""

    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=60)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=10_000)
    daily_limit = forms.IntegerField(
        label=_("Times per local day"), min_value=1, max_value=1000, required=False
    )
    period = forms.ChoiceField(label=_("Cap period"), required=False)
    period_limit = forms.IntegerField(
        label=_("Times per period"), min_value=1, max_value=1000, required=False
    )
    requires_confirmation = forms.BooleanField(label=_("Needs staff confirmation"), required=False)
    claimable = forms.BooleanField(label=_("Claimable on a post"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)
    effective_from = BoundedDateField(
        label=_("Takes effect on"),
        help_text=_("A local date, today or later."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=200,
        help_text=_("Shown in the rule's history."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    EDITED = (
        "name_zh",
        "name_en",
        "points",
        "daily_limit",
        "period",
        "period_limit",
        "requires_confirmation",
        "claimable",
        "is_active",
    )

    def __init__(self, *args, **kwargs):
        from civicpoints.points.models import CapPeriod

        super().__init__(*args, **kwargs)
        period = self.fields["period"]
        assert isinstance(period, forms.ChoiceField)  # as declared above
        period.choices = [("", _("No period cap")), *CapPeriod.choices]

    def changes(self, latest) -> dict:
        """The edited fields whose value differs from ``latest`` (a ``RuleVersion``)."""
        d = self.cleaned_data
        out = {}
        for f in self.EDITED:
            value = d.get(f)
            if f == "period":
                value = value or None
            if value != getattr(latest, f):
                out[f] = value
        return out


class RefuseForm(forms.Form):
    """The reason of a decision on a waiting award (confirm or refuse)."""

    why = forms.CharField(label=_("Why"), max_length=200)
