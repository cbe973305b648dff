"""The pending queue, in service order, with each line's place and an expected fill date.

The order is the allocator's: earliest due date (promised, else order date), then order
number. The expected date walks the product's open purchases by expected date: the first
purchase whose cumulative quantity covers everything queued up to this line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.queries._sql import collector_paused, day_reader, driver_rows
from db.models import Customer, Product, PurchaseLine, PurchaseOrder, SalesOrder, SalesOrderLine


@dataclass(frozen=True)
class PendingRow:
    line_id: int
    sku: str
    product: str
    position: int  # 1-based place in the product's queue
    order: str
    customer: str
    due_date: date
    order_date: date
    qty_pending: int
    qty_allocated: int  # reserved already (reserve-only mode)
    waiting_days: int
    expected_date: date | None  # None: no open purchase covers it
    ship_complete: bool


_new = object.__new__


def _row(line_id: int, sku: str, product: str, position: int, order: str, customer: str,
         due_date: date, order_date: date, qty_pending: int, qty_allocated: int,
         waiting_days: int, expected_date: date | None, ship_complete: bool) -> PendingRow:
    """PendingRow(...) without the frozen dataclass's thirteen guarded setattrs: the same row
    (fields, equality, hash, repr) in a third of the time, and the queue can be 100,000."""
    row = _new(PendingRow)
    fields_ = row.__dict__  # filled as the generated __init__ would
    fields_["line_id"] = line_id
    fields_["sku"] = sku
    fields_["product"] = product
    fields_["position"] = position
    fields_["order"] = order
    fields_["customer"] = customer
    fields_["due_date"] = due_date
    fields_["order_date"] = order_date
    fields_["qty_pending"] = qty_pending
    fields_["qty_allocated"] = qty_allocated
    fields_["waiting_days"] = waiting_days
    fields_["expected_date"] = expected_date
    fields_["ship_complete"] = ship_complete
    return row


def pending_queue(
    session: Session, sku: str | None = None, today: date | None = None
) -> list[PendingRow]:
    with collector_paused():  # the whole queue can be 100,000 lines
        return _pending_queue(session, sku, today or date.today())


def _pending_queue(session: Session, sku: str | None, today: date) -> list[PendingRow]:
    conn = session.connection()
    line = SalesOrderLine
    # products are a few hundred rows: looked up here, not joined per line
    products = {
        product_id: (sku_, name, max(on_hand - allocated, 0))
        for product_id, sku_, name, on_hand, allocated in driver_rows(
            conn,
            select(Product.id, Product.sku, Product.name, Product.on_hand, Product.allocated)
            .order_by(Product.sku),  # the queue's order, in the database's collation
        )
    }
    stmt = (
        select(
            line.id,
            line.product_id,
            SalesOrder.number,
            Customer.name,
            line.due_date,
            SalesOrder.order_date,
            line.qty_pending,
            line.qty_allocated,
            SalesOrder.ship_complete,
        )
        .join(SalesOrder, SalesOrder.id == line.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(line.qty_pending > line.qty_allocated)
        # the queue index's own order (no sort); the products come in SKU order below
        .order_by(line.product_id, line.due_date, line.order_id, line.id)
    )
    if sku is not None:
        wanted = [product_id for product_id, (sku_, *_) in products.items() if sku_ == sku]
        if not wanted:
            return []
        stmt = stmt.where(line.product_id == wanted[0])
    # driver tuples and a tight loop: the whole queue can be 100,000 lines
    rows = driver_rows(conn, stmt)
    incoming = _open_purchases(session, {r[1] for r in rows})
    blocks: dict[int, tuple[int, int]] = {}  # product id -> its rows' (start, end)
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][1] != rows[start][1]:
            blocks[rows[start][1]] = (start, i)
            start = i

    day = day_reader()
    waited: dict[date, int] = {}
    result: list[PendingRow] = []
    append = result.append
    for product_id, (sku_, name, free_now) in products.items():
        if product_id not in blocks:
            continue
        purchases = incoming.get(product_id, [])
        place = queued = 0
        first, end = blocks[product_id]
        for (line_id, _product, number, customer, due, ordered, pending, allocated,
             ship_complete) in rows[first:end]:
            place += 1
            queued += pending - allocated
            ordered = day(ordered)
            waiting = waited.get(ordered)
            if waiting is None:
                waiting = waited[ordered] = (today - ordered).days
            append(
                _row(
                    line_id,
                    sku_,
                    name,
                    place,
                    number,
                    customer,
                    day(due),
                    ordered,
                    pending,
                    allocated,
                    waiting,
                    _expected(purchases, queued - free_now) if purchases else None,
                    bool(ship_complete),
                )
            )
    return result


def _open_purchases(session: Session, product_ids: set[int]) -> dict[int, list[tuple[date, int]]]:
    """Per product, (expected date, open qty) of open purchase lines, soonest first;
    purchases without an expected date cannot promise anything and are left out."""
    if not product_ids:
        return {}
    rows = session.execute(
        select(
            PurchaseLine.product_id,
            PurchaseOrder.expected_date,
            func.sum(PurchaseLine.qty_ordered - PurchaseLine.qty_received),
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseLine.purchase_order_id)
        .where(
            PurchaseOrder.cancelled.is_(False),
            PurchaseOrder.expected_date.is_not(None),
            PurchaseLine.qty_received < PurchaseLine.qty_ordered,
            PurchaseLine.product_id.in_(sorted(product_ids)),
        )
        .group_by(PurchaseLine.product_id, PurchaseOrder.expected_date)
        .order_by(PurchaseLine.product_id, PurchaseOrder.expected_date)
    ).tuples()
    result: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for product_id, expected, qty in rows:
        result[product_id].append((expected, int(qty)))
    return result


def _expected(purchases: list[tuple[date, int]], still_needed: int) -> date | None:
    if still_needed <= 0:
        return None
    covered = 0
    for expected, qty in purchases:
        covered += qty
        if covered >= still_needed:
            return expected
    return None
