"""The orders list (filtered and sorted in SQL, fetched a page of ids at a time) and one
order's full detail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session

from app.domain.states import STATUS_LABELS, STATUSES
from app.errors import InvalidInput, NotFound
from app.queries._sql import like, money_from_cents
from app.queries.links import DocRef, document_chain
from app.queries.pending import pending_queue
from app.queries.profit import ProfitRow, order_profit
from db.models import (
    Allocation,
    Customer,
    CustomerReturn,
    Delivery,
    DeliveryLine,
    Product,
    Project,
    PurchaseOrder,
    Receipt,
    SalesOrder,
    SalesOrderLine,
    Supplier,
)


@dataclass(frozen=True)
class OrderFilter:
    text: str = ""  # order number, customer code or name, project
    status: str | None = None
    customer: str | None = None  # customer code
    date_from: date | None = None
    date_to: date | None = None


SORT_KEYS = ("number", "date", "customer", "status", "gross", "pending")


def order_ids(
    session: Session, flt: OrderFilter, sort: str | None = None, descending: bool = True
) -> list[int]:
    """Ids of the orders matching `flt`, in display order. One indexed query."""
    stmt = select(SalesOrder.id)
    joined_customer = False
    if flt.text.strip():
        pattern = like(flt.text.strip())
        sqlite = session.get_bind().dialect.name == "sqlite"

        def matches(column: Any) -> Any:
            # SQLite's LIKE already ignores ASCII case and its lower() folds only ASCII, so
            # ILIKE's rendering there (lower(x) LIKE lower(y)) is the same test, with a
            # lower() per order on top
            if sqlite:
                return column.like(pattern, escape="\\")
            return column.ilike(pattern, escape="\\")

        # the orders whose number matches (one pass over the number index), then those of
        # the few matching customers and projects (index look-ups): no join per order
        customers = select(Customer.id).where(or_(matches(Customer.code), matches(Customer.name)))
        projects = select(Project.id).where(matches(Project.name))
        matching = union_all(
            select(SalesOrder.id).where(matches(SalesOrder.number)),
            select(SalesOrder.id).where(SalesOrder.customer_id.in_(customers.scalar_subquery())),
            select(SalesOrder.id).where(SalesOrder.project_id.in_(projects.scalar_subquery())),
        )
        stmt = stmt.where(SalesOrder.id.in_(matching))
    if flt.status:
        if flt.status not in STATUSES:
            raise InvalidInput(f"Unknown status {flt.status!r}; use one of {', '.join(STATUSES)}.")
        stmt = stmt.where(SalesOrder.status == flt.status)
    if flt.customer:
        if not joined_customer:
            stmt = stmt.join(Customer, Customer.id == SalesOrder.customer_id)
            joined_customer = True
        stmt = stmt.where(Customer.code == flt.customer)
    if flt.date_from:
        stmt = stmt.where(SalesOrder.order_date >= flt.date_from)
    if flt.date_to:
        stmt = stmt.where(SalesOrder.order_date <= flt.date_to)

    key: Any
    if sort in (None, "number"):
        key = SalesOrder.id
    elif sort == "date":
        key = SalesOrder.order_date
    elif sort == "status":
        key = SalesOrder.status
    elif sort == "gross":
        key = SalesOrder.gross_total
    elif sort == "customer":
        if not joined_customer:
            stmt = stmt.join(Customer, Customer.id == SalesOrder.customer_id)
        key = Customer.name
    elif sort == "pending":
        # one grouped pass over the pending lines, not a correlated sum per order
        waiting = (
            select(SalesOrderLine.order_id, func.sum(SalesOrderLine.qty_pending).label("qty"))
            .where(SalesOrderLine.qty_pending > 0)
            .group_by(SalesOrderLine.order_id)
            .subquery()
        )
        stmt = stmt.outerjoin(waiting, waiting.c.order_id == SalesOrder.id)
        key = func.coalesce(waiting.c.qty, 0)
    else:
        raise InvalidInput(f"Orders can be sorted by {', '.join(SORT_KEYS)}.")
    if descending:
        stmt = stmt.order_by(key.desc(), SalesOrder.id.desc())
    else:
        stmt = stmt.order_by(key.asc(), SalesOrder.id.asc())
    # plain Core rows: 100,000 ids without the ORM's per-row work
    return [row[0] for row in session.connection().execute(stmt).all()]


@dataclass(frozen=True)
class OrderRow:
    id: int
    number: str
    order_date: date
    promised_date: date | None
    customer_code: str
    customer_name: str
    project: str | None
    status: str
    status_label: str
    net_total: Decimal
    gross_total: Decimal
    qty_pending: int
    invoiced_net: Decimal
    margin: Decimal | None  # profit so far, in money (None until something was invoiced)
    ship_complete: bool


_NOTHING = money_from_cents(0)


def order_rows(session: Session, ids: list[int]) -> list[OrderRow]:
    """The rows for one page of ids (a few hundred at most): three queries, no N+1."""
    if not ids:
        return []
    pending = dict(
        session.execute(
            select(SalesOrderLine.order_id, func.sum(SalesOrderLine.qty_pending))
            .where(SalesOrderLine.order_id.in_(ids))
            .group_by(SalesOrderLine.order_id)
        )
        .tuples()
        .all()
    )
    profits = order_profit(session, ids)  # its revenue is the invoiced net
    stmt = (
        select(SalesOrder, Customer.code, Customer.name, Project.name)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .outerjoin(Project, Project.id == SalesOrder.project_id)
        .where(SalesOrder.id.in_(ids))
    )
    rows = []
    for o, code, name, project in session.execute(stmt).tuples():
        profit = profits.get(o.id)
        rows.append(
            OrderRow(
                id=o.id,
                number=o.number,
                order_date=o.order_date,
                promised_date=o.promised_date,
                customer_code=code,
                customer_name=name,
                project=project,
                status=o.status,
                status_label=STATUS_LABELS[o.status],
                net_total=o.net_total,
                gross_total=o.gross_total,
                qty_pending=int(pending.get(o.id, 0)),
                invoiced_net=profit.revenue if profit else _NOTHING,
                margin=profit.profit if profit and profit.revenue else None,
                ship_complete=o.ship_complete,
            )
        )
    return rows


@dataclass(frozen=True)
class OrderLineRow:
    line_id: int
    line_no: int
    sku: str
    description: str
    ordered: int
    delivered: int
    pending: int
    allocated: int
    cancelled: int
    invoiced: int
    returned: int
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    net_amount: Decimal
    cancel_reason: str
    queue_position: int | None
    expected_date: date | None


@dataclass(frozen=True)
class AllocationRow:
    """Why a line got goods: the event that served it, its source, and its place then."""

    sku: str
    qty: int
    at: datetime
    trigger: str  # order (in stock when ordered), receipt, return, adjustment, retry
    source: str  # GR-… receipt or RT-… return number, "" when served from the shelf
    purchase: str  # PO-… behind the receipt, if any
    supplier: str
    position: int
    reason: str
    delivery: str  # DN-… when delivered, "" while only reserved


@dataclass(frozen=True)
class OrderDetail:
    number: str
    order_date: date
    promised_date: date | None
    customer_code: str
    customer_name: str
    project: str | None
    status: str
    status_label: str
    ship_complete: bool
    note: str
    net_total: Decimal
    gross_total: Decimal
    lines: list[OrderLineRow]
    documents: list[DocRef]
    profit: ProfitRow | None
    allocations: list[AllocationRow]


def order_detail(session: Session, number: str) -> OrderDetail:
    found = session.execute(
        select(SalesOrder, Customer.code, Customer.name, Project.name)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .outerjoin(Project, Project.id == SalesOrder.project_id)
        .where(SalesOrder.number == number.strip())
    ).first()
    if found is None:
        raise NotFound(f"There is no sales order {number!r}.")
    order, code, name, project = found
    line_rows = (
        session.execute(
            select(SalesOrderLine, Product.sku)
            .join(Product, Product.id == SalesOrderLine.product_id)
            .where(SalesOrderLine.order_id == order.id)
            .order_by(SalesOrderLine.line_no)
        )
        .tuples()
        .all()
    )
    queue_info = {}
    for sku in sorted({sku for line, sku in line_rows if line.qty_pending > line.qty_allocated}):
        for row in pending_queue(session, sku):
            queue_info[row.line_id] = (row.position, row.expected_date)
    lines = [
        OrderLineRow(
            line_id=ln.id,
            line_no=ln.line_no,
            sku=sku,
            description=ln.description,
            ordered=ln.qty_ordered,
            delivered=ln.qty_delivered,
            pending=ln.qty_pending,
            allocated=ln.qty_allocated,
            cancelled=ln.qty_cancelled,
            invoiced=ln.qty_invoiced,
            returned=ln.qty_returned,
            unit_price=ln.unit_price,
            discount=ln.discount,
            tax_rate=ln.tax_rate,
            net_amount=ln.net_amount,
            cancel_reason=ln.cancel_reason,
            queue_position=queue_info.get(ln.id, (None, None))[0],
            expected_date=queue_info.get(ln.id, (None, None))[1],
        )
        for ln, sku in line_rows
    ]
    documents = [d for d in document_chain(session, order.number) if d.number != order.number]
    profit = order_profit(session, [order.id]).get(order.id)
    return OrderDetail(
        number=order.number,
        order_date=order.order_date,
        promised_date=order.promised_date,
        customer_code=code,
        customer_name=name,
        project=project,
        status=order.status,
        status_label=STATUS_LABELS[order.status],
        ship_complete=order.ship_complete,
        note=order.note,
        net_total=order.net_total,
        gross_total=order.gross_total,
        lines=lines,
        documents=documents,
        profit=profit,
        allocations=_allocations(session, order.id),
    )


def _allocations(session: Session, order_id: int) -> list[AllocationRow]:
    stmt = (
        select(Allocation, Product.sku, Receipt.number, CustomerReturn.number,
               PurchaseOrder.number, Supplier.name, Delivery.number)
        .join(SalesOrderLine, SalesOrderLine.id == Allocation.order_line_id)
        .join(Product, Product.id == Allocation.product_id)
        .outerjoin(Receipt, Receipt.id == Allocation.receipt_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
        .outerjoin(Supplier, Supplier.id == Receipt.supplier_id)
        .outerjoin(CustomerReturn, CustomerReturn.id == Allocation.return_id)
        .outerjoin(DeliveryLine, DeliveryLine.id == Allocation.delivery_line_id)
        .outerjoin(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .where(SalesOrderLine.order_id == order_id)
        .order_by(Allocation.id)
    )
    return [
        AllocationRow(
            sku=sku, qty=a.qty, at=a.created_at, trigger=a.trigger,
            source=receipt or ret or "", purchase=po or "", supplier=supplier or "",
            position=a.queue_position, reason=a.reason, delivery=delivery or "",
        )
        for a, sku, receipt, ret, po, supplier, delivery in session.execute(stmt).tuples()
    ]
