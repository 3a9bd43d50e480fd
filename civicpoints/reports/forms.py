from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Role, User
from civicpoints.posts.forms import MultipleFileField
from civicpoints.posts.models import BODY_MAX as POST_BODY_MAX
from civicpoints.posts.models import TITLE_MAX
from civicpoints.reports.models import BODY_MAX, MAX_PHOTOS, NOTE_MAX, PLACE_MAX, ReportCategory

# Interpolated when shown, not at import: ``gettext_lazy(...) % x`` would freeze the
# language of the first import (the English form said "最多 9 张照片。").
_photos_help = lazy(lambda: gettext("Up to %(n)d photos.") % {"n": MAX_PHOTOS}, str)()


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(label=_("What kind"), queryset=ReportCategory.objects.none())
    place = forms.CharField(label=_("Place"), max_length=PLACE_MAX)
    body = forms.CharField(label=_("What happened"), max_length=BODY_MAX, widget=forms.Textarea)
    photos = MultipleFileField(label=_("Photos"), help_text=_photos_help)

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)  # as declared above
        category.queryset = categories


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the reporter sees it)"), max_length=NOTE_MAX)


class _NicknameChoiceField(forms.ModelChoiceField):
    """People listed by nickname (their ``str`` shows the masked mobile too)."""

    def label_from_instance(self, obj: User) -> str:
        return obj.nickname


class AssignForm(forms.Form):
    assignee = _NicknameChoiceField(
        label=_("Grid worker"), queryset=User.objects.none(), required=False
    )
    responsible_party = forms.CharField(
        label=_("Or the responsible party"), max_length=80, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)

    def __init__(self, *args, community_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)  # as declared above
        assignee.queryset = User.objects.filter(
            community_id=community_id,
            role__in=[Role.GRID_WORKER, Role.COMMUNITY_STAFF],
            is_active=True,
        ).order_by("role", "nickname")


class RectifyForm(forms.Form):
    # A plain file field: the service checks the content with Pillow (type, pixels, EXIF).
    after_photo = forms.FileField(label=_("Photo after rectification"))
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)


class PublishForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=POST_BODY_MAX,
        widget=forms.Textarea,
        help_text=_("Check that nothing in it identifies the reporter."),
    )
