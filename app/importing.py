"""Importing product, customer, supplier and stock lists from .xlsx and .csv files.

Two steps, so nothing is written before the user has seen every problem:
`preview(db, kind, path)` reads the whole file and lists each row with what is wrong with it;
`apply(db, preview)` writes all rows in one transaction with set-based statements, through the
same parsers and checks as the services (app.money, catalog's code/EAN rules, purchasing's
receipt writer). A file with any problem changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from app import audit
from app.errors import Conflict, InvalidInput, ShopError
from app.formatting import percent
from app.money import parse_money, parse_qty
from app.services.catalog import _check_code, _check_ean  # the services' own rules
from app.services.common import Changes, check_text, now, retrying, transaction
from app.settings import ShopSettings, resolve_tax_rate
from app.settings import load as load_settings
from db.models import Customer, Product, Supplier
from db.session import Database

KINDS = ("products", "customers", "suppliers", "stock")
MAX_ROWS = 200_000
Progress = Callable[[int, int], None]  # (done, total)


# -- which columns a file may have ---------------------------------------------------------


def _norm(header: object) -> str:
    """'Unit Price (€)' -> 'unit price', 'E-Mail' -> 'e mail', 'Customer no.' -> 'customer no'."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", str(header or "").lower())
    return " ".join(re.sub(r"[^0-9a-zäöüß]+", " ", text).split())


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False

    def matches(self, header: str) -> bool:
        return _norm(header) in {_norm(a) for a in (self.label, *self.aliases)}


_SKU = Column("sku", "SKU", ("item code", "item no", "item number", "article", "article no",
                             "article number", "art no", "art nr", "artikelnummer",
                             "product code", "product no", "part number", "code"), True)
_NAME = ("name", "description", "product", "product name", "item", "item name", "title",
         "bezeichnung")
_ADDRESS = Column("address", "Address", ("street", "postal address", "adresse", "anschrift"))
_EMAIL = Column("email", "E-mail", ("email", "mail", "e mail address", "email address"))

COLUMNS: dict[str, tuple[Column, ...]] = {
    "products": (
        _SKU,
        Column("name", "Name", _NAME, True),
        Column("price", "Price", ("unit price", "sales price", "selling price", "list price",
                                  "retail price", "net price", "preis", "vk"), True),
        Column("tax", "Tax rate", ("tax", "vat", "vat rate", "tax %", "vat %", "mwst", "ust",
                                   "steuer")),
        Column("ean", "EAN", ("barcode", "gtin", "upc", "ean code", "ean13")),
        Column("reorder_level", "Reorder level", ("reorder", "reorder point", "min stock",
                                                  "minimum stock", "minimum")),
    ),
    "customers": (
        Column("code", "Code", ("customer no", "customer number", "customer code",
                                "customer id", "account", "account no", "kundennummer"), True),
        Column("name", "Name", ("customer", "customer name", "company", "firma"), True),
        _ADDRESS,
        Column("tax_id", "Tax id", ("vat id", "vat number", "vat no", "tax number", "ust id")),
        _EMAIL,
        Column("ship_complete", "Ship complete", ("complete delivery", "deliver complete")),
        Column("terms", "Payment terms", ("terms", "payment days", "terms days",
                                          "payment terms days", "zahlungsziel")),
    ),
    "suppliers": (
        Column("code", "Code", ("supplier no", "supplier number", "supplier code",
                                "vendor no", "vendor code", "vendor", "lieferantennummer"),
               True),
        Column("name", "Name", ("supplier", "supplier name", "company", "firma"), True),
        _ADDRESS,
        _EMAIL,
    ),
    "stock": (
        _SKU,
        Column("qty", "Quantity", ("qty", "on hand", "stock", "count", "units", "menge",
                                   "bestand"), True),
        Column("cost", "Unit cost", ("cost", "cost price", "purchase price", "buy price",
                                     "unit cost price", "ek")),
    ),
}
_NUMERIC = {"price", "tax", "reorder_level", "terms", "qty", "cost"}
_TRUE = {"yes", "y", "true", "1", "x", "ja", "j", "wahr"}
_FALSE = {"no", "n", "false", "0", "", "nein", "falsch"}


