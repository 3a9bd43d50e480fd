"""Settlement exports as CSV and XLSX (formula-safe: ``civicpoints.core.exports``)."""

from __future__ import annotations

from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from civicpoints.core.exports import rows_csv, rows_xlsx, safe_cell

__all__ = ["as_csv", "as_xlsx", "safe_cell", "settlement_csv", "settlement_xlsx", "town_table"]
from civicpoints.merchants.models import Funding
from civicpoints.merchants.selectors import Settlement, TownSettlementRow, fen_to_yuan


def _table(s: Settlement) -> list[list[object]]:
    header: list[object] = [
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
    return rows


def town_table(rows: list[TownSettlementRow]) -> list[list[object]]:
    """The town's month, one line per merchant, then the totals."""
    table: list[list[object]] = [
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
    return table


def as_csv(table: list[list[object]]) -> str:
    """CSV text (UTF-8 with a BOM so that Excel reads Chinese)."""
    return rows_csv(table)


def as_xlsx(table: list[list[object]], title: str) -> bytes:
    """An XLSX workbook (bytes); text stays text, so a quoted value never becomes a formula."""
    return rows_xlsx(table, title)


def settlement_csv(s: Settlement) -> str:
    """One merchant's month as CSV text."""
    return as_csv(_table(s))


def settlement_xlsx(s: Settlement) -> bytes:
    """One merchant's month as an XLSX workbook."""
    return as_xlsx(_table(s), s.month.strftime("%Y-%m"))
