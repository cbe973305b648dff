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
    today = today or date.today()
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
    rows = session.execute(stmt).all()
    incoming = _open_purchases(session, {r.product_id for r in rows})

    result: list[PendingRow] = []
    position: dict[int, int] = defaultdict(int)
    queued: dict[int, int] = defaultdict(int)  # need so far, per product
    for r in rows:
        position[r.product_id] += 1
        queued[r.product_id] += r.qty_pending - r.qty_allocated
        free_now = max(r.on_hand - r.allocated, 0)
        result.append(
            PendingRow(
                line_id=r.id,
                sku=r.sku,
                product=r.name,
                position=position[r.product_id],
                order=r.number,
                customer=r.customer,
                due_date=r.due_date,
                order_date=r.order_date,
                qty_pending=r.qty_pending,
                qty_allocated=r.qty_allocated,
                waiting_days=(today - r.order_date).days,
                expected_date=_expected(
                    incoming.get(r.product_id, []), queued[r.product_id] - free_now
                ),
                ship_complete=r.ship_complete,
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
