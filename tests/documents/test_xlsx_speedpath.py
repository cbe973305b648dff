"""The report writer's row templates: the same bytes as the cell writers, and workbooks that
openpyxl and LibreOffice read back with their types, formats and formulas."""

from __future__ import annotations

import csv
import io
import random
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from app.documents import xlsx
from app.documents.xlsx import Column, Sheet, write_workbook

KINDS = ("text", "int", "money", "percent", "date", "datetime", "number")
TEXTS = ["plain", "=1+2", "+x", "-3", "@a", "\tt", " lead", "trail ", "a\nb", "a\rb",
         "<b>&amp;</b>", "_x0041_", "x_x00e9_y", "\x01ctl", "日本 Ünï", "", "a_b",
         "\u00a0nbsp", "nb\u00a0", "\ufffe", "{0}{1:f}", "}{", "%s %d", "E+5", "1E-7"]
DECIMALS = [Decimal("261.96"), Decimal("0.00"), Decimal("-0.00"), Decimal("-12345678.99"),
            Decimal("1E+3"), Decimal("1E-7"), Decimal("0.000001"), Decimal("38.6"),
            Decimal("NaN"), Decimal("-5")]


class Level(IntEnum):
    LOW = 1


class Name(str):
    pass


def _value(rnd: random.Random) -> Any:
    if rnd.random() < 0.01:  # values the templates leave to the cell writers
        return rnd.choice([True, False, Level.LOW, Name("=sub")])
    return rnd.choice([
        None, rnd.choice(TEXTS), rnd.randint(-10**9, 10**9), rnd.random() * 1000 - 500,
        rnd.choice(DECIMALS), Decimal(rnd.randint(-10**7, 10**7)).scaleb(-2),
        date(2026, rnd.randint(1, 12), rnd.randint(1, 28)),
        datetime(2025, 5, 6, rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59),
                 rnd.randint(0, 999999)),
        0.1, 10**20,
    ])


def _package(sheets: list[Sheet]) -> dict[str, bytes]:
    buf = io.BytesIO()
    write_workbook(buf, sheets, [("Report", "test"), ("From", date(2026, 1, 1))],
                   currency="EUR", generated_at=datetime(2026, 3, 2, 10, 0))
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _mixed_sheets() -> list[Sheet]:
    rnd = random.Random(20261129)
    columns = [Column(f"{kind} {i}", kind, total=kind in ("int", "money"))
               for i, kind in enumerate(KINDS * 2)]
    rows: list[list[Any]] = []
    for _ in range(3000):  # every kind of value in every kind of column
        row = [_value(rnd) for _ in columns]
        for i, col in enumerate(columns):  # (a date as a percentage is no number at all)
            if col.kind == "percent" and isinstance(row[i], date):
                row[i] = Decimal("12.5")
        rows.append(row)
    # and the common case: the same shape row after row
    rows += [[f"SO-{i:06d}", f"Customer {i}", i, Decimal(i).scaleb(-2), Decimal("12.5"),
              date(2026, 1, 1), datetime(2026, 1, 1, 1, 2, 3), 1.5, "x", None,
              Decimal("1.00"), None, date(2026, 2, 2), 3] for i in range(2000)]
    small = Sheet("Small", [Column("A"), Column("B", "money", total=True)],
                  [["a", Decimal("1.00")], ["b", None]])
    # texts that never repeat beside texts that do (remembered), over the first 1,000 rows
    orders = Sheet("Orders", [Column("Order"), Column("Customer"), Column("Ship"),
                              Column("Qty", "int")],
                   [[f"SO-{i:05d}", f"Customer {i % 40}" if i % 7 else "=HYPERLINK(1)",
                     "yes" if i % 3 else "<no & then>", i] for i in range(3000)])
    return [Sheet("Data", columns, rows), small, orders]


def test_row_templates_write_the_very_bytes_of_the_cell_writers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    plans: list[Any] = []
    compile_plan = xlsx._Rows._plan

    def counted(self: Any, shape: tuple[type, ...]) -> Any:
        plan = compile_plan(self, shape)
        plans.append(plan)
        return plan

    monkeypatch.setattr(xlsx._Rows, "_plan", counted)
    fast = _package(_mixed_sheets())
    assert sum(p is not None for p in plans) > 2000  # the templates wrote most shapes
    assert sum(p is None for p in plans) > 100  # bools and subclasses: the cell writers

    monkeypatch.setattr(xlsx._Rows, "_plan", lambda self, shape: None)
    slow = _package(_mixed_sheets())
    assert fast.keys() == slow.keys()
    for name in fast:
        assert fast[name] == slow[name], name


def test_text_that_needs_no_escape_is_told_apart_from_text_that_does() -> None:
    rnd = random.Random(7)
    alphabet = "ab _x0123456789ABCDEF&<>\"' \t\n\r\x00\x07\x1f\x85\u00a0\u2028\ufffe\uffff日€=+-@"
    samples = TEXTS + ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
                       for _ in range(20000)]
    for text in samples:
        assert xlsx._text_xml(text) == xlsx._escaped_text_xml(text), repr(text)


