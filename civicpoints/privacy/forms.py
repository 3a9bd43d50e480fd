from django import forms
from django.utils.translation import gettext_lazy as _


class CloseAccountForm(forms.Form):
    """Close my account: my password, or (no password: sign-in by code or WeChat only)
    a code texted to my number by the "Text me a code" button."""

    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput,
        strip=False,
        max_length=128,
        required=False,
    )
    code = forms.CharField(
        label=_("Or a code texted to your mobile number"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=_("No password? Press “Text me a code” below and enter the code here."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is closed for good and cannot be reopened."),
        required=True,
    )
