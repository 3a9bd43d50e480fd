"""Ledger forms for the staff desk: award a rule by hand, adjust a balance with a reason."""

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.core.forms import NonceField
from civicpoints.points.automatic import automatic_codes
from civicpoints.points.models import PointRule, RuleCategory


def award_rule_choices(town_id: int | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Town ``town_id``'s rules staff award by hand, grouped by category in catalog
    order (optgroups).

    Automatic rules (``points.automatic``: daily check-in, quizzes, the pledge,
    questionnaires, reading, good-deed posts) are left out: residents earn them by
    doing the thing, never from the desk. Every other rule is listed, whatever its
    ``requires_confirmation`` says: no code path would award it otherwise.
    """
    rules = PointRule.objects.for_town(town_id).in_force().exclude(code__in=automatic_codes())
    groups = []
    for value, label in RuleCategory.choices:
        items = [
            (r.code, f"{r.name} · {r.points}")
            for r in rules.filter(category=value).order_by("sort_order", "code")
        ]
        if items:
            groups.append((str(label), items))
    return groups


class AwardForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    nonce = NonceField(initial=lambda: uuid.uuid4().hex)

    def __init__(self, *args: Any, town_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = self.fields["rule"]
        assert isinstance(rule, forms.ChoiceField)  # as declared above
        rule.choices = award_rule_choices(town_id)


class AdjustForm(forms.Form):
    points = forms.IntegerField(label=_("Points (+/-)"), min_value=-100_000, max_value=100_000)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    nonce = NonceField(initial=lambda: uuid.uuid4().hex)

    def clean_points(self) -> int:
        points: int = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("Enter a non-zero number of points."))
        return points


class BudgetForm(forms.Form):
    """A monthly points budget for one rule or one category (exactly one of the two)."""

    rule = forms.ChoiceField(label=_("Rule"), required=False)
    category = forms.ChoiceField(label=_("or a whole category"), required=False)
    points = forms.IntegerField(label=_("Points a month"), min_value=1, max_value=100_000_000)
    mode = forms.ChoiceField(label=_("Past the budget"))

    def __init__(self, *args: Any, town_id: int | None = None, **kwargs: Any) -> None:
        from civicpoints.points.models import BudgetMode, RuleCategory

        super().__init__(*args, **kwargs)
        rule, category, mode = self.fields["rule"], self.fields["category"], self.fields["mode"]
        assert isinstance(rule, forms.ChoiceField) and isinstance(category, forms.ChoiceField)
        assert isinstance(mode, forms.ChoiceField)  # as declared above
        rule.choices = [("", "—")] + [
            (r.code, f"{r.name} · {r.points}")
            for r in PointRule.objects.for_town(town_id).order_by("sort_order")
        ]
        category.choices = [("", "—"), *RuleCategory.choices]
        mode.choices = BudgetMode.choices


class QueuedDecisionForm(forms.Form):
    """A town admin's decision on an award waiting past a budget, and why
    (``points.budgets.queued_award_confirm`` requires the why; refusing does not)."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("confirm", _("Confirm")), ("refuse", _("Refuse"))]
    )
    why = forms.CharField(label=_("Why"), max_length=200, required=False)
