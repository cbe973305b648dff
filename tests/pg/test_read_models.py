"""The read models behind the GUI and the CLI give the same answers on PostgreSQL as on SQLite
for the same shop (the demo, same seed): no SQLite-only SQL slips into a multi-seat shop."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import astuple
from datetime import date

import pytest

from app.demo import build_demo
from app.queries import exceptions as exc_q
from app.queries import invoices, links, orders, pending, profit, purchases, returns, stock
from app.queries.changes import data_version
from app.queries.check import run_checks
from db.migrate import ensure_current
from db.session import Database

SEED, ORDERS = 4, 150


@pytest.fixture(scope="module")
def twins(
    pg_db: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, Database]]:
    lite = Database("sqlite:///" + str(tmp_path_factory.mktemp("twin") / "shop.sqlite"))
    ensure_current(lite)
    for database in (lite, pg_db):
        build_demo(database, orders=ORDERS, seed=SEED)
    yield lite, pg_db
    lite.dispose()


def _both(twins, read):  # type: ignore[no-untyped-def]
    answers = []
    for database in twins:
        with database.read() as session:
            answers.append(read(session))
    return answers


def _profit_by(by: str):  # type: ignore[no-untyped-def]
    return lambda s: profit.profit_report(s, by)


def test_the_same_shop_reads_the_same(twins) -> None:  # type: ignore[no-untyped-def]
    today = date.today()
    same = {
        "stock": lambda s: stock.stock_overview(s),
        "search": lambda s: [astuple(h) for h in stock.product_search(s, "screw")],
        "moves": lambda s: [astuple(m) for m in stock.product_moves(s, "HAM-450")],
        "orders": lambda s: Counter(
            r.status for r in orders.order_rows(s, orders.order_ids(s, orders.OrderFilter()))
        ),
        "pending": lambda s: sorted(astuple(r) for r in pending.pending_queue(s, today=today)),
        "exceptions": lambda s: sorted(map(repr, exc_q.exceptions(s, today=today))),
        "invoices": lambda s: sorted(map(repr, invoices.invoice_rows(s, today=today))),
        "purchases": lambda s: sorted(map(repr, purchases.purchase_rows(s))),
        "returns": lambda s: sorted(map(repr, returns.return_rows(s))),
        "defective": lambda s: sorted(map(repr, returns.defective_stock(s, today=today))),
        "reconciliation": lambda s: profit.reconciliation(s),
        **{f"profit by {by}": _profit_by(by) for by in profit.DIMENSIONS},
        "chain": lambda s: [
            [astuple(d) for d in links.document_chain(s, number)]
            for number in sorted(r.number for r in orders.order_rows(
                s, orders.order_ids(s, orders.OrderFilter())))[::25]
        ],
        "detail": lambda s: [
            repr(orders.order_detail(s, number))
            for number in sorted(r.number for r in orders.order_rows(
                s, orders.order_ids(s, orders.OrderFilter())))[::7]
        ],
    }
    differ = []
    for name, read in same.items():
        lite, pg = _both(twins, read)
        if lite != pg:
            differ.append(name)
            print(name, "\nsqlite:", lite, "\npostgresql:", pg)
    assert differ == []


def test_check_and_change_poll_on_postgresql(twins) -> None:  # type: ignore[no-untyped-def]
    lite, pg = twins
    assert [c for c in run_checks(pg) if not c.ok] == []
    with lite.read() as a, pg.read() as b:
        assert data_version(a) == data_version(b)
