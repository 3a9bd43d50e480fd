"""CSV and XLSX writing shared by every export, safe against formula injection.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return as a formula (OWASP "CSV injection"); a resident's nickname
``=HYPERLINK(...)`` must stay text. Such text cells get a leading single quote;
numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` for a spreadsheet cell: None → "", formula-like text quoted, else unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def rows_csv(rows: Sequence[Sequence[object]]) -> str:
    """CSV text with a BOM (so spreadsheet programs read Chinese right); cells made safe."""
    buf = io.StringIO()
    buf.write("\ufeff")
    csv.writer(buf).writerows([safe_cell(c) for c in row] for row in rows)
    return buf.getvalue()


def rows_xlsx(rows: Sequence[Sequence[object]], title: str) -> bytes:
    """An XLSX workbook (bytes) of one sheet named ``title`` (≤ 31 characters); cells made safe."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has its one sheet
    ws.title = title[:31]
    for row in rows:
        ws.append([safe_cell(c) for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
