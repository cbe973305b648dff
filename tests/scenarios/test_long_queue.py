"""A receipt that serves a long queue: exact figures, and statements that do not grow with it."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal as D

from sqlalchemy import event

from db.session import Database
from tests.scenarios.shop import Doc


def test_a_long_queue_with_ship_complete_orders_is_served_in_a_few_statements(shop, db: Database):
    shop.product("A", price="10.00")
    shop.product("B", price="20.00", tax="7")
    shop.customer("ACME")
    shop.customer("SLOW", ship_complete=True)
    acme, slow = [], []
    for i in range(60):
        if i % 2:
            slow.append(shop.order("SLOW", A=1, B=2))
        else:
            acme.append(shop.order("ACME", A=3))
    shop.receive("B", 10)  # enough B for five ship-complete orders, which still wait for A
    assert all(shop.status(n) == "pending" for n in slow)

    sent: Counter[str] = Counter()

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent[statement.split(None, 1)[0].upper()] += 1

    event.listen(db.write_engine, "before_cursor_execute", count)
    try:
        result = shop.receive("A", 120)
    finally:
        event.remove(db.write_engine, "before_cursor_execute", count)

    assert len(result.invoices) == 30 + 5
    assert all(shop.status(n) == "done" for n in acme)
    assert [shop.status(n) for n in slow] == ["done"] * 5 + ["pending"] * 25
    assert shop.on_hand("A") == 120 - 30 * 3 - 5 and shop.on_hand("B") == 0
    # 1 A at 10.00 (19 %) and 2 B at 20.00 (7 %): tax 1.90 + 2.80
    assert shop.invoices(slow[0]) == [Doc(shop.invoices(slow[0])[0].number, D("50.00"),
                                          D("4.70"), D("54.70"))]
    assert shop.invoices(acme[-1])[0].gross == D("35.70")
    # The 30 ship-complete orders' lines are read together, not one query per order.
    assert sent["SELECT"] < 30, sent


def test_sqlite_reads_the_blocked_ship_complete_orders_of_a_receipt_once(shop, db: Database):
    """Their lines name a product the pass has not locked yet: PostgreSQL locks it and reads
    the lines again (another seat may have served them meanwhile); SQLite's single writer
    makes that second read pointless, and the orders stay blocked all the same."""
    shop.product("A", price="10.00")
    shop.product("B", price="20.00")
    shop.customer("SLOW", ship_complete=True)
    slow = [shop.order("SLOW", A=1, B=1) for _ in range(10)]

    whole_order_reads = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "ORDER BY sales_order_line.order_id, sales_order_line.id" in statement:
            whole_order_reads.append(statement)

    event.listen(db.write_engine, "before_cursor_execute", count)
    try:
        result = shop.receive("A", 10)
        assert len(whole_order_reads) == 1
        assert result.invoices == [] and all(shop.status(n) == "pending" for n in slow)
        result = shop.receive("B", 10)
        assert len(whole_order_reads) == 2
    finally:
        event.remove(db.write_engine, "before_cursor_execute", count)
    assert len(result.invoices) == 10 and all(shop.status(n) == "done" for n in slow)


def test_the_lines_a_pass_delivers_are_read_as_core_reads_them(shop, db: Database):
    """_load_lines converts the decimals once per distinct value from the driver's rows:
    the same values, exponents included, as Core's per-row conversion."""
    from sqlalchemy import select

    from app.services.common import conn
    from app.services.fulfilment import _LOAD_LINES, _Line, _load_lines
    from app.services.orders import LineInput
    from db.models import SalesOrderLine

    shop.product("A", price="10.00")
    shop.product("B", price="0.99", tax="7.5")
    shop.product("C", price="1234.50", tax="0")
    shop.customer("ACME")
    for discount in ("0", "12.5", "100", "0"):
        shop.order("ACME", lines=[LineInput("A", 2, discount=discount), LineInput("B", 1),
                                  LineInput("C", 3, discount=discount)])
    with db.write() as session:
        ids = session.execute(select(SalesOrderLine.id)).scalars().all()
        fast = _load_lines(session, ids)
        rows = conn(session).execute(_LOAD_LINES, {"ids": ids}).tuples().all()
        session.rollback()
    core = {row[0]: _Line._make(row) for row in rows}
    assert len(fast) == len(core) == 12
    assert list(fast) == sorted(fast)
    # repr: Decimal("10.00") and Decimal("10.0") are equal but print (and store) apart
    assert [repr(line) for line in fast.values()] == [repr(core[i]) for i in fast]
