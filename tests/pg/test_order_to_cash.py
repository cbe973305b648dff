"""The core scenario on PostgreSQL, through the same services as on SQLite: an order partly
served, a receipt serving the queue, a return with its credit note, a payment. Plus the parts
that only matter with several seats: numbering from many connections at once, and a deadlock
turned into a re-run."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select, text

from app import services
from app.queries.check import run_checks
from app.services import LineInput
from app.services.common import ConcurrentChange, next_numbers, retrying, transaction
from db.models import CreditNote, Invoice, Product, SalesOrderLine
from db.session import Database
from tests.pg.conftest import at_once


def _line(db: Database, order: str, sku: str) -> SalesOrderLine:
    with db.read() as s:
        return s.execute(
            text(
                "SELECT l.* FROM sales_order_line l JOIN sales_order o ON o.id = l.order_id "
                "JOIN product p ON p.id = l.product_id WHERE o.number = :o AND p.sku = :s"
            ),
            {"o": order, "s": sku},
        ).one()


def test_order_to_cash_on_postgresql(pg_db: Database) -> None:
    db = pg_db
    services.add_product(db, "HAM", "Claw hammer", "14.90", "19")
    services.add_product(db, "SAW", "Hand saw", "17.50", "19")
    services.add_customer(db, "ACME", "Acme Ltd")
    services.add_customer(db, "BOLT", "Bolt & Co")
    services.receive_stock(db, "HAM", 5, "6.00")

    first = services.create_order(db, "ACME", [LineInput("HAM", 8), LineInput("SAW", 2)])
    assert first.status == "partial" and first.pending == {"HAM": 3, "SAW": 2}
    assert len(first.invoices) == 1
    second = services.create_order(db, "BOLT", [LineInput("HAM", 2)])
    assert second.status == "pending" and not second.invoices

    receipt = services.receive_stock(db, "HAM", 4, "6.50")  # oldest order first: 3 + 1
    assert [(s.order_number, s.qty) for s in receipt.served] == [
        (first.number, 3), (second.number, 1)
    ]
    assert receipt.on_hand == {"HAM": 0}
    line = _line(db, second.number, "HAM")
    assert (line.qty_delivered, line.qty_pending) == (1, 1)

    returned = services.create_return(
        db, first.number, {"HAM": 2}, condition="sellable", reason="wrong item"
    )
    assert len(returned.credit_notes) == 1 and returned.credited > 0
    # the returned hammers go straight to the order still waiting
    assert [(s.order_number, s.qty) for s in returned.served] == [(second.number, 1)]
    assert _line(db, second.number, "HAM").qty_pending == 0

    invoice = first.invoices[0]
    paid = services.record_payment(db, invoice, "10.00")
    assert paid.paid.to_eng_string() == "10.00"
    with db.read() as s:
        # newest deliveries come back first: the note corrects the receipt's invoice
        corrected = receipt.invoices[0]
        inv = s.execute(select(Invoice).where(Invoice.number == corrected)).scalar_one()
        note = s.execute(select(CreditNote)).scalar_one()
        assert note.invoice_id == inv.id and inv.credited == note.gross
        hammer = s.execute(select(Product).where(Product.sku == "HAM")).scalar_one()
        assert (hammer.on_hand, hammer.allocated) == (1, 0)
    assert [c for c in run_checks(db) if not c.ok] == []


def test_first_number_of_a_year_from_many_seats_at_once(pg_db: Database) -> None:
    seats, each = 8, 5
    taken: list[str] = []

    def seat() -> None:
        for _ in range(each):
            with pg_db.write() as session:
                taken.extend(next_numbers(session, "purchase", 2, date(2031, 6, 1)))

    errors = at_once([seat] * seats)
    assert errors == []
    assert sorted(taken) == [f"PO-2031-{n:05d}" for n in range(1, seats * each * 2 + 1)]


def test_a_deadlock_becomes_a_rerun_of_the_whole_use_case(pg_db: Database) -> None:
    services.add_product(db := pg_db, "DL1", "Deadlock one", "1.00")
    services.add_product(db, "DL2", "Deadlock two", "1.00")
    gate = threading.Barrier(2)
    runs: list[str] = []

    @retrying
    def use_case(first: str, second: str) -> str:
        runs.append(first)
        with transaction(db) as (session, _):
            session.execute(text("SELECT 1 FROM product WHERE sku = :s FOR UPDATE"), {"s": first})
            if len(runs) <= 2:
                gate.wait(timeout=10)  # both hold one row: now cross over
            session.execute(text("SELECT 1 FROM product WHERE sku = :s FOR UPDATE"), {"s": second})
        return first

    results: list[str] = []
    errors = at_once([lambda: results.append(use_case("DL1", "DL2")),
                      lambda: results.append(use_case("DL2", "DL1"))])
    assert errors == [] and sorted(results) == ["DL1", "DL2"]
    assert len(runs) == 3  # one of the two was chosen as the deadlock victim and ran again


def test_retrying_gives_up_with_the_sentence() -> None:
    calls = []

    @retrying
    def always_busy() -> None:
        calls.append(1)
        raise ConcurrentChange("Another seat changed the same data at the same moment.")

    with pytest.raises(ConcurrentChange):
        always_busy()
    assert len(calls) > 1