# -- what the user sees before anything is written ------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A reason the file cannot be imported; `row` is the file's row number (None: the file)."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        column = f", {self.column}" if self.column else ""
        return f"{where}{column}: {self.message}"


@dataclass
class PreviewRow:
    row: int
    raw: dict[str, str]  # column key -> the cell as written
    values: dict[str, Any]  # column key -> parsed value (None when empty)
    action: str = ""  # create, update, receive, skip
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ImportPreview:
    kind: str
    path: Path
    columns: dict[str, str]  # column key -> header as written in the file
    ignored: list[str]  # headers ShopDesk does not use
    rows: list[PreviewRow]
    file_problems: list[Problem]
    decimal_separator: str
    encoding: str = ""
    delimiter: str = ""

    @property
    def problems(self) -> list[Problem]:
        return self.file_problems + [p for r in self.rows for p in r.problems]

    @property
    def ok(self) -> bool:
        return not self.problems and any(r.action != "skip" for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and r.ok)

    @property
    def summary(self) -> str:
        name = self.path.name
        if self.problems:
            n = len(self.problems)
            return (f"{name}: {n} problem{'s' if n != 1 else ''} in {len(self.rows)} rows; "
                    "nothing can be imported until they are fixed.")
        if not self.rows:
            return f"{name}: no rows to import."
        if self.kind == "stock":
            units = sum(r.values["qty"] for r in self.rows if r.action == "receive")
            skipped = self.count("skip")
            return (f"{name}: {self.count('receive')} rows, {units} units to receive"
                    + (f", {skipped} with quantity 0 skipped" if skipped else "") + ".")
        return (f"{name}: {self.count('create')} new, {self.count('update')} to update "
                f"({len(self.rows)} rows).")

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON and the GUI (no Path, no dataclass nesting surprises)."""
        return {
            "kind": self.kind,
            "file": str(self.path),
            "ok": self.ok,
            "summary": self.summary,
            "columns": self.columns,
            "ignored_columns": self.ignored,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "decimal_separator": self.decimal_separator,
            "counts": {a: self.count(a) for a in ("create", "update", "receive", "skip")},
            "problems": [
                {"row": p.row, "column": p.column, "message": p.message} for p in self.problems
            ],
            "rows": [
                {"row": r.row, "action": r.action, "values": r.values, "notes": r.notes,
                 "problems": [p.message for p in r.problems]}
                for r in self.rows
            ],
        }


@dataclass(frozen=True)
class ImportResult:
    kind: str
    file: str
    created: int = 0
    updated: int = 0
    received_units: int = 0
    receipt: str | None = None
    served_lines: int = 0
    invoices: list[str] = field(default_factory=list)
    changes: Changes = Changes(catalog=True)

    @property
    def summary(self) -> str:
        if self.kind == "stock":
            text = f"Received {self.received_units} units from {self.file} ({self.receipt})."
            if self.served_lines:
                text += (f" {self.served_lines} pending order lines served, "
                         f"{len(self.invoices)} invoices issued.")
            return text
        return f"Imported {self.kind} from {self.file}: {self.created} new, {self.updated} updated."


# -- reading files --------------------------------------------------------------------------


@dataclass
class _Table:
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (file row number, cells)
    encoding: str = ""
    delimiter: str = ""


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()][:50]
    if not lines:
        return ","
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters=";,\t|").delimiter
    except csv.Error:
        found = ""
    if found and found in lines[0]:
        return found
    # One line or an irregular file: the candidate the header line uses most.
    counts = {d: lines[0].count(d) for d in ";,\t|"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path) -> _Table:
    text, encoding = _decode(path.read_bytes())
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _table(enumerate(reader, start=1), encoding=encoding, delimiter=delimiter)


def _read_xlsx(path: Path) -> _Table:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(f"{path.name} cannot be read as an Excel workbook ({exc}).") from None
    try:
        sheet = book.active or book.worksheets[0]
        sheet.reset_dimensions()  # other programs' files often carry wrong dimensions
        return _table(
            (n, [_xlsx_value(c) for c in row]) for n, row in enumerate(sheet.iter_rows(), start=1)
        )
    finally:
        book.close()


def _xlsx_value(cell: Any) -> Any:
    """A cell's value as the user sees it: 19 % is stored as 0.19 under a percent format."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "%" in (getattr(cell, "number_format", "") or ""):
            return Decimal(format(value, ".15g")) * 100
    return value


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _table(numbered: Iterable[tuple[int, Sequence[Any]]], **how: str) -> _Table:
    header_row, headers = 0, []
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in numbered:
        if not header_row:
            if all(_blank(c) for c in cells):
                continue
            header_row, headers = number, ["" if c is None else str(c).strip() for c in cells]
            continue
        if all(_blank(c) for c in cells):
            continue  # empty rows are skipped silently
        rows.append((number, list(cells)))
        if len(rows) > MAX_ROWS:
            raise InvalidInput(f"The file has more than {MAX_ROWS:,} rows; split it.")
    return _Table(header_row, headers, rows, **how)


