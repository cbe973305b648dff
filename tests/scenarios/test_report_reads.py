"""The read side's fast paths tell the same story as the documents: profit rows made from cents
equal rows made from Decimals, a losing order is an exception, the queue is in SKU order."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app import services
from app.queries.exceptions import exceptions
from app.queries.pending import pending_queue
from app.queries.profit import (
    COMPONENTS,
    DIMENSIONS,
    ProfitRow,
    make_row,
    order_profit,
    profit_report,
    reconciliation,
    totals_match,
)
from app.services import LineInput
from db.models import Delivery, SalesOrder
from tests.scenarios.conftest import TODAY


@pytest.fixture
def story(shop):  # type: ignore[no-untyped-def]
    # Z is created before A: product ids and SKU order disagree
    for sku in ("Z", "A", "B"):
        shop.product(sku, price="10.00")
    shop.customer("ACME")
    shop.customer("BOLT")
    shop.supplier("TOOLCO")
    shop.receive("A", 6, cost="4.00")
    good = shop.order("ACME", A=4)  # 40.00 revenue, 16.00 cost
    losing = shop.order("BOLT", lines=[LineInput("A", 2, price="3.00")])  # 6.00 for 8.00
    shop.give_back(good, "defective", A=2)  # 8.00 back in cost, 8.00 lost, 20.00 credited
    shop.dispose("A", 1, "supplier_return", supplier="TOOLCO")  # 4.00 recovered
    shop.order("BOLT", promised=date(2026, 3, 10), Z=3, A=1)  # both wait: A is sold out
    shop.order("ACME", Z=2, B=1)
    return shop, good, losing


def test_profit_rows_from_cents_equal_rows_from_decimals(story) -> None:  # type: ignore[no-untyped-def]
    shop, good, losing = story
    with shop.db.read() as s:
        ids = dict(s.execute(select(SalesOrder.number, SalesOrder.id)).tuples().all())
        eager = order_profit(s, list(ids.values()))  # the Orders list's Decimal path
        report = profit_report(s, "order")
        assert [r.key for r in report.rows] == sorted([good, losing])
        for row in report.rows:
            parts = {c: getattr(eager[ids[row.key]], c) for c in COMPONENTS}
            twin = make_row(row.key, row.label, parts)
            assert row == twin and repr(row) == repr(twin) and asdict(row) == asdict(twin)
            assert hash(row) == hash(twin) and isinstance(row, ProfitRow)
        assert report.rows[0].label == f"{good} · Customer ACME"
        first = report.rows[0]
        assert (first.revenue, first.credits, first.cogs) == (D("40.00"), D("20.00"), D("16.00"))
        assert (first.returned_cost, first.defective_loss, first.recoveries) == (
            D("8.00"), D("8.00"), D("4.00"))
        assert (first.profit, first.margin, first.net_revenue) == (D("8.00"), D("40.0"), D("20.00"))
        assert (report.rows[1].profit, report.rows[1].margin) == (D("-2.00"), D("-33.3"))
        for by in DIMENSIONS:
            for start, end in ((None, None), (TODAY, TODAY), (date(2027, 1, 1), None)):
                shown = profit_report(s, by, start, end)
                assert totals_match(shown, reconciliation(s, start, end)), (by, start, end)
        assert profit_report(s, "order", date(2027, 1, 1)).rows == []
        with pytest.raises(AttributeError):
            report.rows[0].not_a_field  # noqa: B018


def test_a_losing_order_is_an_exception_with_its_loss(story) -> None:  # type: ignore[no-untyped-def]
    shop, good, losing = story
    with shop.db.read() as s:
        found = [e for e in exceptions(s, TODAY) if e.kind == "negative_margin"]
    assert [(e.document, e.amount, e.subject) for e in found] == [
        (losing, D("-2.00"), "Customer BOLT: profit -2.00")]


def test_the_queue_comes_in_sku_order_with_places_per_product(story) -> None:  # type: ignore[no-untyped-def]
    shop, _good, _losing = story
    with shop.db.read() as s:
        queue = pending_queue(s, today=TODAY)
        assert [(r.sku, r.position, r.qty_pending) for r in queue] == [
            ("A", 1, 1), ("B", 1, 1), ("Z", 1, 2), ("Z", 2, 3)]  # Z: due today, then promised
        assert queue[3].due_date == date(2026, 3, 10) and queue[3].customer == "Customer BOLT"
        assert (queue[0].order_date, queue[0].waiting_days) == (TODAY, 0)
        assert queue[0].ship_complete is False and queue[0].product == "Product A"
        assert pending_queue(s, "Z", today=TODAY) == queue[2:]
        assert pending_queue(s, "NOPE", today=TODAY) == []


def test_reports_from_the_orders_kept_totals_equal_reports_from_the_documents(story) -> None:  # type: ignore[no-untyped-def]
    """Over all dates, profit by order, customer and project reads each order's kept totals;
    limited to dates (here: a range holding every document) it sums the documents, by product
    through another plan (`product_id + 0`). Same rows,
    including an order whose documents sum to nothing (a free line of goods that cost 0)."""
    shop, good, losing = story
    shop.product("F", price="5.00")
    shop.receive("F", 2, cost="0.00")
    free = services.create_order(shop.db, "BOLT", [LineInput("F", 1, discount="100")],
                                 project="Roof").number
    shop.give_back(losing, "sellable", A=1)  # a sellable return: credit, cost back, no loss
    everything = (date(2000, 1, 1), date(2100, 1, 1))
    with shop.db.read() as s:
        for by in DIMENSIONS:  # product and month: over all dates and limited, both summed
            kept = profit_report(s, by)
            documents = profit_report(s, by, *everything)
            assert [asdict(r) for r in kept.rows] == [asdict(r) for r in documents.rows], by
            assert asdict(kept.totals) == asdict(documents.totals)
            assert totals_match(kept, reconciliation(s))
        rows = {r.key: r for r in profit_report(s, "order").rows}
        delivered = set(s.execute(select(SalesOrder.number).join(
            Delivery, Delivery.order_id == SalesOrder.id)).scalars())
        assert {good, losing, free} < delivered  # (the return served a waiting order too)
        assert set(rows) == delivered  # orders with documents, none without
        assert (rows[free].revenue, rows[free].cogs, rows[free].profit) == (D(0), D(0), D(0))
        ids = dict(s.execute(select(SalesOrder.number, SalesOrder.id)).tuples().all())
        margins = order_profit(s, list(ids.values()))  # the Orders list's column
        assert {number for number, oid in ids.items() if oid in margins} == set(rows)
        assert all(asdict(margins[ids[k]])["profit"] == r.profit for k, r in rows.items())
