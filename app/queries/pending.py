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

from app.queries._sql import collector_paused
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


def pending_queue(
    session: Session, sku: str | None = None, today: date | None = None
) -> list[PendingRow]:
    with collector_paused():  # the whole queue can be 100,000 lines
        return _pending_queue(session, sku, today or date.today())


def _pending_queue(session: Session, sku: str | None, today: date) -> list[PendingRow]:
    line = SalesOrderLine
    stmt = (
        select(
            line.id,
            line.product_id,
            Product.sku,
            Product.name,
            SalesOrder.number,
            Customer.name.label("customer"),
            line.due_date,
            SalesOrder.order_date,
            line.qty_pending,
            line.qty_allocated,
            SalesOrder.ship_complete,
            Product.on_hand,
            Product.allocated,
        )
        .join(SalesOrder, SalesOrder.id == line.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Product, Product.id == line.product_id)
        .where(line.qty_pending > line.qty_allocated)
        .order_by(Product.sku, line.due_date, line.order_id, line.id)
    )
    if sku is not None:
        stmt = stmt.where(Product.sku == sku)
    # plain Core tuples and a tight loop: the whole queue can be 100,000 lines
    rows = session.connection().execute(stmt).all()
    incoming = _open_purchases(session, {r[1] for r in rows})

    result: list[PendingRow] = []
    append = result.append
    current = None
    place = queued = free_now = 0
    purchases: list[tuple[date, int]] = []
    for (line_id, product_id, sku_, name, number, customer, due, ordered, pending, allocated,
         ship_complete, on_hand, product_allocated) in rows:
        if product_id != current:  # rows come grouped by product (ordered by SKU)
            current, place, queued = product_id, 0, 0
            free_now = max(on_hand - product_allocated, 0)
            purchases = incoming.get(product_id, [])
        place += 1
        queued += pending - allocated
        append(
            PendingRow(
                line_id=line_id,
                sku=sku_,
                product=name,
                position=place,
                order=number,
                customer=customer,
                due_date=due,
                order_date=ordered,
                qty_pending=pending,
                qty_allocated=allocated,
                waiting_days=(today - ordered).days,
                expected_date=_expected(purchases, queued - free_now) if purchases else None,
                ship_complete=ship_complete,
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
