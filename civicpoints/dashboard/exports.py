"""CSV and XLSX exports of dashboard tables, safe against formula injection.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula (OWASP "CSV injection"). Text cells that
start so get a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from civicpoints.dashboard.metrics import Table

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` with a text cell that could start a formula neutralised by a leading ``'``."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def table_csv(table: Table) -> bytes:
    """The table as UTF-8 CSV with a BOM (so spreadsheet programs read Chinese right)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def table_xlsx(table: Table) -> bytes:
    """The table as an XLSX workbook of one sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = table.key[:31]
    ws.append([safe_cell(c) for c in table.columns])
    for row in table.rows:
        ws.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
