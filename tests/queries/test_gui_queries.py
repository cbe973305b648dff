"""The read models behind the Purchases, Returns and payment screens, with exact figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.errors import NotFound
from app.queries.invoices import invoice_order, invoice_row, invoice_rows
from app.queries.purchases import purchase_detail, purchase_rows
from app.queries.returns import defective_stock, last_supplier, return_rows, returnable_lines
from app.services.common import set_clock
from db.session import Database
from tests.scenarios.shop import Shop

TODAY = date(2026, 3, 2)
D = Decimal


@pytest.fixture
def shop(db: Database):  # type: ignore[no-untyped-def]
    """A: 10 on the shelf at 4.00; SO1 ACME 4 A (delivered), SO2 BOLT 8 A (6 delivered, 2
    pending), SO3 ACME 3 A (pending); PO1 TOOLCO 10 A at 3.50, 4 received: SO2's 2 (queue
    place 1) and 2 of SO3's 3 (place 2)."""
    set_clock(lambda: datetime(2026, 3, 2, 10, 0))
    s = Shop(db)
    s.product("A", price="10.00")
    s.product("B", price="20.00")
    s.customer("ACME")
    s.customer("BOLT")
    s.supplier("TOOLCO")
    s.receive("A", 10, cost="4.00")
    s.order("ACME", A=4)
    s.order("BOLT", A=8)
    s.order("ACME", A=3)
    s.purchase("TOOLCO", A=(10, "3.50"), B=(2, "12.00"))
    s.receive_purchase("PO-2026-00001", A=4)
    yield s
    set_clock(None)


def test_purchase_list_shows_quantities_status_and_cost(shop: Shop) -> None:
    with shop.db.read() as session:
        rows = purchase_rows(session)
        assert len(rows) == 1
        po = rows[0]
        assert (po.number, po.supplier, po.order_date) == (
            "PO-2026-00001",
            "Supplier TOOLCO",
            TODAY,
        )
        assert (po.qty_ordered, po.qty_received, po.qty_open) == (12, 4, 8)
        assert po.status == "partly received"
        assert po.total_cost == D("59.00")  # 10 x 3.50 + 2 x 12.00
        assert purchase_rows(session, text="toolco") == rows
        assert purchase_rows(session, text="nobody") == []
        assert purchase_rows(session, open_only=True) == rows


def test_a_received_purchase_leaves_the_open_list(shop: Shop) -> None:
    shop.receive_purchase("PO-2026-00001")
    with shop.db.read() as session:
        assert purchase_rows(session)[0].status == "received"
        assert purchase_rows(session, open_only=True) == []


def test_purchase_detail_says_what_each_receipt_served(shop: Shop) -> None:
    with shop.db.read() as session:
        detail = purchase_detail(session, "PO-2026-00001")
    assert [(ln.sku, ln.ordered, ln.received, ln.open, ln.unit_cost) for ln in detail.lines] == [
        ("A", 10, 4, 6, D("3.50")),
        ("B", 2, 0, 2, D("12.00")),
    ]
    assert [(r.number, r.qty, r.cost) for r in detail.receipts] == [
        ("GR-2026-00002", 4, D("14.00"))
    ]
    assert [(s.receipt, s.order, s.qty, s.queue_position) for s in detail.served] == [
        ("GR-2026-00002", "SO-2026-00002", 2, 1),
        ("GR-2026-00002", "SO-2026-00003", 2, 2),
    ]
    assert all(s.invoice and s.invoice.startswith("INV-") for s in detail.served)
    with shop.db.read() as session, pytest.raises(NotFound):
        purchase_detail(session, "PO-2026-99999")


def test_return_list_returnable_lines_and_defective_stock(shop: Shop) -> None:
    with shop.db.read() as session:
        assert [
            (r.sku, r.delivered, r.returned, r.returnable)
            for r in returnable_lines(session, "SO-2026-00001")
        ] == [("A", 4, 0, 4)]
    result = shop.give_back("SO-2026-00001", "defective", A=1)
    assert result.credit_notes == ["CN-2026-00001"]
    with shop.db.read() as session:
        rows = return_rows(session)
        assert [
            (
                r.number,
                r.order,
                r.customer,
                r.reason,
                r.condition,
                r.qty,
                r.cost,
                r.credited,
                r.credit_notes,
            )
            for r in rows
        ] == [
            (
                "RT-2026-00001",
                "SO-2026-00001",
                "Customer ACME",
                "faulty",
                "defective",
                1,
                D("4.00"),
                D("11.90"),
                ("CN-2026-00001",),
            ),
        ]
        assert return_rows(session, text="CN-2026-00001") == rows
        assert return_rows(session, text="BOLT") == []
        line = returnable_lines(session, "SO-2026-00001")[0]
        assert (line.delivered, line.returned, line.returnable, line.unit_price) == (
            4,
            1,
            3,
            D("10.00"),
        )
        assert [
            (d.sku, d.qty, d.value, d.oldest_days)
            for d in defective_stock(session, today=TODAY + timedelta(days=5))
        ] == [("A", 1, D("4.00"), 5)]
        with pytest.raises(NotFound):
            returnable_lines(session, "SO-2026-99999")
    shop.dispose("A", 1, "write_off")
    with shop.db.read() as session:
        assert defective_stock(session) == []
        assert last_supplier(session, "A") == "TOOLCO"  # PO-1's receipt came after GR-1
        assert last_supplier(session, "B") is None


def test_invoice_list_paid_credited_open_and_overdue(shop: Shop) -> None:
    shop.give_back("SO-2026-00001", "sellable", A=1)  # credits 11.90 on INV-2026-00001
    shop.pay("INV-2026-00001", "20.00")
    shop.pay("INV-2026-00002", "71.40")  # 6 x 10 + 19 % tax, settled
    with shop.db.read() as session:
        first = invoice_row(session, "INV-2026-00001", today=TODAY)
        assert (first.order, first.customer, first.net, first.tax, first.gross) == (
            "SO-2026-00001",
            "Customer ACME",
            D("40.00"),
            D("7.60"),
            D("47.60"),
        )
        assert (first.paid, first.credited, first.open, first.overdue) == (
            D("20.00"),
            D("11.90"),
            D("15.70"),
            False,
        )
        late = invoice_row(session, "INV-2026-00001", today=first.due_date + timedelta(days=1))
        assert late.overdue
        open_numbers = [r.number for r in invoice_rows(session, open_only=True)]
        assert "INV-2026-00002" not in open_numbers and "INV-2026-00001" in open_numbers
        # SO1, SO2, the receipt's two, and SO3's last unit served by the returned one
        assert len(invoice_rows(session)) == 5
        assert [r.number for r in invoice_rows(session, text="BOLT")] == [
            "INV-2026-00003",
            "INV-2026-00002",
        ]
        assert invoice_order(session, "INV-2026-00002") == "SO-2026-00002"
        with pytest.raises(NotFound):
            invoice_order(session, "INV-2026-99999")
