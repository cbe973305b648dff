"""Bulk (the hot path's executemany) sends the driver exactly what a Core executemany sends."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert, text

from app.services.fulfilment import Bulk
from db.models import Invoice, SalesOrderLine
from db.session import Database

INVOICE = Invoice.__table__
KEYS = ("id", "number", "order_id", "delivery_id", "customer_id", "issue_date", "due_date",
        "currency", "tax_rounding", "net", "tax", "gross", "paid", "credited", "created_at",
        "customer_name", "customer_address", "customer_tax_id", "shop_name", "shop_address",
        "shop_tax_id")


def invoice_rows(first_id: int) -> list[tuple[Any, ...]]:
    """Repeated and distinct values, Decimals of several exponents, an int for money."""
    at = datetime(2026, 3, 2, 10, 0, 5)
    rows = []
    for n, (net, tax) in enumerate([(D("10.00"), D("1.90")), (D("10.0"), D("1.9")),
                                    (D("0.01"), 0), (D(5), D("0.35")), (D("999999.99"), D(0))]):
        rows.append((first_id + n, f"INV-T-{first_id + n}", 1, first_id + n, 1, date(2026, 3, 2),
                     date(2026, 3, 16 + n % 2), "EUR", "line", net, tax, net + tax, D(0), 0, at,
                     "Ann's shop", "" if n % 2 else "1 Main St\nTown", "", "Shop", "Addr", "TX"))
    return rows


@pytest.fixture
def sent(db: Database) -> Iterator[list[tuple[str, Any]]]:
    captured: list[tuple[str, Any]] = []

    @event.listens_for(db.write_engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith(("INSERT", "UPDATE")):
            captured.append((statement, [tuple(p) for p in parameters] if executemany
                             else [tuple(parameters)]))

    yield captured
    event.remove(db.write_engine, "before_cursor_execute", capture)


def test_bulk_insert_sends_what_core_sends(db: Database, sent: list[tuple[str, Any]]) -> None:
    with db.write() as session:
        connection = session.connection()
        connection.execute(text("PRAGMA defer_foreign_keys=ON"))  # no parents; rolled back
        core_rows = [dict(zip(KEYS, row, strict=True)) for row in invoice_rows(1)]
        connection.execute(insert(INVOICE), core_rows)
        Bulk(insert(INVOICE), KEYS).run(connection, invoice_rows(1001))
        session.rollback()
    (core_sql, core_params), (bulk_sql, bulk_params) = sent
    assert bulk_sql == core_sql
    # the same values apart from id, number and delivery, which are unique per batch
    def same(params):  # type: ignore[no-untyped-def]
        return [p[2:3] + p[4:] for p in params]

    assert same(bulk_params) == same(core_params)
    assert [p[9] for p in bulk_params] == [1000, 1000, 1, 500, 99999999]  # net in cents
    assert all(
        type(a) is type(b)
        for row, core in zip(bulk_params, core_params, strict=True)
        for a, b in zip(row, core, strict=True)
    )


def test_bulk_insert_of_many_rows_writes_what_core_writes_in_fewer_statements(
    db: Database, sent: list[tuple[str, Any]]
) -> None:
    """SQLite: full multi-row VALUES statements, the rest by executemany; the same rows, ids
    and values as a Core executemany."""
    from app.bulk import sqlite_values_per_statement

    per = sqlite_values_per_statement(db.write_engine.dialect) // len(KEYS)
    assert per > 1
    rows = [row for k in range(per) for row in invoice_rows(1 + 5 * k)][: 2 * per + 3]

    def written(insert_rows: Any) -> list[Any]:
        with db.write() as session:
            connection = session.connection()
            connection.execute(text("PRAGMA defer_foreign_keys=ON"))  # no parents; rolled back
            insert_rows(connection)
            found = connection.execute(text("SELECT * FROM invoice ORDER BY id")).all()
            session.rollback()
        return found

    by_core = written(lambda c: c.execute(
        insert(INVOICE), [dict(zip(KEYS, row, strict=True)) for row in rows]
    ))
    by_bulk = written(lambda c: Bulk(insert(INVOICE), KEYS).run(c, rows))
    assert len(by_core) == len(rows)
    assert by_bulk == by_core
    (core_sql, core_params), *bulk = sent
    # two statements of `per` rows each, then one executemany of the last 3 rows
    assert [len(params) for _, params in bulk] == [1, 1, 3]
    group = core_sql.rpartition(" VALUES ")[2]  # "(?, ?, ...)"
    assert bulk[0][0] == bulk[1][0] == core_sql + (", " + group) * (per - 1)
    assert bulk[2][0] == core_sql
    assert [v for _, params in bulk for p in params for v in p] == [
        v for p in core_params for v in p
    ]


def test_bulk_update_sends_what_core_sends(db: Database, sent: list[tuple[str, Any]]) -> None:
    line = SalesOrderLine.__table__
    stmt = (
        line.update()
        .where(line.c.id == bindparam("lid"))
        .values(qty_pending=line.c.qty_pending - bindparam("q"),
                qty_delivered=line.c.qty_delivered + bindparam("q"))
    )
    items = [(1, 2), (2, 3), (3, 2)]
    with db.write() as session:
        connection = session.connection()
        connection.execute(stmt, [{"lid": lid, "q": q} for lid, q in items])
        Bulk(stmt, ("lid", "q")).run(connection, items)
        session.rollback()
    (core_sql, core_params), (bulk_sql, bulk_params) = sent
    assert (bulk_sql, bulk_params) == (core_sql, core_params)


def test_bulk_refuses_money_with_more_than_two_decimals(db: Database) -> None:
    row = list(invoice_rows(1)[0])
    row[9] = D("10.005")
    with db.write() as session, pytest.raises(Exception, match="more than 2 decimals"):
        Bulk(insert(INVOICE), KEYS).run(session.connection(), [tuple(row)])


def test_bulk_insert_must_name_every_column_with_a_default(db: Database) -> None:
    with db.write() as session, pytest.raises(TypeError, match="needs the values"):
        Bulk(insert(INVOICE), KEYS[:-1]).run(session.connection(), [invoice_rows(1)[0][:-1]])


def test_the_collector_runs_again_after_a_pass_even_one_that_failed() -> None:
    from app.services.fulfilment import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a rule refused the pass")
    assert gc.isenabled()


def test_a_pass_leaves_a_collector_paused_by_its_caller_paused() -> None:
    from app.services.fulfilment import collector_paused

    gc.disable()
    try:
        with collector_paused(), collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("values", [
    [D("1.50"), D("2"), D("1.5"), D("2"), D("1.50")],  # one type: equal values, one call
    [D(1), 1, True, D(1), 1, D("0.5")],  # equal across types: each type processed apart
])
def test_processed_runs_each_distinct_value_once_and_keeps_the_order(values: list[Any]) -> None:
    from app.bulk import processed_once

    calls: list[Any] = []

    def process(value: Any) -> str:  # as the column types': by type and value (1.5 == 1.50)
        calls.append(value)
        return f"{type(value).__name__}:{int(value * 100)}"

    assert processed_once(values, process) == [process(v) for v in values]
    distinct = {(type(v), v) for v in values}
    assert len(calls) == len(distinct) + len(values)  # the pass's calls, then the check's
