"""Reading what shops actually have: encodings, delimiters, loose headers, local numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app import importing
from app.errors import InvalidInput
from app.importing import parse_number, preview
from tests.importing.conftest import write_csv, write_xlsx

ROWS = [
    ["Article", "Description", "Unit price", "VAT", "Barcode"],
    ["A-1", "Hammer groß", "1.234,50", "19", "4006381333931"],
    ["A-2", "Nägel 100 Stück", "0,99", "7", ""],
]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected_encoding"),
    [
        ("utf-8", ";", "utf-8"),
        ("utf-8-sig", ";", "utf-8-sig"),
        ("cp1252", ";", "cp1252"),
        ("cp1252", "\t", "cp1252"),
        ("utf-8", "|", "utf-8"),
    ],
)
def test_csv_encodings_and_delimiters_read_the_same_products(db, files, encoding, delimiter,
                                                             expected_encoding):
    path = write_csv(files / "p.csv", ROWS, delimiter=delimiter, encoding=encoding)
    plan = preview(db, "products", path)
    assert plan.problems == []
    assert (plan.encoding, plan.delimiter) == (expected_encoding, delimiter)
    assert plan.columns == {"sku": "Article", "name": "Description", "price": "Unit price",
                            "tax": "VAT", "ean": "Barcode"}
    first, second = (r.values for r in plan.rows)
    assert first["name"] == "Hammer groß" and second["name"] == "Nägel 100 Stück"
    assert first["price"] == Decimal("1234.50") and second["price"] == Decimal("0.99")
    assert first["ean"] == "4006381333931" and second["ean"] is None
    assert [r.action for r in plan.rows] == ["create", "create"]


def test_comma_delimited_csv_with_quoted_english_thousands(db, files):
    path = write_csv(files / "p.csv", [
        ["SKU", "Name", "Sales price", "Tax rate"],
        ["B-1", "Drill, cordless", "1,234.50", "19%"],
        ["B-2", "Bit", "2.5", "reduced"],
    ])
    plan = preview(db, "products", path)
    assert plan.problems == [] and plan.delimiter == "," and plan.decimal_separator == "."
    assert [r.values["price"] for r in plan.rows] == [Decimal("1234.50"), Decimal("2.50")]
    assert [r.values["tax"] for r in plan.rows] == [Decimal("19.00"), Decimal("7.00")]
    assert plan.rows[0].values["name"] == "Drill, cordless"


def test_xlsx_numbers_percent_cells_and_numeric_codes(db, files):
    path = write_xlsx(files / "p.xlsx", [
        ["Item code", "Name", "Price", "Tax", "EAN"],
        [1001, "Screw", 0.1, 0.19, 4006381333931],
        ["A-3", "Saw", 12.5, 0.07, None],
    ], formats={4: "0%"}, blank_rows_first=2)
    plan = preview(db, "products", path)
    assert plan.problems == []
    assert [r.row for r in plan.rows] == [4, 5]  # the workbook's own row numbers
    assert [r.values["sku"] for r in plan.rows] == ["1001", "A-3"]
    assert [r.values["price"] for r in plan.rows] == [Decimal("0.10"), Decimal("12.50")]
    assert [r.values["tax"] for r in plan.rows] == [Decimal("19.00"), Decimal("7.00")]
    assert plan.rows[0].values["ean"] == "4006381333931"


@pytest.mark.parametrize(
    ("text", "separator", "value"),
    [
        ("1234.50", ",", "1234.50"),  # plain form is understood in any locale
        ("1.234,50", ".", "1234.50"),  # clearly German even in an English file
        ("1,234.50", ",", "1234.50"),
        ("12,5", ".", "12.5"),
        ("1,234", ".", "1234"),  # ambiguous: the file's separator decides
        ("1,234", ",", "1.234"),
        ("1.234", ",", "1234"),
        ("€ 12,50", ",", "12.50"),
        ("19 %", ".", "19"),
        ("1 234,50", ",", "1234.50"),
        ("-3", ".", "-3"),
    ],
)
def test_numbers_as_people_write_them(text, separator, value):
    assert parse_number(text, separator, "Price") == Decimal(value)


@pytest.mark.parametrize("text", ["abc", "12..5", "1,2,3,4", "", "12a"])
def test_text_is_not_a_number(text):
    with pytest.raises(InvalidInput, match="Price must be a number"):
        parse_number(text, ".", "Price")


def test_file_decimal_separator_follows_its_unambiguous_numbers(db, files):
    path = write_csv(files / "p.csv", [
        ["SKU", "Name", "Price"], ["A", "a", "1.500"], ["B", "b", "2,25"], ["C", "c", "3,10"],
    ], delimiter=";")
    plan = preview(db, "products", path)
    assert plan.decimal_separator == ","
    assert [r.values["price"] for r in plan.rows] == [
        Decimal("1500.00"), Decimal("2.25"), Decimal("3.10")]


def test_empty_rows_are_skipped_silently(db, files):
    path = write_csv(files / "p.csv", [
        [], ["SKU", "Name", "Price"], ["A", "a", "1"], ["", "", ""], [" ", "", ""], ["B", "b", "2"],
        [],
    ])
    plan = preview(db, "products", path)
    assert plan.problems == []
    assert [(r.row, r.values["sku"]) for r in plan.rows] == [(3, "A"), (6, "B")]


def test_unknown_columns_are_listed_and_ignored(db, files):
    path = write_csv(files / "p.csv", [["SKU", "Name", "Price", "Colour"], ["A", "a", "1", "red"]])
    plan = preview(db, "products", path)
    assert plan.ok and plan.ignored == ["Colour"]


def test_old_xls_and_missing_files_are_refused_with_a_sentence(db, files):
    xls = files / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(InvalidInput, match="save it as .xlsx or .csv"):
        preview(db, "products", xls)
    with pytest.raises(InvalidInput, match="There is no file"):
        preview(db, "products", files / "nothing.csv")
    broken = files / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InvalidInput, match="cannot be read as an Excel workbook"):
        preview(db, "products", broken)
    with pytest.raises(InvalidInput, match="Choose one of"):
        preview(db, "orders", broken)


def test_header_matching_is_loose_and_case_insensitive():
    products = {c.key: c for c in importing.COLUMNS["products"]}
    assert products["sku"].matches("  ITEM CODE ")
    assert products["sku"].matches("Art.-Nr.")
    assert products["price"].matches("Unit Price (€)")
    assert products["tax"].matches("VAT %")
    assert not products["price"].matches("Cost")
    customers = {c.key: c for c in importing.COLUMNS["customers"]}
    assert customers["code"].matches("Customer No.") and customers["email"].matches("E-Mail")


def test_an_empty_file_says_so(db, files):
    path = Path(files / "empty.csv")
    path.write_text("\n\n", encoding="utf-8")
    plan = preview(db, "products", path)
    assert not plan.ok
    assert any("empty" in str(p) for p in plan.problems)
