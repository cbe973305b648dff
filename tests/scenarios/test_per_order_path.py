"""The per-order path without re-reads: what create_order and record_payment hand back must be
what they stored, and settings changed elsewhere must be seen by the next use case."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from app import audit, services
from app.errors import Conflict, NotFound
from app.services import LineInput
from db.models import Payment, Product, SalesOrder, SalesOrderLine
from db.session import Database


def _stored(db: Database, number: str) -> tuple[str, dict[str, int]]:
    """The order's stored status and what still waits per SKU (pending - reserved)."""
    with db.read() as session:
        status = session.execute(
            select(SalesOrder.status).where(SalesOrder.number == number)
        ).scalar_one()
        rows = session.execute(
            select(Product.sku, func.sum(SalesOrderLine.qty_pending - SalesOrderLine.qty_allocated))
            .join(Product, Product.id == SalesOrderLine.product_id)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .where(SalesOrder.number == number)
            .group_by(Product.sku)
        ).tuples().all()
    return status, {sku: int(q) for sku, q in rows if q > 0}


@pytest.fixture
def stocked(shop):  # type: ignore[no-untyped-def]
    for sku in ("A", "B", "C"):
        shop.product(sku)
    shop.customer("ACME")
    shop.customer("WHOLE", ship_complete=True)
    shop.receive("A", 10)
    shop.receive("B", 3)
    return shop


@pytest.mark.parametrize(
    ("customer", "lines", "status", "pending"),
    [
        ("ACME", [("A", 4)], "done", {}),
        ("ACME", [("A", 2), ("B", 5)], "partial", {"B": 2}),
        ("ACME", [("C", 3)], "pending", {"C": 3}),
        ("ACME", [("A", 1), ("A", 2), ("C", 1), ("C", 4)], "partial", {"C": 5}),  # SKU twice
        ("WHOLE", [("A", 2), ("C", 1)], "pending", {"A": 2, "C": 1}),  # ship complete waits
        ("WHOLE", [("A", 2), ("B", 3)], "done", {}),
    ],
)
def test_the_result_of_create_order_is_what_was_stored(stocked, customer, lines, status, pending):
    result = services.create_order(stocked.db, customer, [LineInput(s, q) for s, q in lines])
    assert (result.status, result.pending) == (status, pending)
    assert _stored(stocked.db, result.number) == (status, pending)


def test_in_reserve_mode_the_result_says_open_or_pending_as_stored(stocked):
    stocked.setting("fulfilment_mode", "reserve")
    reserved = services.create_order(stocked.db, "ACME", [LineInput("A", 3)])
    assert reserved.invoices == [] and reserved.served[0].delivery is None
    assert (reserved.status, reserved.pending) == ("open", {})
    assert _stored(stocked.db, reserved.number) == ("open", {})

    mixed = services.create_order(stocked.db, "ACME", [LineInput("B", 5), LineInput("C", 1)])
    assert (mixed.status, mixed.pending) == ("pending", {"B": 2, "C": 1})
    assert _stored(stocked.db, mixed.number) == ("pending", {"B": 2, "C": 1})


def test_a_setting_changed_by_another_seat_counts_for_the_next_order(stocked, db_path):
    first = services.create_order(stocked.db, "ACME", [LineInput("A", 1)])
    assert first.invoices  # deliver mode: invoiced at once
    other_seat = Database("sqlite:///" + str(db_path))  # another window or process
    try:
        services.set_setting(other_seat, "fulfilment_mode", "reserve")
        services.set_setting(other_seat, "tax_rounding", "document")
    finally:
        other_seat.dispose()
    second = services.create_order(stocked.db, "ACME", [LineInput("A", 1)])
    assert second.invoices == [] and second.status == "open"
    stocked.setting("fulfilment_mode", "deliver")
    # three lines of 0.03: tax 0.01 each when rounded per line, 0.02 once per document
    third = services.create_order(stocked.db, "ACME", [LineInput("A", 1, price="0.03")] * 3)
    assert third.status == "done"
    assert stocked.invoice(third.invoices[0]).gross == D("0.11")


def test_parsed_settings_are_shared_read_only(stocked):
    from app.settings import load

    with stocked.db.read() as session:
        settings = load(session)
        assert load(session) is settings  # parsed once while the stored texts are the same
    with pytest.raises(TypeError):
        settings.tax_rates["standard"] = D("1")  # type: ignore[index]


def test_payments_keep_exact_totals_one_row_each_and_an_audit_entry(stocked):
    order = stocked.order("ACME", A=6)
    [invoice] = stocked.invoices(order)
    assert invoice.gross == D("71.40")
    first = services.record_payment(stocked.db, invoice.number, "0.01", method="cash")
    assert (first.amount, first.paid, first.open) == (D("0.01"), D("0.01"), D("71.39"))
    second = services.record_payment(stocked.db, invoice.number, D("71.39"), reference="R-7")
    assert (second.paid, second.open) == (D("71.40"), D("0.00"))
    assert stocked.invoice(invoice.number).paid == D("71.40")
    with stocked.db.read() as session:
        amounts = session.execute(select(Payment.amount, Payment.method, Payment.reference)
                                  .order_by(Payment.id)).tuples().all()
        entries = [e for e in audit.entries(session) if e.action == "record_payment"]
    assert amounts == [(D("0.01"), "cash", ""), (D("71.39"), "", "R-7")]
    assert [json.loads(e.detail) for e in entries] == [
        {"before": {"paid": "0.00"},
         "after": {"paid": "0.01", "amount": "0.01", "method": "cash", "reference": ""}},
        {"before": {"paid": "0.01"},
         "after": {"paid": "71.40", "amount": "71.39", "method": "", "reference": "R-7"}},
    ]
    with pytest.raises(Conflict, match="already settled"):
        services.record_payment(stocked.db, invoice.number, "0.01")
    with pytest.raises(NotFound, match="There is no invoice 'INV-1999-00001'"):
        services.record_payment(stocked.db, "INV-1999-00001", "1")


def test_numbers_of_several_kinds_in_one_statement_are_the_same_gapless_numbers(db):
    from datetime import date

    from app.services.common import next_numbers, next_numbers_each, transaction

    day = date(2031, 6, 1)
    with transaction(db) as (session, _):
        assert next_numbers(session, "delivery", 1, day) == ["DN-2031-00001"]
        # one kind has its row for 2031 already, the other gets its first
        assert next_numbers_each(session, ["delivery", "invoice"], 2, day) == [
            ["DN-2031-00002", "DN-2031-00003"], ["INV-2031-00001", "INV-2031-00002"]]
        assert next_numbers_each(session, ["invoice", "delivery"], 1, day) == [
            ["INV-2031-00003"], ["DN-2031-00004"]]
        assert next_numbers_each(session, ["delivery", "invoice"], 0, day) == [[], []]
        with pytest.raises(ValueError):
            next_numbers_each(session, ["invoice", "invoice"], 1, day)
    with pytest.raises(RuntimeError), transaction(db) as (session, _):
        next_numbers_each(session, ["delivery", "invoice"], 5, day)
        raise RuntimeError("rolled back: the numbers are given back")
    with transaction(db) as (session, _):
        assert next_numbers_each(session, ["delivery", "invoice"], 1, day) == [
            ["DN-2031-00005"], ["INV-2031-00004"]]
