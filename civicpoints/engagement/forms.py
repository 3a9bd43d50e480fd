"""Forms of the participation pages: answering (built from the questions) and staff editors."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Community, Role
from civicpoints.accounts.scope import town_of
from civicpoints.core.forms import NonceField
from civicpoints.engagement.models import Quiz, Survey, SurveyQuestion


def _nonce():
    return uuid.uuid4().hex


class QuizAnswerForm(forms.Form):
    """One radio group per question, named ``q<question id>``; values are option indexes."""

    nonce = NonceField(initial=_nonce)

    def __init__(self, *args, quiz: Quiz, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(quiz.questions.all())
        for n, q in enumerate(self.questions, start=1):
            self.fields[f"q{q.pk}"] = forms.TypedChoiceField(
                label=f"{n}. {q.text}",
                choices=[(str(i), o) for i, o in enumerate(q.options)],
                coerce=int,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}


class SurveyAnswerForm(forms.Form):
    """One field per question, named ``q<question id>``: radios or a text box."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(survey.questions.all())
        for n, q in enumerate(self.questions, start=1):
            label = f"{n}. {q.text}"
            if q.kind == SurveyQuestion.Kind.CHOICE:
                self.fields[f"q{q.pk}"] = forms.TypedChoiceField(
                    label=label,
                    choices=[(str(i), o) for i, o in enumerate(q.options)],
                    coerce=int,
                    empty_value=None,
                    required=q.required,
                    widget=forms.RadioSelect,
                )
            else:
                self.fields[f"q{q.pk}"] = forms.CharField(
                    label=label,
                    max_length=500,
                    required=q.required,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def answers(self) -> dict:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}


class _AudienceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80)
    intro = forms.CharField(label=_("Introduction"), max_length=300, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        if actor.role == Role.TOWN_ADMIN:
            self.fields["community"] = forms.ModelChoiceField(
                label=_("Community"),
                queryset=Community.objects.filter(town_id=town_of(actor)).order_by("name"),
                required=False,
                empty_label=_("The whole town"),
            )


class QuizCreateForm(_AudienceForm):
    pass_percent = forms.IntegerField(
        label=_("Pass mark (percent correct)"), min_value=1, max_value=100, initial=80
    )


class SurveyCreateForm(_AudienceForm):
    pass


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuizQuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=200)
    options = forms.CharField(
        label=_("Options, one per line (2 to 6)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    answer = forms.IntegerField(
        label=_("Number of the right option (1 = first line)"), min_value=1, max_value=6
    )
    explanation = forms.CharField(
        label=_("Explanation shown after answering"), max_length=300, required=False
    )

    def clean_options(self):
        return _lines(self.cleaned_data["options"])


class SurveyQuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyQuestion.Kind.choices)
    options = forms.CharField(
        label=_("Options, one per line (2 to 8; for one-choice questions)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)

    def clean_options(self):
        return _lines(self.cleaned_data["options"])
