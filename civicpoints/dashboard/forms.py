from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Community
from civicpoints.core.bounds import BoundedDateField

_date = forms.DateInput(attrs={"type": "date"})


class RangeForm(forms.Form):
    """The dashboard filter: local dates, and a community for town admins."""

    start = BoundedDateField(label=_("From"), required=False, widget=_date)
    end = BoundedDateField(label=_("To"), required=False, widget=_date)
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("The whole town"),
    )

    def __init__(self, *args, user=None, town=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.role in ("town_admin", "district_admin"):
            community = self.fields["community"]
            assert isinstance(community, forms.ModelChoiceField)  # as declared above
            town_id = town.pk if town is not None else user.town_id
            community.queryset = Community.objects.filter(town_id=town_id).order_by("name")
        else:
            del self.fields["community"]
