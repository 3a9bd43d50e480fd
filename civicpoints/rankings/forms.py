from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.core.bounds import BoundedDateField
from civicpoints.rankings.models import HonourKind


class HonourPeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Honour"), choices=HonourKind.choices)
    period_start = BoundedDateField(
        label=_("First day of the month or year"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