def read_table(path: Path) -> _Table:
    if not path.is_file():
        raise InvalidInput(f"There is no file {str(path)!r}.")
    with path.open("rb") as f:
        magic = f.read(4)
    suffix = path.suffix.lower()
    if magic.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".xls" or magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput(f"{path.name} is an old .xls workbook: save it as .xlsx or .csv.")
    return _read_csv(path)


# -- numbers written by people --------------------------------------------------------------

_GROUPED = {
    ".": re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"),  # 1,234.50
    ",": re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?"),  # 1.234,50
}
_SIMPLE = {".": re.compile(r"[+-]?(\d+\.?\d*|\.\d+)"), ",": re.compile(r"[+-]?(\d+,?\d*|,\d+)")}
_STRIP = re.compile(r"[\s\u00a0\u202f'’€$£¥%]|^(EUR|USD|GBP|CHF)|(EUR|USD|GBP|CHF)$", re.I)


def _clean_number(text: str) -> str:
    return _STRIP.sub("", text.strip())


def _separator_vote(text: str) -> str | None:
    """Which decimal separator a written number proves, if it proves one."""
    s = _clean_number(text)
    if "." in s and "," in s:
        return "," if s.rfind(",") > s.rfind(".") else "."
    for sep, other in ((",", "."), (".", ",")):
        if sep in s and other not in s:
            head, _, tail = s.rpartition(sep)
            if s.count(sep) > 1:
                return other  # 1.234.567 : grouping, so the other one is the decimal mark
            if len(tail) != 3 or not head.lstrip("+-"):
                return sep  # 12,5 / 0,99 / ,5 : a decimal mark
    return None


def parse_number(cell: Any, separator: str, what: str) -> Decimal:
    """A number as a spreadsheet or a person wrote it: 1234.50, 1.234,50, 1,234.50, '19 %',
    '€ 12,50'. Ambiguous text (1,234) follows the file's decimal separator."""
    if isinstance(cell, bool):
        raise InvalidInput(f"{what} must be a number, not {cell}.")
    if isinstance(cell, int | Decimal):
        return Decimal(cell)
    if isinstance(cell, float):  # Excel keeps 15 significant digits: 0.57, not 0.5700000000000001
        return Decimal(format(cell, ".15g"))
    if isinstance(cell, datetime | date):
        raise InvalidInput(f"{what} must be a number, not the date {cell:%Y-%m-%d}.")
    text = str(cell)
    s = _clean_number(text)
    if s.startswith("(") and s.endswith(")"):  # accounting negative
        s = "-" + s[1:-1]
    other = "," if separator == "." else "."
    if _GROUPED[separator].fullmatch(s):
        s = s.replace(other, "").replace(",", ".")
    elif _SIMPLE[separator].fullmatch(s):
        s = s.replace(",", ".")
    elif "," in s and "." in s and _GROUPED[other].fullmatch(s):
        s = s.replace(separator, "").replace(",", ".")  # a clear number in the other form
    elif _SIMPLE[other].fullmatch(s) and s.count(other) == 1 and len(s.rpartition(other)[2]) != 3:
        s = s.replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise InvalidInput(f"{what} must be a number, not {text.strip()!r}.") from None
    if not value.is_finite():
        raise InvalidInput(f"{what} must be a number, not {text.strip()!r}.")
    return value


