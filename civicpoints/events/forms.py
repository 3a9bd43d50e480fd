from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Community, Role
from civicpoints.core.bounds import BoundedDateTimeField
from civicpoints.events.models import AwardMode
from civicpoints.points.models import PointRule

_DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class LocalDateTimeField(BoundedDateTimeField):
    """A date and time in the town's zone (the browser's datetime-local picker)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", _DT_FORMATS)
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DT_FORMATS[0])
        )
        super().__init__(**kwargs)


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = LocalDateTimeField(label=_("Starts at"))
    ends_at = LocalDateTimeField(label=_("Ends at"))
    signup_deadline = LocalDateTimeField(label=_("Sign-up deadline"))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10000)
    rule = forms.ModelChoiceField(
        label=_("Rule awarded"), queryset=PointRule.objects.none(), to_field_name="code"
    )
    award_mode = forms.ChoiceField(label=_("Award"), choices=AwardMode.choices)
    max_hours = forms.IntegerField(
        label=_("Most hours awarded"),
        min_value=1,
        max_value=24,
        required=False,
        help_text=_("Only for awards per hour; empty: no cap."),
    )
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=1, max_value=120, required=False)
    allow_walk_ins = forms.BooleanField(label=_("Walk-ins allowed"), required=False)
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("The whole town"),
    )

    def __init__(self, *args, actor, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        rule = self.fields["rule"]
        assert isinstance(rule, forms.ModelChoiceField)  # as declared above
        rule.queryset = PointRule.objects.for_town(actor.town_id).in_force()
        if actor.role == Role.TOWN_ADMIN and not editing:
            community = self.fields["community"]
            assert isinstance(community, forms.ModelChoiceField)
            community.queryset = Community.objects.filter(town_id=actor.town_id).order_by("name")
        else:
            del self.fields["community"]


class SignUpForm(forms.Form):
    age_confirmed = forms.BooleanField(label=_("I meet the minimum age"), required=False)


class CardScanForm(forms.Form):
    token = forms.CharField(
        label=_("Card code"),
        max_length=200,
        help_text=_("Scan the resident's QR card with a handheld scanner; it types the code here."),
    )
    mode = forms.ChoiceField(
        label=_("Action"), choices=[("in", _("Check in")), ("out", _("Check out"))]
    )


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea, max_length=5000, required=False
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP, at most 8 MB. Location data is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)
