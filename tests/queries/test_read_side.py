"""The read side's shortcuts give what the plain code would: exception and queue rows made
without the dataclass's __init__, losing orders summed in SQL, report rows equal to rows made
from Decimals."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app.queries.exceptions import ExceptionRow, _row
from app.queries.pending import PendingRow
from app.queries.pending import _row as _pending_row
from app.queries.profit import (
    COMPONENTS,
    DIMENSIONS,
    losing_orders_cents,
    make_row,
    order_profit,
    profit_report,
)
from app.services import LineInput
from app.services.common import set_clock
from db.models import SalesOrder
from db.session import Database
from tests.scenarios.shop import Shop


def test_exception_rows_made_fast_equal_dataclass_rows() -> None:
    values = ("pending_old", "Pending too long", "SO-1", "ACME: 2 × A still pending", 20,
              D("12.30"), 2)
    fast, plain = _row(*values), ExceptionRow(*values)
    assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
    assert asdict(fast) == asdict(plain)
    assert [f.name for f in fields(ExceptionRow)] == list(vars(fast))  # no field left out


def test_pending_rows_made_fast_equal_dataclass_rows() -> None:
    values = (7, "A", "Product A", 2, "SO-1", "ACME", date(2026, 3, 2), date(2026, 3, 1), 3, 1,
              1, None, True)
    fast, plain = _pending_row(*values), PendingRow(*values)
    assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
    assert asdict(fast) == asdict(plain)
    assert [f.name for f in fields(PendingRow)] == list(vars(fast))  # no field left out


@pytest.fixture
def shop(db: Database):  # type: ignore[no-untyped-def]
    """Two losing orders (one sold below cost, one whose defective return lost more than it
    earned), one order that gains, one that only waits."""
    set_clock(lambda: datetime(2026, 3, 2, 10, 0))
    s = Shop(db)
    for sku in ("A", "B"):
        s.product(sku, price="10.00")
    s.customer("ACME")
    s.customer("BOLT")
    s.supplier("TOOLCO")
    s.receive("A", 10, cost="4.00")
    s.receive("B", 1, cost="4.00")
    good = s.order("ACME", A=4)  # 40.00 for 16.00
    below = s.order("BOLT", lines=[LineInput("A", 2, price="3.00")])  # 6.00 for 8.00
    back = s.order("ACME", lines=[LineInput("A", 2, price="5.00")])  # 10.00 for 8.00, then
    s.give_back(back, "defective", A=2)  # -10.00 credited, +8.00 back in cost, -8.00 lost
    s.dispose("A", 1, "supplier_return", supplier="TOOLCO")  # +4.00 recovered
    s.order("BOLT", B=3)  # 1 delivered, 2 wait
    yield s, good, below, back
    set_clock(None)


def test_losing_orders_are_the_report_rows_below_zero(shop) -> None:  # type: ignore[no-untyped-def]
    s, _good, below, back = shop
    with s.db.read() as session:
        ids = dict(session.execute(select(SalesOrder.number, SalesOrder.id)).tuples().all())
        report = profit_report(session, "order")
        expected = sorted((int(r.profit * 100), ids[r.key]) for r in report.rows if r.profit < 0)
        assert losing_orders_cents(session) == expected
        assert expected == [(-400, ids[back]), (-200, ids[below])]  # back: 10-10-8+8-8+4


def test_report_rows_equal_rows_made_from_decimals(shop) -> None:  # type: ignore[no-untyped-def]
    s, *_ = shop
    with s.db.read() as session:
        numbers = dict(session.execute(select(SalesOrder.id, SalesOrder.number)).tuples().all())
        eager = order_profit(session, list(numbers))
        report = profit_report(session, "order")
        assert [r.key for r in report.rows] == sorted(numbers[i] for i in eager)
        for row in report.rows:
            twin = eager[next(i for i, n in numbers.items() if n == row.key)]
            parts = {c: getattr(twin, c) for c in COMPONENTS}
            assert row == make_row(row.key, row.label, parts)
        for by in DIMENSIONS:
            rows = profit_report(session, by).rows
            total = profit_report(session, by).totals
            assert total.profit == sum((r.profit for r in rows), D(0))
            assert total.recoveries == D("4.00") and total.credits == D("10.00")
