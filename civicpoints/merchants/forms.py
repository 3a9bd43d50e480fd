"""Forms of the merchant-alliance pages. Money is typed in yuan and cleaned to integer fen."""

import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.forms import MobileField
from civicpoints.core.bounds import BoundedDateField
from civicpoints.core.forms import NonceField
from civicpoints.merchants.models import DiscountCard, Funding


class YuanField(forms.DecimalField):
    """An amount in yuan with at most two decimals; ``clean`` returns integer fen (exact)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)


def _nonce():
    return uuid.uuid4().hex


class ExchangeForm(forms.Form):
    nonce = NonceField(initial=_nonce)


class DirectoryForm(forms.Form):
    """The directory's search box and order (GET; nothing secret travels here)."""

    q = forms.CharField(label=_("Search shops"), max_length=40, required=False)
    category = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("name", _("By name (pinyin)")),
            ("points", _("Fewest points first")),
            ("offers", _("Most offers first")),
        ],
    )


class ApplyForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=80)
    category = forms.CharField(label=_("Category"), max_length=40)
    address = forms.CharField(label=_("Address"), max_length=160)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)


class OfferForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80)
    description = forms.CharField(label=_("What the customer gets"), max_length=300, required=False)
    price_fen = YuanField(label=_("Regular price (yuan)"))
    discount_fen = YuanField(label=_("Discount (yuan)"))
    points_cost = forms.IntegerField(label=_("Point cost"), min_value=1, max_value=1_000_000)
    stock = forms.IntegerField(label=_("Units"), min_value=1, max_value=1_000_000)
    per_resident_limit = forms.IntegerField(
        label=_("Limit per resident"), min_value=1, max_value=100, initial=1
    )
    valid_from = BoundedDateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = BoundedDateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, with_funding=False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_funding:
            self.fields["funded_by"] = forms.ChoiceField(
                label=_("Discount funded by"), choices=Funding.choices
            )


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Voucher code"), max_length=40)


class CardTokenForm(forms.Form):
    token = forms.CharField(label=_("Scanned card"), max_length=200)
    nonce = NonceField(initial=_nonce)


class PercentForm(forms.Form):
    percent = forms.IntegerField(label=_("Discount card: percent off"), min_value=0, max_value=100)


class BudgetForm(forms.Form):
    cap_fen = YuanField(label=_("Town subsidy cap (yuan)"))


class ThresholdForm(forms.Form):
    threshold_points = forms.IntegerField(
        label=_("Lifetime points for a discount card"), min_value=1, max_value=10_000_000
    )


class StaffCreateForm(forms.Form):
    mobile = MobileField()
    nickname = forms.CharField(label=_("Nickname"), max_length=40)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class CardStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=DiscountCard.Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
