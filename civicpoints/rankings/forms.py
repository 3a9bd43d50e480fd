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


class WhatIfForm(forms.Form):
    """A proposed change of one rule and the past period to replay it over (local dates)."""

    rule = forms.ChoiceField(label=_("Rule"))
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    points = forms.IntegerField(
        label=_("New value (points)"), min_value=1, max_value=100_000, required=False
    )
    daily_limit = forms.IntegerField(
        label=_("New daily cap (awards a day)"), min_value=1, max_value=1000, required=False
    )
    monthly_budget = forms.IntegerField(
        label=_("Monthly budget (points)"), min_value=1, max_value=100_000_000, required=False
    )

    def __init__(self, *args, town_id, **kwargs):
        from civicpoints.points.models import PointRule

        super().__init__(*args, **kwargs)
        rule = self.fields["rule"]
        assert isinstance(rule, forms.ChoiceField)  # as declared above
        rule.choices = [
            (r.code, f"{r.name} · {r.points}")
            for r in PointRule.objects.for_town(town_id).order_by("sort_order")
        ]

    def clean(self):
        d = super().clean() or {}
        if d.get("start") and d.get("end"):
            if d["start"] > d["end"]:
                self.add_error("end", _("The period ends before it starts."))
            elif (d["end"] - d["start"]).days > 3 * 366:
                self.add_error("start", _("At most three years."))
        return d
