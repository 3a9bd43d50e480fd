from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Community
from civicpoints.core.bounds import BoundedDateField
from civicpoints.disputes.models import DisputeCategory, MediationOutcome

_date = forms.DateInput(attrs={"type": "date"})


class DisputeForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    category = forms.ChoiceField(label=_("Category"), choices=DisputeCategory.choices)
    parties = forms.CharField(
        label=_("Parties"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Never shown in public."),
    )
    occurred_on = BoundedDateField(label=_("Date of the dispute"), widget=_date)
    summary = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(label=_("Mediation outcome"), choices=MediationOutcome.choices)
    outcome_notes = forms.CharField(
        label=_("Mediation notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    resolved_on = BoundedDateField(label=_("Date closed"), required=False, widget=_date)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        community = self.fields["community"]
        assert isinstance(community, forms.ModelChoiceField)  # as declared above
        community.queryset = communities
        if communities is not None and len(communities) == 1:
            community.initial = communities[0]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Mediation outcome"), choices=MediationOutcome.choices)
    outcome_notes = forms.CharField(
        label=_("Mediation notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    resolved_on = BoundedDateField(label=_("Date closed"), required=False, widget=_date)
