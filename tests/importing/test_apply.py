"""Importing writes all rows or none, updates on re-import, and stock goes through receipts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import importing, services
from app.errors import Conflict, InvalidInput
from app.importing import apply, preview
from app.queries.check import run_checks
from app.services import LineInput
from db.models import AuditLog, CostLayer, Customer, Product, Receipt, StockMove, Supplier
from tests.importing.conftest import dump, write_csv, write_xlsx


def products(db) -> dict[str, tuple]:
    with db.read() as s:
        return {p.sku: (p.name, p.unit_price, p.tax_rate, p.ean, p.reorder_level, p.on_hand)
                for p in s.scalars(select(Product))}


def problems(plan) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in plan.problems]


def test_a_bad_file_lists_every_problem_and_changes_nothing(db, files):
    services.add_product(db, "OLD", "Old product", "5.00")
    services.add_product(db, "OTHER", "Owns the barcode", "1.00", ean="4006381333931")
    before = dump(db)
    path = write_csv(files / "bad.csv", [
        ["SKU", "Name", "Price", "Tax", "EAN"],
        ["A-1", "Hammer", "12.50", "19", ""],
        ["A-2", "Saw", "twelve", "19", ""],
        ["A-3", "Drill", "-4.00", "19", ""],
        ["A-1", "Hammer again", "13.00", "19", ""],
        ["A-4", "", "1.00", "150", ""],
        ["A 5", "Spaced", "1.005", "super", "123"],
        ["OLD", "Old product", "6.00", "7", "4006381333931"],
        ["A-6", "Fraction", "1.00", "0.19", ""],
    ])
    plan = preview(db, "products", path)
    assert problems(plan) == [
        (3, "Price", "Price must be a number, not 'twelve'."),
        (4, "Price", "Price cannot be negative (-4.00)."),
        (5, "SKU", "SKU 'A-1' is also on row 2; each may appear once."),
        (6, "Name", "Product name cannot be empty."),
        (6, "Tax rate", "Tax rate must be between 0 and 100, not 150."),
        (7, "SKU", "SKU 'A 5' cannot contain spaces."),
        (7, "Price", "Price 1.005 has more than 2 decimals."),
        (7, "Tax rate", "'super' is neither a percentage nor a named tax rate "
                        "(standard, reduced, zero)."),
        (7, "EAN", "'123' is not a valid EAN/GTIN barcode (check digit)."),
        (8, "EAN", "barcode 4006381333931 already belongs to product 'OTHER'."),
        (9, "Tax rate", "0.19 looks like a fraction; write the rate in percent (19 for 19 %)."),
    ]
    assert not plan.ok
    with pytest.raises(InvalidInput, match=r"bad.csv has 11 problem\(s\), so nothing was imported"):
        apply(db, plan)
    assert dump(db) == before


def test_missing_columns_are_named_before_any_row(db, files):
    path = write_csv(files / "p.csv", [["Article", "Colour"], ["A", "red"]])
    plan = preview(db, "products", path)
    assert [(p.row, p.column) for p in plan.problems] == [(None, "Name"), (None, "Price")]
    assert plan.problems[0].message.startswith("the file has no Name column")
    assert all(r.problems == [] for r in plan.rows)  # no noise per row


def test_two_columns_meaning_the_same_is_a_problem(db, files):
    path = write_csv(files / "p.csv", [["SKU", "Article", "Name", "Price"], ["A", "A", "a", "1"]])
    plan = preview(db, "products", path)
    assert [str(p) for p in plan.problems] == [
        "file, SKU: both 'SKU' and 'Article' look like the SKU column; rename or delete one "
        "of them."]


def test_products_import_then_reimport_updates_instead_of_duplicating(db, files):
    services.set_setting(db, "default_tax_rate", "7")
    first = write_xlsx(files / "list.xlsx", [
        ["SKU", "Name", "Price", "VAT", "EAN", "Reorder level"],
        ["A-1", "Hammer", 12.5, 19, "4006381333931", 5],
        ["A-2", "Saw", "20,00", None, None, None],
    ])
    result = apply(db, preview(db, "products", first))
    assert (result.created, result.updated) == (2, 0)
    assert products(db) == {
        "A-1": ("Hammer", Decimal("12.50"), Decimal("19.00"), "4006381333931", 5, 0),
        "A-2": ("Saw", Decimal("20.00"), Decimal("7.00"), None, 0, 0),
    }
    again = write_csv(files / "list.csv", [
        ["SKU", "Name", "Price", "VAT"],
        ["A-1", "Claw hammer", "13.90", ""],  # empty tax keeps the product's rate
        ["A-2", "Saw", "21.00", "reduced"],
        ["A-3", "Drill", "99.00", "zero"],
    ])
    plan = preview(db, "products", again)
    assert [r.action for r in plan.rows] == ["update", "update", "create"]
    result = apply(db, plan)
    assert (result.created, result.updated) == (1, 2)
    assert products(db) == {
        "A-1": ("Claw hammer", Decimal("13.90"), Decimal("19.00"), "4006381333931", 5, 0),
        "A-2": ("Saw", Decimal("21.00"), Decimal("7.00"), None, 0, 0),
        "A-3": ("Drill", Decimal("99.00"), Decimal("0.00"), None, 0, 0),
    }
    with db.read() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.action.like("import_%"))).all()
    assert actions == ["import_products", "import_products"]


def test_customers_and_suppliers_import_and_update(db, files):
    path = write_csv(files / "c.csv", [
        ["Customer no", "Name", "Address", "VAT id", "E-mail", "Ship complete", "Payment terms"],
        ["C1", "Acme GmbH", "Hauptstr. 1, Berlin", "DE123", "a@acme.de", "yes", "14"],
        ["C2", "Bolt Ltd", "", "", "", "", ""],
    ], delimiter=";")
    assert apply(db, preview(db, "customers", path)).created == 2
    path = write_csv(files / "c2.csv", [["Code", "Name", "Ship complete"],
                                        ["C2", "Bolt Limited", "no"], ["C1", "Acme", "no"]])
    assert apply(db, preview(db, "customers", path)).updated == 2
    with db.read() as s:
        rows = {c.code: (c.name, c.address, c.tax_id, c.email, c.ship_complete,
                         c.payment_terms_days) for c in s.scalars(select(Customer))}
    assert rows == {
        "C1": ("Acme", "Hauptstr. 1, Berlin", "DE123", "a@acme.de", False, 14),
        "C2": ("Bolt Limited", "", "", "", False, None),
    }
    bad = write_csv(files / "c3.csv", [["Code", "Name", "Ship complete", "Terms"],
                                       ["C3", "x", "perhaps", "4000"]])
    assert [str(p) for p in preview(db, "customers", bad).problems] == [
        "row 2, Ship complete: Ship complete is yes or no, not 'perhaps'.",
        "row 2, Payment terms: Payment terms are whole days between 0 and 3650, not 4000.",
    ]
    path = write_csv(files / "s.csv", [["Supplier code", "Supplier name", "Email"],
                                       ["S1", "Tools Inc", "t@tools.com"]])
    assert apply(db, preview(db, "suppliers", path)).created == 1
    with db.read() as s:
        assert s.execute(select(Supplier.code, Supplier.name, Supplier.email)).all() == [
            ("S1", "Tools Inc", "t@tools.com")]


def test_stock_rows_become_one_receipt_with_layers_moves_and_serve_the_queue(db, files):
    for sku in ("A", "B"):
        services.add_product(db, sku, f"Product {sku}", "10.00", "19")
    services.add_customer(db, "ACME", "Acme")
    order = services.create_order(db, "ACME", [LineInput("A", 3)])
    path = write_csv(files / "stock.csv", [
        ["SKU", "On hand", "Unit cost"], ["A", "5", "4,20"], ["B", "2", ""], ["A", "0", "1"],
    ], delimiter=";")
    plan = preview(db, "stock", path)
    assert plan.ok and [r.action for r in plan.rows] == ["receive", "receive", "skip"]
    assert plan.rows[1].notes == ["on hand 0 -> 2", "no unit cost: enters stock at 0.00"]
    result = apply(db, plan)
    assert (result.received_units, result.served_lines, len(result.invoices)) == (7, 1, 1)
    with db.read() as s:
        assert s.scalar(select(func.count(Receipt.id))) == 1
        layers = s.execute(select(Product.sku, CostLayer.qty_in, CostLayer.qty_remaining,
                                  CostLayer.unit_cost).join(Product).order_by(Product.sku)).all()
        moves = s.scalar(select(func.count(StockMove.id)).where(StockMove.kind == "receipt"))
    assert layers == [("A", 5, 2, Decimal("4.20")), ("B", 2, 2, Decimal("0.00"))]
    assert moves == 2
    assert {k: v[5] for k, v in products(db).items()} == {"A": 2, "B": 2}
    assert [r.name for r in run_checks(db) if not r.ok] == []
    assert order.number  # the order that waited was served by the import


def test_a_big_stock_file_serves_the_one_product_someone_waits_for(db, files):
    skus = [f"S{n:02d}" for n in range(12)]  # more than a handful: the "who waits" shortcut
    path = write_csv(files / "p.csv", [["SKU", "Name", "Price"]] +
                     [[sku, f"Product {sku}", "10"] for sku in skus])
    apply(db, preview(db, "products", path))
    services.add_customer(db, "ACME", "Acme")
    services.create_order(db, "ACME", [LineInput("S10", 4)])
    stock = write_csv(files / "stock.csv", [["SKU", "Qty", "Cost"]] +
                      [[sku, "3", "2.00"] for sku in skus])
    result = apply(db, preview(db, "stock", stock))
    assert (result.received_units, result.served_lines, len(result.invoices)) == (36, 1, 1)
    on_hand = {k: v[5] for k, v in products(db).items()}
    assert on_hand["S10"] == 0 and on_hand["S09"] == 3
    assert [r.name for r in run_checks(db) if not r.ok] == []


def test_unknown_sku_in_a_stock_file_refuses_the_whole_file(db, files):
    services.add_product(db, "A", "Product A", "10.00")
    before = dump(db)
    path = write_csv(files / "stock.csv", [["SKU", "Qty", "Cost"], ["A", "5", "1"],
                                           ["NOPE", "1", "1"], ["A", "1.5", "1"]])
    plan = preview(db, "stock", path)
    assert [str(p) for p in plan.problems] == [
        "row 3, SKU: there is no product with SKU 'NOPE' (import the product list first).",
        "row 4, Quantity: Quantity must be a whole number, not 1.5.",
    ]
    with pytest.raises(InvalidInput):
        apply(db, plan)
    assert dump(db) == before


def test_the_shop_changing_between_preview_and_apply_is_caught(db, files):
    services.add_product(db, "OTHER", "Other", "1.00")
    path = write_csv(files / "p.csv", [["SKU", "Name", "Price", "EAN"],
                                       ["A", "a", "1", "4006381333931"]])
    plan = preview(db, "products", path)
    assert plan.ok
    services.add_product(db, "OTHER", "Other", "1.00", ean="4006381333931", update=True)
    before = dump(db)
    with pytest.raises(Conflict, match="The shop changed since the preview"):
        apply(db, plan)
    assert dump(db) == before


def test_import_file_dry_run_writes_nothing(db, files):
    path = write_csv(files / "p.csv", [["SKU", "Name", "Price"], ["A", "a", "1"]])
    before = dump(db)
    plan, result = importing.import_file(db, "products", path, dry_run=True)
    assert plan.ok and result is None and dump(db) == before