def test_decimals_with_an_exponent_are_written_as_plain_digits(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    amounts = [Decimal("1E+3"), Decimal("1E-7"), Decimal("2.50"), Decimal("-0.00")]
    write_workbook(path, [Sheet("S", [Column("Amount", "money"), Column("Share", "percent")],
                                [[a, a] for a in amounts])], [])
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    for digits in ("<v>1000</v>", "<v>0.0000001</v>", "<v>10</v>", "<v>0.000000001</v>",
                   "<v>2.50</v>", "<v>0.025</v>", "<v>-0.00</v>"):
        assert digits in sheet
    assert "E+" not in sheet and "E-" not in sheet
    ws = load_workbook(path)["S"]
    assert [Decimal(str(c.value)) for c in ws["A"][1:]] == amounts
    assert [Decimal(str(c.value)) * 100 for c in ws["B"][1:]] == amounts


def test_a_report_sized_sheet_reads_back_with_types_formats_and_formulas(
        tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    n = 5000
    columns = [Column("Order", "text", 16), Column("Name", "text", 32),
               Column("Revenue", "money", total=True), Column("Qty", "int", total=True),
               Column("Margin", "percent"), Column("Day", "date"), Column("At", "datetime")]
    rows = [[f"SO-{i:05d}", "=cmd|' /C calc'!A0" if i % 1000 == 7 else f"Customer {i % 97}",
             Decimal(i * 37 % 100000 - 20000).scaleb(-2), i % 7,
             Decimal(i % 1000 - 300).scaleb(-1) if i % 11 else None,
             date(2026, 1 + i % 12, 1 + i % 28), datetime(2026, 3, 2, i % 24, i % 60)]
            for i in range(n)]
    counts = write_workbook(path, [Sheet("Profit by order", columns, iter(rows))],
                            [("Rows", n)], currency="EUR")
    assert counts == {"Profit by order": n}
    ws = load_workbook(path)["Profit by order"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:G{n + 1}"
    assert ws.column_dimensions["B"].width == 32
    assert all(c.font.b for c in ws[1])
    for i, got in enumerate(ws.iter_rows(min_row=2, max_row=n + 1), 0):
        want = rows[i]
        assert got[0].value == want[0] and got[0].data_type == "s"
        assert got[1].value == want[1] and got[1].data_type == "s"
        assert got[1].quotePrefix == want[1].startswith("=")
        assert isinstance(got[2].value, int | float)
        assert Decimal(str(got[2].value)) == want[2] and "€" in got[2].number_format
        assert type(got[3].value) is int and got[3].value == want[3]
        if want[4] is None:
            assert got[4].value is None
        else:
            assert Decimal(str(got[4].value)) * 100 == want[4]
            assert got[4].number_format == "0.0%"
        assert got[5].value == datetime.combine(want[5], datetime.min.time())
        assert got[5].number_format == "yyyy-mm-dd" and got[5].is_date
        assert got[6].value == want[6] and got[6].number_format == "yyyy-mm-dd hh:mm"
    total = [c.value for c in ws[n + 2]]
    assert total[:4] == ["Total", None, f"=SUM(C2:C{n + 1})", f"=SUM(D2:D{n + 1})"]
    assert all(c.font.b for c in ws[n + 2] if c.value is not None)


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbook_and_computes_its_totals(tmp_path: Path) -> None:
    path = tmp_path / "lo.xlsx"
    columns = [Column("Name"), Column("Amount", "money", total=True),
               Column("Qty", "int", total=True), Column("Share", "percent"),
               Column("Day", "date")]
    rows = [["=1+2", Decimal("10.50"), 2, Decimal("23.5"), date(2026, 1, 2)],
            ["<b>&</b>", Decimal("-0.25"), 3, None, date(2026, 2, 3)],
            ["plain", Decimal("1E+3"), 5, Decimal("100"), None]]
    write_workbook(path, [Sheet("Data", columns, rows)], [("Report", "test")], currency="EUR")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["libreoffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,"
                    "true,false", "--outdir", str(tmp_path), str(path)],  # values as shown
                   check=True, capture_output=True, timeout=180)
    with open(tmp_path / "lo.csv", encoding="utf-8", newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == ["Name", "Amount", "Qty", "Share", "Day"]
    assert [r[0] for r in got[1:]] == ["=1+2", "<b>&</b>", "plain", "Total"]  # text stays text
    assert [r[2] for r in got[1:]] == ["2", "3", "5", "10"]  # the SUM computed by LibreOffice
    assert [r[1] for r in got[1:]] == ["10.50 €", "-0.25 €", "1,000.00 €", "1,010.25 €"]
    assert [r[3] for r in got[1:]] == ["23.5%", "", "100.0%", ""]
    assert [r[4] for r in got[1:]] == ["2026-01-02", "2026-02-03", "", ""]
