"""CSV and XLSX exports of dashboard tables (formula-safe: ``civicpoints.core.exports``)."""

from __future__ import annotations

from civicpoints.core.exports import rows_csv, rows_xlsx, safe_cell
from civicpoints.core.metrics import Table

__all__ = ["safe_cell", "table_csv", "table_xlsx"]


def table_csv(table: Table) -> bytes:
    """The table as UTF-8 CSV with a BOM (so spreadsheet programs read Chinese right)."""
    return rows_csv([list(table.columns), *table.rows]).encode("utf-8")


def table_xlsx(table: Table) -> bytes:
    """The table as an XLSX workbook of one sheet."""
    return rows_xlsx([list(table.columns), *table.rows], table.key)
