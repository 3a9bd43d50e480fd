from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Community, Grid, User
from civicpoints.core.errors import InvalidInput
from civicpoints.core.mobile import normalize_mobile


class MobileField(forms.CharField):
    """A mainland mobile number in any spelling; cleans to the 11-digit canonical form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        try:
            return normalize_mobile(value)
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc.detail), code="invalid_mobile") from None


class LoginForm(forms.Form):
    mobile = MobileField()
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if self.errors:
            return data
        self.user = authenticate(
            self.request,
            mobile=self.cleaned_data["mobile"],
            password=self.cleaned_data["password"],
        )
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

    def __init__(
        self, *args: Any, communities: QuerySet[Community] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        qs = communities if communities is not None else Community.objects.all()
        community, grid = self.fields["community"], self.fields["grid"]
        assert isinstance(community, forms.ModelChoiceField)  # as declared above
        assert isinstance(grid, forms.ModelChoiceField)
        community.queryset = qs.order_by("name")
        grid.queryset = Grid.objects.filter(
            town_id__in=qs.values_list("town_id", flat=True), community__in=qs
        ).select_related("community")


class CodeField(forms.CharField):
    """The 6-digit SMS code; spaces are dropped, and the phone may fill it in."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("SMS code"))
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", _("Press “Text me a code”; it lasts 5 minutes."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})

    def clean(self, value: Any) -> str:
        return "".join(str(super().clean(value)).split())


class CodeRegisterForm(RegisterForm):
    """Self-registration: the number is proven by an SMS code."""

    field_order = ["mobile", "code", "nickname", "password", "community", "grid"]
    code = CodeField()


class CodeLoginForm(forms.Form):
    mobile = MobileField()
    code = CodeField()


class PasswordResetForm(forms.Form):
    mobile = MobileField()
    code = CodeField()
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput,
        help_text=_("At least 8 characters, not only digits."),
    )


class StaffRegisterForm(RegisterForm):
    real_name = forms.CharField(
        label=_("Real name"), max_length=40, required=False, help_text=_("Never shown in public.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
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


class TownSetupForm(forms.Form):
    """The one-time setup page: the first town, its communities and grids, its admin."""

    token = forms.CharField(
        label=_("Setup token"),
        max_length=100,
        help_text=_("Printed on the server by: python manage.py setup_token"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Town name"), max_length=80)
    code = forms.CharField(
        label=_("Town code"),
        max_length=40,
        help_text=_("Lowercase letters, digits and hyphens, e.g. baqiao."),
    )
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Asia/Shanghai")
    communities = forms.CharField(
        label=_("Communities"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One community per line."),
    )
    grids = forms.CharField(
        label=_("Grids (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line as community/grid, e.g. 融城社区/第1网格."),
    )
    admin_mobile = MobileField(label=_("Town admin's mobile number"))
    admin_nickname = forms.CharField(label=_("Town admin's name"), max_length=40, required=False)

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip() for line in (text or "").splitlines() if line.strip()]
