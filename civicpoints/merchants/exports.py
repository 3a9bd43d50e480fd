"""Settlement exports: CSV (csv module) and XLSX (openpyxl), safe against formula injection.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula; a resident's nickname ``=HYPERLINK(...)`` must stay
text. Every text cell starting with one of those is prefixed with a single quote
(the OWASP "CSV injection" advice). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io

from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from openpyxl import Workbook

from civicpoints.merchants.models import Funding
from civicpoints.merchants.selectors import Settlement, TownSettlementRow, fen_to_yuan

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` unchanged unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _table(s: Settlement) -> list[list]:
    header = [
        _("Code"),
        _("Redeemed at"),
        _("Offer"),
        _("Holder"),
        _("Mobile"),
        _("Points"),
        _("Discount (yuan)"),
        _("Funded by"),
    ]
    rows = [header]
    for r in s.rows:
        rows.append(
            [
                r.code,
                localtime(r.redeemed_at).strftime("%Y-%m-%d %H:%M"),
                r.offer,
                r.nickname,
                r.masked_mobile,
                r.points,
                fen_to_yuan(r.discount_fen),
                str(Funding(r.funded_by).label),
            ]
        )
    rows.append([])
    rows.append([_("Merchant"), s.merchant.name])
    rows.append([_("Month"), s.month.strftime("%Y-%m")])
    rows.append([_("Vouchers redeemed"), s.vouchers])
    rows.append([_("Points consumed"), s.points])
    rows.append([_("Discount given (yuan)"), fen_to_yuan(s.discount_fen)])
    rows.append([_("Funded by the merchant (yuan)"), fen_to_yuan(s.merchant_fen)])
    rows.append([_("Funded by the town subsidy (yuan)"), fen_to_yuan(s.subsidy_fen)])
    return [[safe_cell(c) for c in row] for row in rows]


def town_table(rows: list[TownSettlementRow]) -> list[list]:
    """The town's month, one line per merchant, then the totals."""
    table = [
        [
            _("Merchant"),
            _("Vouchers redeemed"),
            _("Points consumed"),
            _("Discount given (yuan)"),
            _("Funded by the merchant (yuan)"),
            _("Funded by the town subsidy (yuan)"),
        ]
    ]
    for r in rows:
        table.append(
            [
                r.merchant,
                r.vouchers,
                r.points,
                fen_to_yuan(r.discount_fen),
                fen_to_yuan(r.merchant_fen),
                fen_to_yuan(r.subsidy_fen),
            ]
        )
    table.append(
        [
            _("Total"),
            sum(r.vouchers for r in rows),
            sum(r.points for r in rows),
            fen_to_yuan(sum(r.discount_fen for r in rows)),
            fen_to_yuan(sum(r.merchant_fen for r in rows)),
            fen_to_yuan(sum(r.subsidy_fen for r in rows)),
        ]
    )
    return [[safe_cell(c) for c in row] for row in table]


def as_csv(table: list[list]) -> str:
    """CSV text (UTF-8 with a BOM so that Excel reads Chinese) of already-safe cells."""
    buf = io.StringIO()
    buf.write("\ufeff")
    csv.writer(buf).writerows(table)
    return buf.getvalue()


def as_xlsx(table: list[list], title: str) -> bytes:
    """An XLSX workbook (bytes) of already-safe cells. Text is stored as strings, so a
    quote-prefixed value never becomes a formula."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for row in table:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def settlement_csv(s: Settlement) -> str:
    """One merchant's month as CSV text."""
    return as_csv(_table(s))


def settlement_xlsx(s: Settlement) -> bytes:
    """One merchant's month as an XLSX workbook."""
    return as_xlsx(_table(s), s.month.strftime("%Y-%m"))
