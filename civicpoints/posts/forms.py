from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpoints.points.models import PointRule
from civicpoints.posts.models import (
    BODY_MAX,
    COMMENT_MAX,
    MAX_PHOTOS,
    REASON_MAX,
    TITLE_MAX,
    Section,
)

# Interpolated when shown, not at import: ``gettext_lazy(...) % x`` would freeze the
# language of the first import (the English form said "最多 9 张照片。").
_photos_help = lazy(lambda: gettext("Up to %(n)d photos.") % {"n": MAX_PHOTOS}, str)()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


def claimable_rule_choices(blank_label, *, town_id):
    """The claimable rules in force in town ``town_id``'s catalog, as form choices."""
    rules = PointRule.objects.for_town(town_id).in_force().filter(claimable=True)
    return [("", blank_label)] + [(r.code, f"{r.name} (+{r.points})") for r in rules]


class PostForm(forms.Form):
    section: forms.ModelChoiceField[Section] = forms.ModelChoiceField(
        label=_("Section"), queryset=None
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("Text"), max_length=BODY_MAX, widget=forms.Textarea)
    claimed_rule = forms.ChoiceField(
        label=_("Claim points"),
        required=False,
        help_text=_("The rule you believe applies; add photos as evidence. A reviewer checks it."),
    )
    photos = MultipleFileField(label=_("Photos"), help_text=_photos_help)

    def __init__(self, *args, sections=None, editing=False, town_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        claimed_rule = self.fields["claimed_rule"]
        assert isinstance(claimed_rule, forms.ChoiceField)  # as declared above
        claimed_rule.choices = claimable_rule_choices(_("No claim"), town_id=town_id)
        if editing:
            del self.fields["section"]
            self.fields["photos"].label = _("Add photos")
        else:
            section = self.fields["section"]
            assert isinstance(section, forms.ModelChoiceField)
            section.queryset = sections


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the author sees it)"), max_length=REASON_MAX)


class ApproveForm(forms.Form):
    NO_POINTS = "-"
    rule = forms.ChoiceField(label=_("Points"), required=False)

    def __init__(self, *args, post=None, **kwargs):
        super().__init__(*args, **kwargs)
        default = post.claimed_rule or post.section.award_rule if post else None
        blank = (
            _("As claimed / section default: %(rule)s") % {"rule": default.name}
            if default
            else _("No points")
        )
        choices = claimable_rule_choices(blank, town_id=post.town_id if post else None)
        if default:
            choices.insert(1, (self.NO_POINTS, _("No points")))
        rule = self.fields["rule"]
        assert isinstance(rule, forms.ChoiceField)  # as declared above
        rule.choices = choices


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why the decision is wrong"), max_length=REASON_MAX, widget=forms.Textarea
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("uphold", _("Uphold: publish the post")), ("dismiss", _("Dismiss"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, required=False)
