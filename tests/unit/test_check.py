"""`shopdesk check` finds each kind of damage, and names the record.

A small shop is built once through the services; each test breaks one figure behind the
services' back (raw SQL, with the append-only triggers dropped) and expects exactly the
checks that watch that figure to fail."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from app.queries.check import run_checks
from app.services.common import set_clock
from db.session import Database
from tests.scenarios.shop import Shop

STOCK = "stock counters equal the moves"
LAYERS = "cost layers hold the stock on hand"
CONSUMED = "every cost layer's consumptions add up"
ALLOCATED = "allocated stock equals the order lines' reservations"
COST = "delivery costs equal their FIFO consumptions"
LINES = "order line quantities add up"
STATUS = "order status follows its lines"
INVOICES = "invoice totals equal their lines"
NOTES = "credit note totals equal their lines"
PAID = "invoices' paid and credited equal payments and credit notes"
NUMBERS = "document numbers are gapless and unique"
REFERENCES = "every reference points to a record"
TOTALS = "order profit totals follow their documents"
INTEGRITY = "database file is sound"  # SQLite's integrity_check also re-tests CHECK constraints


@pytest.fixture(scope="module")
def healthy(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("healthy") / "shop.sqlite"
    shutil.copyfile(template_db, path)
    db = Database("sqlite:///" + str(path))
    set_clock(lambda: datetime(2026, 3, 2, 10, 0))
    try:
        shop = Shop(db)
        for sku in ("X", "Y", "Z"):
            shop.product(sku, price="0.03")
        shop.product("A", price="10.00")
        shop.customer("ACME")
        for sku in ("X", "Y", "Z"):
            shop.receive(sku, 3, cost="0.01")
        shop.receive("A", 4, cost="4.00")
        shop.order("ACME", X=1, Y=1, Z=1)  # SO-1, INV-1: line tax 0.03, per-document 0.02
        shop.order("ACME", A=6)  # SO-2, INV-2 for 4, 2 pending
        shop.receive("A", 5, cost="5.00")  # INV-3 for 2, 3 left
        shop.give_back("SO-2026-00002", "sellable", A=1)  # CN-1 on INV-3
        shop.pay("INV-2026-00002", "10.00")
        assert shop.problems() == []
    finally:
        set_clock(None)
        db.dispose()
    return path


def broken(healthy: Path, tmp_path: Path, *statements: str) -> set[str]:
    path = tmp_path / "broken.sqlite"
    shutil.copyfile(healthy, path)
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        conn.execute(statement)
    conn.close()
    db = Database("sqlite:///" + str(path))
    try:
        results = run_checks(db)
    finally:
        db.dispose()
    failed = {r.name for r in results if not r.ok}
    for r in results:
        assert r.ok == (r.problems == 0) and r.ok == (r.detail == ""), r
    return failed


def test_a_healthy_shop_passes_every_check(healthy, tmp_path):
    assert broken(healthy, tmp_path) == set()


A = "(SELECT id FROM product WHERE sku = 'A')"
INV = "(SELECT id FROM invoice WHERE number = '{}')"

DAMAGE = {
    "counter off": ([f"UPDATE product SET on_hand = on_hand + 1 WHERE id = {A}"], {STOCK, LAYERS}),
    "a stray move": ([f"INSERT INTO stock_move (product_id, kind, from_location, to_location, qty,"
                      f" cost, created_at) VALUES ({A}, 'receipt', 'supplier', 'sellable', 1, 0,"
                      " '2026-03-02 10:00:00')"], {STOCK}),
    "a layer lost units": ([f"UPDATE cost_layer SET qty_remaining = qty_remaining - 1"
                            f" WHERE product_id = {A} AND qty_remaining > 0"], {LAYERS, CONSUMED}),
    "a consumption too big": (["UPDATE layer_consumption SET qty = qty + 1 WHERE id ="
                               " (SELECT MIN(id) FROM layer_consumption)"], {CONSUMED, COST}),
    "reserved without a line": ([f"UPDATE product SET allocated = 1 WHERE id = {A}"], {ALLOCATED}),
    "a delivery cost changed": (["UPDATE delivery_line SET cost = cost + 1 WHERE id = 1"],
                                {COST, TOTALS}),
    "an order's kept total off": (["UPDATE sales_order SET returned_cost = returned_cost + 1"
                                   " WHERE number = 'SO-2026-00001'"], {TOTALS}),
    "an invoice's net changed": (
        ["PRAGMA ignore_check_constraints = ON",
         f"UPDATE invoice SET net = net + 1 WHERE id = {INV.format('INV-2026-00001')}"],
        {INVOICES, TOTALS, INTEGRITY}),
    "a line claims more delivered": (
        ["UPDATE sales_order_line SET qty_delivered = qty_delivered + 1,"
         " qty_ordered = qty_ordered + 1 WHERE id = 1"], {LINES}),
    # what the schema's CHECKs refuse can still be found in a file written by other means
    "ordered not conserved": (["PRAGMA ignore_check_constraints = ON",
                               "UPDATE sales_order_line SET qty_ordered = qty_ordered + 1"
                               " WHERE id = 1"], {LINES, INTEGRITY}),
    "not invoiced": (["UPDATE sales_order_line SET qty_invoiced = qty_invoiced - 1 WHERE id = 1"],
                     {LINES}),
    "a return without cost records": (["UPDATE layer_consumption SET qty_returned = 0"], {LINES}),
    "an invoice line's net changed": (
        ["UPDATE invoice_line SET net = net + 1"
         f" WHERE invoice_id = {INV.format('INV-2026-00002')}"],
        {INVOICES}),
    "tax not the sum of line taxes": (
        [f"UPDATE invoice SET tax = tax + 1, gross = gross + 1"
         f" WHERE id = {INV.format('INV-2026-00002')}"], {INVOICES}),
    "gross not net plus tax": (
        ["PRAGMA ignore_check_constraints = ON",
         f"UPDATE invoice SET gross = gross + 1 WHERE id = {INV.format('INV-2026-00003')}"],
        {INVOICES, INTEGRITY}),
    # line taxes 0.01 + 0.01 + 0.01, but per document 19 % of 0.09 is 0.02
    "tax not rounded per document": (
        [f"UPDATE invoice SET tax_rounding = 'document' WHERE id = {INV.format('INV-2026-00001')}"],
        {INVOICES}),
    "paid without a payment": (
        [f"UPDATE invoice SET paid = paid + 1 WHERE id = {INV.format('INV-2026-00001')}"], {PAID}),
    "credited without a note": (
        [f"UPDATE invoice SET credited = 0 WHERE id = {INV.format('INV-2026-00003')}"], {PAID}),
    "a credit note line changed": (["UPDATE credit_note_line SET net = net + 1"], {NOTES}),
    "a sequence ahead": (["UPDATE doc_sequence SET last_value = last_value + 1"
                          " WHERE prefix = 'INV'"], {NUMBERS}),
    "a gap": (["UPDATE invoice SET number = 'INV-2026-00009' WHERE number = 'INV-2026-00002'"],
              {NUMBERS}),
    "a wrong status": (["UPDATE sales_order SET status = 'open'"
                        " WHERE number = 'SO-2026-00001'"], {STATUS}),
    "a dangling reference": (["PRAGMA foreign_keys = OFF",
                              "UPDATE payment SET invoice_id = 999"], {REFERENCES, PAID}),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_each_kind_of_damage_is_found(healthy, tmp_path, damage):
    statements, expected = DAMAGE[damage]
    assert broken(healthy, tmp_path, *statements) == expected


def test_the_detail_names_the_record(healthy, tmp_path):
    path = tmp_path / "named.sqlite"
    shutil.copyfile(healthy, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"UPDATE product SET on_hand = on_hand + 2 WHERE id = {A}")
    conn.close()
    db = Database("sqlite:///" + str(path))
    try:
        [ledger] = [r for r in run_checks(db) if r.name == STOCK]
    finally:
        db.dispose()
    assert ledger.problems == 1
    assert ledger.detail == "A: counters say 6 sellable / 0 defective, moves say 4 / 0"


def test_the_order_totals_detail_names_the_order_and_figure(healthy, tmp_path):
    path = tmp_path / "named.sqlite"
    shutil.copyfile(healthy, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE sales_order SET credited_net = credited_net + 250"
                 " WHERE number = 'SO-2026-00002'")
    conn.close()
    db = Database("sqlite:///" + str(path))
    try:
        [totals] = [r for r in run_checks(db) if r.name == TOTALS]
    finally:
        db.dispose()
    assert totals.problems == 1
    assert totals.detail == "SO-2026-00002: credited_net 12.50 should be 10.00"
