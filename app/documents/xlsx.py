"""A generic report workbook (openpyxl, write-only so large reports stream in bounded memory).

Every sheet: one bold header row, frozen below it, an autofilter over the data, set column
widths, numbers stored as numbers with currency / percent / date formats (never as text), and
an optional totals row of `=SUM(...)` formulas. A "Parameters" sheet records what the report
was asked for and when it was made.

Text never becomes a formula: a string that starts with = + - @ (or a tab / carriage return)
is written as a text cell with a quote prefix, so a customer called `=HYPERLINK(...)` stays
a name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from babel.numbers import get_currency_precision, get_currency_symbol
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

KINDS = ("text", "int", "money", "percent", "date", "datetime", "number")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_DEFAULT_WIDTH = {"text": 24, "int": 10, "money": 14, "percent": 10, "date": 12,
                  "datetime": 18, "number": 12}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
_TOTAL_FONT = Font(bold=True)


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"
    width: float | None = None
    total: bool = False  # a =SUM() under this column
    # for a computed total (a margin): a formula with {row} for the totals row and {col:X}
    # for the column letter of the column titled X
    total_formula: str | None = None


@dataclass
class Sheet:
    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    total_label: str = "Total"


@dataclass
class Written:
    path: str
    sheets: dict[str, int] = field(default_factory=dict)  # name -> data rows


def money_format(currency: str) -> str:
    digits = get_currency_precision(currency)
    symbol = get_currency_symbol(currency, locale="en")
    number = "#,##0" + ("." + "0" * digits if digits else "")
    return f'{number} [${symbol}];-{number} [${symbol}]'


def _formats(currency: str) -> dict[str, str]:
    return {
        "int": "#,##0",
        "money": money_format(currency),
        "percent": "0.0%",
        "date": "yyyy-mm-dd",
        "datetime": "yyyy-mm-dd hh:mm",
        "number": "#,##0.##",
    }


def safe_text(ws: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A text cell that stays text: never read as a formula, even if it looks like one."""
    cell = WriteOnlyCell(ws, value)
    if value.startswith(_DANGEROUS) or cell.data_type != "s":
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _value_cell(ws: WriteOnlyWorksheet, kind: str, value: Any, number_format: str | None) -> Any:
    if value is None:
        return None
    if kind == "percent":
        # stored as a fraction (23.5 % -> 0.235) so the cell's percent format shows it right
        value = Decimal(value) / 100
    if isinstance(value, str):
        return safe_text(ws, value)
    if kind == "text":
        return safe_text(ws, str(value))
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() and kind == "int" else value
    cell = WriteOnlyCell(ws, value)
    if number_format:
        cell.number_format = number_format
    return cell


def _write_sheet(ws: WriteOnlyWorksheet, sheet: Sheet, currency: str) -> int:
    formats = _formats(currency)
    columns = list(sheet.columns)
    for i, col in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width or _DEFAULT_WIDTH[col.kind]
    ws.freeze_panes = "A2"  # must be set before the first row in write-only mode
    header = []
    for col in columns:
        cell = safe_text(ws, col.title)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    ws.append(header)
    kinds = [c.kind for c in columns]
    fmts = [formats.get(k) for k in kinds]
    count = 0
    for row in sheet.rows:
        ws.append([_value_cell(ws, k, v, f) for k, v, f in zip(kinds, row, fmts, strict=True)])
        count += 1
    last_col = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last_col}{count + 1}"
    if any(c.total or c.total_formula for c in columns):
        total_row = count + 2
        letters = {c.title: get_column_letter(i) for i, c in enumerate(columns, 1)}
        cells: list[Any] = []
        for i, col in enumerate(columns, 1):
            letter = get_column_letter(i)
            if col.total:
                value: Any = f"=SUM({letter}2:{letter}{count + 1})"
            elif col.total_formula:
                value = col.total_formula.format(
                    row=total_row, **{f"col_{k}": v for k, v in _ids(letters).items()}
                )
            elif i == 1:
                value = sheet.total_label
            else:
                value = None
            if value is None:
                cells.append(None)
                continue
            cell = WriteOnlyCell(ws, value) if value != sheet.total_label else safe_text(ws, value)
            cell.font = _TOTAL_FONT
            if fmts[i - 1] and value != sheet.total_label:
                cell.number_format = fmts[i - 1]  # type: ignore[assignment]
            cells.append(cell)
        ws.append(cells)
    return count


def _ids(letters: dict[str, str]) -> dict[str, str]:
    """Column titles as format keys: 'Net revenue' -> 'net_revenue'."""
    return {title.lower().replace(" ", "_").replace(".", ""): letter
            for title, letter in letters.items()}


def write_workbook(
    target: str | Path | IO[bytes],
    sheets: Sequence[Sheet],
    parameters: Sequence[tuple[str, Any]],
    *,
    currency: str = "EUR",
    generated_at: datetime | None = None,
) -> dict[str, int]:
    """Write the sheets, then a Parameters sheet; returns the data rows per sheet."""
    wb = Workbook(write_only=True)
    counts: dict[str, int] = {}
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name[:31])
        counts[sheet.name] = _write_sheet(ws, sheet, currency)
    generated = generated_at or datetime.now().replace(microsecond=0)
    params = list(parameters) + [("Generated at", generated)]
    ws = wb.create_sheet("Parameters")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 40
    formats = _formats(currency)
    ws.append([safe_text(ws, "Parameter"), safe_text(ws, "Value")])
    for name, value in params:
        if isinstance(value, datetime):
            cell = _value_cell(ws, "datetime", value, formats["datetime"])
        elif isinstance(value, date):
            cell = _value_cell(ws, "date", value, formats["date"])
        elif value is None:
            cell = safe_text(ws, "(all)")
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            cell = _value_cell(ws, "number", value, None)
        else:
            cell = safe_text(ws, str(value))
        ws.append([safe_text(ws, name), cell])
    wb.save(target)  # type: ignore[arg-type]
    return counts