def _file_separator(table: _Table, positions: dict[str, int]) -> str:
    votes: Counter[str] = Counter()
    for key, index in positions.items():
        if key not in _NUMERIC:
            continue
        for _, cells in table.rows:
            if index < len(cells) and isinstance(cells[index], str):
                vote = _separator_vote(cells[index])
                if vote:
                    votes[vote] += 1
    if votes:
        return votes.most_common(1)[0][0]
    from babel.numbers import get_decimal_symbol

    from app.formatting import user_locale

    return "," if get_decimal_symbol(user_locale()) == "," else "."


def _text_cell(cell: Any) -> str:
    """A cell as text; whole numbers Excel stored as floats (EAN, SKU 1001) lose their '.0'."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


# -- preview --------------------------------------------------------------------------------


def _map_columns(kind: str, headers: list[str]) -> tuple[dict[str, int], list[str], list[Problem]]:
    positions: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        column = next((c for c in COLUMNS[kind] if c.matches(header)), None)
        if column is None:
            ignored.append(header)
        elif column.key in positions:
            problems.append(Problem(None, column.label, (
                f"both {headers[positions[column.key]]!r} and {header!r} look like the "
                f"{column.label} column; rename or delete one of them.")))
        else:
            positions[column.key] = index
    for column in COLUMNS[kind]:
        if column.required and column.key not in positions:
            names = ", ".join(repr(a) for a in (column.label, *column.aliases[:4]))
            problems.append(Problem(None, column.label, (
                f"the file has no {column.label} column (a header such as {names}).")))
    return positions, ignored, problems


def preview(
    db: Database, kind: str, path: str | Path, progress: Progress | None = None
) -> ImportPreview:
    """Read the whole file and say, row by row, what would be created or updated and what
    is wrong. Writes nothing."""
    if kind not in KINDS:
        raise InvalidInput(f"Import what? Choose one of {', '.join(KINDS)} (not {kind!r}).")
    path = Path(path)
    table = read_table(path)
    positions, ignored, file_problems = _map_columns(kind, table.headers)
    separator = _file_separator(table, positions)
    result = ImportPreview(kind, path, {k: table.headers[i] for k, i in positions.items()},
                           ignored, [], file_problems, separator, table.encoding, table.delimiter)
    if not table.header_row:
        result.file_problems.append(Problem(None, "", "the file is empty."))
        return result
    labels = {c.key: c.label for c in COLUMNS[kind]}
    with db.read() as session:
        settings = load_settings(session)
        total = len(table.rows)
        for done, (number, cells) in enumerate(table.rows, start=1):
            raw = {k: _text_cell(cells[i]) if i < len(cells) else "" for k, i in positions.items()}
            row = PreviewRow(number, raw, {})
            if not file_problems:
                for key, index in positions.items():
                    cell = cells[index] if index < len(cells) else None
                    try:
                        row.values[key] = _parse_cell(kind, key, cell, raw[key], separator,
                                                      settings)
                    except InvalidInput as exc:
                        row.values[key] = None
                        row.problems.append(Problem(number, labels[key], str(exc)))
            result.rows.append(row)
            if progress and (done % 1000 == 0 or done == total):
                progress(done, total)
        if not file_problems:
            _check_file(kind, result.rows)
            check_against_shop(session, kind, result.rows, settings)
    return result


def _parse_cell(kind: str, key: str, cell: Any, text: str, separator: str,
                settings: ShopSettings) -> Any:
    if key in ("sku", "code"):
        what = {"products": "SKU", "stock": "SKU", "customers": "Customer code",
                "suppliers": "Supplier code"}[kind]
        return _check_code(text, what)
    if key == "name":
        what = {"products": "Product name", "customers": "Customer name",
                "suppliers": "Supplier name"}[kind]
        return check_text(text, what)
    if key == "address":
        return check_text(text, "Address", max_len=1000, required=False)
    if key == "email":
        return check_text(text, "E-mail", required=False)
    if key == "tax_id":
        return check_text(text, "Tax id", max_len=40, required=False)
    if key == "ean":
        return _check_ean(text) if text else None
    if key == "ship_complete":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise InvalidInput(f"Ship complete is yes or no, not {text!r}.")
    empty = _blank(cell)
    if key == "price":
        if empty:
            raise InvalidInput("Price is empty.")
        return parse_money(parse_number(cell, separator, "Price"), "Price")
    if key == "tax":
        if empty:
            return None
        if isinstance(cell, str) and cell.strip().lower() in settings.tax_rates:
            return resolve_tax_rate(cell, settings.tax_rates)
        if isinstance(cell, str) and not re.search(r"\d", cell):
            return resolve_tax_rate(cell, settings.tax_rates)  # refuses with the known names
        rate = resolve_tax_rate(str(parse_number(cell, separator, "Tax rate")), {})
        if 0 < rate < 1:  # 0.19 from a spreadsheet means 19 %; no VAT rate is below 1 %
            raise InvalidInput(f"{text} looks like a fraction; write the rate in percent "
                               f"({rate * 100:.0f} for {rate * 100:.0f} %).")
        return rate
    if key == "reorder_level":
        if empty:
            return None
        return parse_qty(parse_number(cell, separator, "Reorder level"), "Reorder level",
                         allow_zero=True)
    if key == "terms":
        if empty:
            return None
        days = parse_number(cell, separator, "Payment terms")
        if days != days.to_integral_value() or not 0 <= days <= 3650:
            raise InvalidInput(f"Payment terms are whole days between 0 and 3650, not {text}.")
        return int(days)
    if key == "qty":
        if empty:
            raise InvalidInput("Quantity is empty.")
        return parse_qty(parse_number(cell, separator, "Quantity"), "Quantity", allow_zero=True)
    if key == "cost":
        if empty:
            return None
        return parse_money(parse_number(cell, separator, "Unit cost"), "Unit cost")
    raise AssertionError(key)  # pragma: no cover


def _check_file(kind: str, rows: list[PreviewRow]) -> None:
    """Problems between rows of the same file: the same SKU, code or barcode twice."""
    keys = {"products": (("sku", "SKU"), ("ean", "EAN")), "customers": (("code", "Code"),),
            "suppliers": (("code", "Code"),), "stock": ()}[kind]
    for key, label in keys:
        first: dict[str, int] = {}
        for row in rows:
            value = row.values.get(key)
            if value is None:
                continue
            if value in first:
                row.problems.append(Problem(row.row, label, (
                    f"{label} {value!r} is also on row {first[value]}; each may appear once.")))
            else:
                first[value] = row.row


def _existing(session: Session, column: Any, key_column: Any, values: Iterable[str],
              *extra: Any) -> dict[str, Any]:
    wanted = sorted(set(values))
    found: dict[str, Any] = {}
    stmt = select(key_column, column, *extra).where(key_column.in_(bindparam("v", expanding=True)))
    for start in range(0, len(wanted), 500):
        for row in session.execute(stmt, {"v": wanted[start:start + 500]}):
            found[row[0]] = row[1:]
    return found


def check_against_shop(session: Session, kind: str, rows: list[PreviewRow],
                       settings: ShopSettings) -> list[Problem]:
    """Decide each row's action against the shop's data; add (and return) the problems that
    depend on it (unknown SKU, a barcode owned by another product)."""
    new: list[Problem] = []

    def refuse(row: PreviewRow, column: str, message: str) -> None:
        problem = Problem(row.row, column, message)
        row.problems.append(problem)
        new.append(problem)

    key = "code" if kind in ("customers", "suppliers") else "sku"
    good = [r for r in rows if r.values.get(key)]
    if kind == "products":
        known = _existing(session, Product.id, Product.sku, (r.values["sku"] for r in good))
        eans = _existing(session, Product.sku, Product.ean,
                         (r.values["ean"] for r in good if r.values.get("ean")))
        for row in good:
            row.action = "update" if row.values["sku"] in known else "create"
            ean = row.values.get("ean")
            if ean and ean in eans and eans[ean][0] != row.values["sku"]:
                refuse(row, "EAN", f"barcode {ean} already belongs to product {eans[ean][0]!r}.")
            if row.values.get("tax") is None and row.action == "create":
                row.notes.append(f"tax rate {percent(settings.default_tax_rate)} (the default)")
    elif kind in ("customers", "suppliers"):
        model = Customer if kind == "customers" else Supplier
        known = _existing(session, model.id, model.code, (r.values["code"] for r in good))
        for row in good:
            row.action = "update" if row.values["code"] in known else "create"
    else:
        known = _existing(session, Product.id, Product.sku, (r.values["sku"] for r in good),
                          Product.on_hand)
        for row in good:
            if row.values["sku"] not in known:
                refuse(row, "SKU", (f"there is no product with SKU {row.values['sku']!r} "
                                    "(import the product list first)."))
                continue
            row.action = "receive" if row.values.get("qty") else "skip"
            on_hand = known[row.values["sku"]][1]
            if row.action == "receive":
                row.notes.append(f"on hand {on_hand} -> {on_hand + row.values['qty']}")
                if row.values.get("cost") is None:
                    row.notes.append("no unit cost: enters stock at 0.00")
    for row in rows:
        if not row.values.get(key) and not row.action:
            row.action = "skip" if row.problems else ""
    return new


# -- apply ----------------------------------------------------------------------------------


@retrying
def apply(db: Database, plan: ImportPreview, progress: Progress | None = None) -> ImportResult:
    """Write a previewed file in one transaction; refuses if it has any problem."""
    if plan.problems:
        first = "; ".join(str(p) for p in plan.problems[:3])
        raise InvalidInput(f"{plan.path.name} has {len(plan.problems)} problem(s), so nothing "
                           f"was imported. {first}{' ...' if len(plan.problems) > 3 else ''}")
    rows = [r for r in plan.rows if r.action in ("create", "update", "receive")]
    if not rows:
        raise InvalidInput(f"{plan.path.name} has no rows to import.")
    with transaction(db) as (session, settings):
        for row in rows:  # the plan is re-checked: the shop may have changed since
            row.problems.clear()
            row.notes.clear()
        changed = check_against_shop(session, plan.kind, rows, settings)
        if changed or any(r.action not in ("create", "update", "receive") for r in rows):
            detail = "; ".join(str(p) for p in changed[:3])
            raise Conflict(f"The shop changed since the preview ({detail or 'rows changed'}); "
                           "preview the file again. Nothing was imported.")
        writer = {"products": _write_products, "customers": _write_partners,
                  "suppliers": _write_partners, "stock": _write_stock}[plan.kind]
        result = writer(session, settings, plan, rows, progress or (lambda done, total: None))
        audit.record(session, None, f"import_{plan.kind}", plan.path.name, None,
                     {"created": result.created, "updated": result.updated,
                      "received_units": result.received_units, "receipt": result.receipt,
                      "rows": len(rows)})
    return result


def _batches(items: list[dict[str, Any]], size: int = 2000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _write_products(session: Session, settings: ShopSettings, plan: ImportPreview,
                    rows: list[PreviewRow], progress: Progress) -> ImportResult:
    known = {
        sku: values for sku, values in _existing(
            session, Product.id, Product.sku, (r.values["sku"] for r in rows), Product.tax_rate,
            Product.ean, Product.reorder_level,
        ).items()
    }
    creates, updates = [], []
    for row in rows:
        v = row.values
        if row.action == "create":
            creates.append({
                "sku": v["sku"], "name": v["name"], "unit_price": v["price"],
                "tax_rate": settings.default_tax_rate if v.get("tax") is None else v["tax"],
                "ean": v.get("ean"), "reorder_level": v.get("reorder_level") or 0,
                "active": True, "on_hand": 0, "allocated": 0, "defective": 0,
            })
        else:
            pid, tax, ean, level = known[v["sku"]]
            # Like add_product(update=True): new name and price; what the file leaves
            # empty (tax, barcode, reorder level) keeps its current value.
            updates.append({
                "id": pid, "name": v["name"], "unit_price": v["price"],
                "tax_rate": tax if v.get("tax") is None else v["tax"],
                "ean": v.get("ean") or ean,
                "reorder_level": level if v.get("reorder_level") is None else v["reorder_level"],
            })
    total, done = len(creates) + len(updates), 0
    for batch in _batches(creates):
        session.execute(insert(Product), batch)
        done += len(batch)
        progress(done, total)
    for batch in _batches(updates):
        session.execute(update(Product), batch)
        done += len(batch)
        progress(done, total)
    return ImportResult(plan.kind, plan.path.name, created=len(creates), updated=len(updates))


def _write_partners(session: Session, settings: ShopSettings, plan: ImportPreview,
                    rows: list[PreviewRow], progress: Progress) -> ImportResult:
    model = Customer if plan.kind == "customers" else Supplier
    known = {code: pid for code, (pid,) in _existing(
        session, model.id, model.code, (r.values["code"] for r in rows)).items()}
    fields = [k for k in ("name", "address", "tax_id", "email", "ship_complete", "terms")
              if k in plan.columns]
    column_of = {"terms": "payment_terms_days"}
    at = now()
    creates, updates = [], []
    for row in rows:
        v = row.values
        if row.action == "create":
            record = {"code": v["code"], "name": v["name"], "address": v.get("address") or "",
                      "email": v.get("email") or "", "created_at": at}
            if model is Customer:
                record.update(tax_id=v.get("tax_id") or "",
                              ship_complete=bool(v.get("ship_complete")),
                              payment_terms_days=v.get("terms"))
            creates.append(record)
        else:
            # The columns the file has are the truth for them (an empty address clears it);
            # the name is kept when the cell is empty.
            record = {"id": known[v["code"]]}
            for key in fields:
                if key == "name" and not v.get("name"):
                    continue
                if key in ("ship_complete",):
                    record[key] = bool(v.get(key))
                elif key == "terms":
                    record[column_of[key]] = v.get(key)
                else:
                    record[key] = v.get(key) or ""
            updates.append(record)
    total, done = len(creates) + len(updates), 0
    for batch in _batches(creates):
        session.execute(insert(model), batch)
        done += len(batch)
        progress(done, total)
    by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record in updates:  # same keys in one executemany
        by_keys.setdefault(tuple(sorted(record)), []).append(record)
    for group in by_keys.values():
        for batch in _batches(group):
            session.execute(update(model), batch)
            done += len(batch)
            progress(done, total)
    return ImportResult(plan.kind, plan.path.name, created=len(creates), updated=len(updates))


def _write_stock(session: Session, settings: ShopSettings, plan: ImportPreview,
                 rows: list[PreviewRow], progress: Progress) -> ImportResult:
    from app.services.common import lock_products
    from app.services.purchasing import _receive

    ids = {sku: pid for sku, (pid, _) in _existing(
        session, Product.id, Product.sku, (r.values["sku"] for r in rows), Product.on_hand
    ).items()}
    lines = [(ids[r.values["sku"]], r.values["qty"], r.values.get("cost") or Decimal(0), None)
             for r in rows]
    lock_products(session, [pid for pid, *_ in lines])
    progress(0, len(lines))
    # The same receipt writer as receive_stock: one receipt, its lines, FIFO layers, moves,
    # product counters, then the pending queue is served in this transaction.
    number, outcome = _receive(session, settings, lines=lines, po=None, supplier_id=None,
                               note=f"Imported from {plan.path.name}"[:2000], at=now())
    progress(len(lines), len(lines))
    return ImportResult(
        plan.kind, plan.path.name, received_units=sum(q for _, q, _, _ in lines),
        receipt=number, served_lines=len(outcome.served), invoices=list(outcome.invoices),
        changes=Changes(orders=True, stock=True, invoices=True, catalog=True),
    )


def import_file(db: Database, kind: str, path: str | Path, *, dry_run: bool = False,
                progress: Progress | None = None) -> tuple[ImportPreview, ImportResult | None]:
    """Preview, then (unless dry_run or the file has problems) apply. Problems raise."""
    plan = preview(db, kind, path, progress)
    if dry_run or plan.problems:
        return plan, None
    return plan, apply(db, plan, progress)


__all__ = ["COLUMNS", "KINDS", "ImportPreview", "ImportResult", "PreviewRow", "Problem",
           "ShopError", "apply", "import_file", "parse_number", "preview"]
