from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Community, Role
from civicpoints.core.bounds import BoundedDateTimeField


class ArticleForm(forms.Form):
    """Write or edit an article. Community staff may only pick their own community."""

    title = forms.CharField(label=_("Title"), max_length=120)
    body_markdown = forms.CharField(
        label=_("Text (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Images only from this site's own storage; other images are removed."),
    )
    community = forms.ModelChoiceField(
        label=_("Audience"), queryset=Community.objects.none(), required=False
    )
    published_at = BoundedDateTimeField(
        label=_("Publish time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: keep as a draft. A future time: shown from then on."),
    )
    cover = forms.ImageField(label=_("Cover image"), required=False)
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)

    def __init__(self, *args, actor, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Community.objects.filter(town_id=actor.town_id).order_by("name")
        community = self.fields["community"]
        assert isinstance(community, forms.ModelChoiceField)  # as declared above
        if actor.role == Role.TOWN_ADMIN:
            community.empty_label = _("The whole town")
        else:
            qs = qs.filter(pk=actor.community_id)
            community.required = True
            community.empty_label = None
        community.queryset = qs
        if not editing:
            del self.fields["remove_cover"]
