from django import forms
from django.utils.translation import gettext_lazy as _


class CloseAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput, strip=False, max_length=128
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is closed for good and cannot be reopened."),
        required=True,
    )
