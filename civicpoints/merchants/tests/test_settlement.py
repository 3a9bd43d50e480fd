"""Monthly settlement: exact sums, funding split, CSV/XLSX safe against formula injection."""

import csv
import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from civicpoints.accounts.services import profile_update
from civicpoints.core.timeutil import local_date
from civicpoints.merchants import exports, selectors, services
from civicpoints.merchants.models import Funding, Voucher
from civicpoints.merchants.tests.conftest import key, make_offer
from civicpoints.points.selectors import reconcile


@pytest.fixture
def month_of_sales(rich, town, other_shop):
    """alice and bob redeem at the shop: one merchant-funded 5.00, one subsidy-funded 3.33;
    one voucher stays unused and one is redeemed at the other shop."""
    services.subsidy_budget_set(actor=town.admin, cap_fen=100_000)
    own = make_offer(town.merchant, discount_fen=500)
    subsidised = make_offer(
        town.admin,
        merchant_id=town.shop.pk,
        funded_by=Funding.SUBSIDY,
        title="Wash 3.33 off",
        price_fen=1999,
        discount_fen=333,
        points_cost=30,
    )
    elsewhere = make_offer(other_shop.staff_user, discount_fen=700)
    for resident, offer in ((rich.alice, own), (rich.bob, subsidised), (rich.alice, subsidised)):
        v = services.voucher_exchange(resident=resident, offer_id=offer.pk, idempotency_key=key())
        services.voucher_redeem(actor=town.merchant, code=v.code)
    services.voucher_exchange(resident=rich.bob, offer_id=own.pk, idempotency_key=key())
    v = services.voucher_exchange(resident=rich.bob, offer_id=elsewhere.pk, idempotency_key=key())
    services.voucher_redeem(actor=other_shop.staff_user, code=v.code)
    return town


def test_sums_are_exact_and_split_by_funder(month_of_sales):
    town = month_of_sales
    s = selectors.settlement(town.shop, local_date().replace(day=1))
    assert (s.vouchers, s.points) == (3, 50 + 30 + 30)
    assert (s.discount_fen, s.merchant_fen, s.subsidy_fen) == (1166, 500, 666)
    assert selectors.fen_to_yuan(s.discount_fen) == "11.66"
    assert [r.funded_by for r in s.rows].count(Funding.SUBSIDY) == 2
    assert reconcile() == []


def test_other_months_are_empty(month_of_sales):
    last_month = (local_date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    s = selectors.settlement(month_of_sales.shop, last_month)
    assert (s.vouchers, s.discount_fen, s.rows) == (0, 0, [])


def test_fen_to_yuan_is_exact():
    assert [selectors.fen_to_yuan(f) for f in (0, 5, 99, 100, 3500, 123456789, -250)] == [
        "0.00",
        "0.05",
        "0.99",
        "1.00",
        "35.00",
        "1234567.89",
        "-2.50",
    ]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_neutralizes_formulas(value):
    assert exports.safe_cell(value) == "'" + value
    assert exports.safe_cell("Alice") == "Alice" and exports.safe_cell(5) == 5


def test_exports_neutralize_a_formula_nickname(month_of_sales):
    # given: alice renames herself into a formula
    town = month_of_sales
    profile_update(user=town.alice, nickname='=HYPERLINK("http://x","click")')
    s = selectors.settlement(town.shop, local_date().replace(day=1))
    # when
    with translation.override("en"):
        rows = list(csv.reader(io.StringIO(exports.settlement_csv(s).lstrip("\ufeff"))))
        ws = load_workbook(io.BytesIO(exports.settlement_xlsx(s))).active
    # then
    nicknames = [r[3] for r in rows[1:4]]
    assert '\'=HYPERLINK("http://x","click")' in nicknames
    assert not any(cell.startswith("=") for row in rows for cell in row)
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert '\'=HYPERLINK("http://x","click")' in [c.value for c in cells]
    # totals in the export match the settlement exactly
    assert ["Discount given (yuan)", "11.66"] in rows


def test_unused_and_cancelled_vouchers_are_not_settled(month_of_sales):
    s = selectors.settlement(month_of_sales.shop, local_date().replace(day=1))
    assert Voucher.objects.filter(merchant=month_of_sales.shop).count() == 4
    assert s.vouchers == 3


def test_town_settlement_one_row_per_merchant_and_exact_totals(month_of_sales, other_shop):
    # given: the shop redeemed 11.66 yuan, the other shop 7.00
    rows = selectors.town_settlement(month_of_sales.town.pk, local_date().replace(day=1))
    # then
    assert [(r.merchant_id, r.vouchers, r.discount_fen, r.subsidy_fen) for r in rows] == [
        (month_of_sales.shop.pk, 3, 1166, 666),
        (other_shop.pk, 1, 700, 0),
    ]
    with translation.override("en"):
        table = exports.town_table(rows)
    assert table[-1] == ["Total", 4, 160, "18.66", "12.00", "6.66"]
    # another town sees nothing of it
    assert (
        selectors.town_settlement(month_of_sales.other_town.pk, local_date().replace(day=1)) == []
    )


def test_town_settlement_export_neutralizes_a_formula_merchant_name(month_of_sales, client):
    from civicpoints.merchants.models import Merchant

    Merchant.objects.filter(pk=month_of_sales.shop.pk).update(name="@SUM(1+1)")
    client.force_login(month_of_sales.admin)
    resp = client.get("/merchants/town/settlement/", {"format": "xlsx"})
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert "'@SUM(1+1)" in [c.value for row in ws.iter_rows() for c in row]
    resp = client.get("/merchants/town/settlement/", {"format": "csv"})
    assert "'@SUM(1+1)" in resp.content.decode()
    assert client.get("/merchants/town/settlement/").status_code == 200
