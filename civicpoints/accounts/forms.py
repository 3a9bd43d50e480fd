from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Community, Grid
from civicpoints.core.errors import InvalidInput
from civicpoints.core.mobile import normalize_mobile


class MobileField(forms.CharField):
    """A mainland mobile number in any spelling; cleans to the 11-digit canonical form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        try:
            return normalize_mobile(value)
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc.detail), code="invalid_mobile") from None


class LoginForm(forms.Form):
    mobile = MobileField()
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        self.user = authenticate(self.request, mobile=data["mobile"], password=data["password"])
        if self.user is None:
            raise forms.ValidationError(_("Wrong mobile number or password."), code="bad_login")
        return data


class RegisterForm(forms.Form):
    mobile = MobileField()
    nickname = forms.CharField(
        label=_("Nickname"), max_length=40, help_text=_("Shown in public, e.g. on the leaderboard.")
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        help_text=_("At least 8 characters, not only digits."),
    )
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = communities if communities is not None else Community.objects.all()
        self.fields["community"].queryset = qs.order_by("name")
        self.fields["grid"].queryset = Grid.objects.filter(community__in=qs).select_related(
            "community"
        )


class StaffRegisterForm(RegisterForm):
    real_name = forms.CharField(
        label=_("Real name"), max_length=40, required=False, help_text=_("Never shown in public.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["password"]


class ProfileForm(forms.Form):
    nickname = forms.CharField(label=_("Nickname"), max_length=40)
    real_name = forms.CharField(
        label=_("Real name"),
        max_length=40,
        required=False,
        help_text=_("Optional; never shown in public."),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput)
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput,
        help_text=_("At least 8 characters, not only digits."),
    )
