from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.integrity.models import REASON_MAX


class DecisionForm(forms.Form):
    why = forms.CharField(
        label=_("Why"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded with the decision and shown to other staff."),
    )
