"""Purchase orders for the Purchases tab: the list with received quantities and status, and
one purchase's lines, receipts and the pending order lines each receipt served."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.queries._sql import cents, like, money_from_cents
from db.models import (
    Allocation,
    Customer,
    Delivery,
    DeliveryLine,
    Invoice,
    InvoiceLine,
    Product,
    Project,
    PurchaseLine,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    SalesOrder,
    SalesOrderLine,
    Supplier,
)

STATUSES = ("open", "partly received", "received", "cancelled")


def purchase_status(cancelled: bool, ordered: int, received: int) -> str:
    """Computed from the quantities, never stored."""
    if cancelled:
        return "cancelled"
    if received >= ordered:
        return "received"
    return "partly received" if received > 0 else "open"


@dataclass(frozen=True)
class PurchaseRow:
    number: str
    supplier: str
    order_date: date
    expected_date: date | None
    for_order: str | None
    project: str | None
    qty_ordered: int
    qty_received: int
    status: str
    total_cost: Decimal

    @property
    def qty_open(self) -> int:
        return 0 if self.status == "cancelled" else self.qty_ordered - self.qty_received


def purchase_rows(session: Session, text: str = "", open_only: bool = False) -> list[PurchaseRow]:
    """Every purchase order, newest first; `text` matches the number, the supplier, the sales
    order it was made for and the project; `open_only` keeps those still waiting for goods."""
    totals = (
        select(
            PurchaseLine.purchase_order_id.label("po_id"),
            func.sum(PurchaseLine.qty_ordered).label("ordered"),
            func.sum(PurchaseLine.qty_received).label("received"),
            func.sum(PurchaseLine.qty_ordered * cents(PurchaseLine.unit_cost)).label("cost"),
        )
        .group_by(PurchaseLine.purchase_order_id)
        .subquery()
    )
    stmt = (
        select(
            PurchaseOrder.number,
            Supplier.name,
            PurchaseOrder.order_date,
            PurchaseOrder.expected_date,
            SalesOrder.number,
            Project.name,
            func.coalesce(totals.c.ordered, 0),
            func.coalesce(totals.c.received, 0),
            PurchaseOrder.cancelled,
            func.coalesce(totals.c.cost, 0),
        )
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .outerjoin(totals, totals.c.po_id == PurchaseOrder.id)
        .outerjoin(SalesOrder, SalesOrder.id == PurchaseOrder.for_order_id)
        .outerjoin(Project, Project.id == PurchaseOrder.project_id)
        .order_by(PurchaseOrder.order_date.desc(), PurchaseOrder.id.desc())
    )
    text = text.strip()
    if text:
        pattern = like(text)
        stmt = stmt.where(
            or_(
                PurchaseOrder.number.ilike(pattern, escape="\\"),
                Supplier.name.ilike(pattern, escape="\\"),
                Supplier.code.ilike(pattern, escape="\\"),
                SalesOrder.number.ilike(pattern, escape="\\"),
                Project.name.ilike(pattern, escape="\\"),
            )
        )
    if open_only:
        stmt = stmt.where(
            PurchaseOrder.cancelled.is_(False),
            func.coalesce(totals.c.received, 0) < func.coalesce(totals.c.ordered, 0),
        )
    return [
        PurchaseRow(
            number,
            supplier,
            order_date,
            expected,
            for_order,
            project,
            int(ordered),
            int(received),
            purchase_status(bool(cancelled), int(ordered), int(received)),
            money_from_cents(cost),
        )
        for (
            number,
            supplier,
            order_date,
            expected,
            for_order,
            project,
            ordered,
            received,
            cancelled,
            cost,
        ) in session.execute(stmt).tuples()
    ]


@dataclass(frozen=True)
class PurchaseLineRow:
    line_no: int
    sku: str
    name: str
    ordered: int
    received: int
    open: int
    unit_cost: Decimal
    amount: Decimal  # ordered x unit cost


@dataclass(frozen=True)
class ReceiptRow:
    number: str
    date: date
    qty: int
    cost: Decimal  # received units at their unit cost


@dataclass(frozen=True)
class ServedRow:
    """One pending order line a receipt served: which order, how much, its place in the queue."""

    receipt: str
    order: str
    customer: str
    sku: str
    qty: int
    queue_position: int
    reason: str
    delivery: str | None
    invoice: str | None
    at: datetime


@dataclass(frozen=True)
class PurchaseDetail:
    number: str
    supplier_code: str
    supplier_name: str
    order_date: date
    expected_date: date | None
    for_order: str | None
    project: str | None
    status: str
    note: str
    lines: list[PurchaseLineRow]
    receipts: list[ReceiptRow]
    served: list[ServedRow]

    @property
    def total_cost(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal(0))


def purchase_detail(session: Session, number: str) -> PurchaseDetail:
    """One purchase order with its lines, its receipts and what each receipt served."""
    head = session.execute(
        select(
            PurchaseOrder.id.label("id"),
            PurchaseOrder.number.label("number"),
            Supplier.code.label("supplier_code"),
            Supplier.name.label("supplier_name"),
            PurchaseOrder.order_date.label("order_date"),
            PurchaseOrder.expected_date.label("expected_date"),
            SalesOrder.number.label("for_order"),
            Project.name.label("project"),
            PurchaseOrder.cancelled.label("cancelled"),
            PurchaseOrder.note.label("note"),
        )
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .outerjoin(SalesOrder, SalesOrder.id == PurchaseOrder.for_order_id)
        .outerjoin(Project, Project.id == PurchaseOrder.project_id)
        .where(PurchaseOrder.number == number.strip())
    ).one_or_none()
    if head is None:
        raise NotFound(f"There is no purchase order {number!r}.")
    po_id = head.id

    lines = [
        PurchaseLineRow(
            line_no,
            sku,
            name,
            ordered,
            received,
            0 if head.cancelled else ordered - received,
            unit_cost,
            unit_cost * ordered,
        )
        for line_no, sku, name, ordered, received, unit_cost in session.execute(
            select(
                PurchaseLine.line_no,
                Product.sku,
                Product.name,
                PurchaseLine.qty_ordered,
                PurchaseLine.qty_received,
                PurchaseLine.unit_cost,
            )
            .join(Product, Product.id == PurchaseLine.product_id)
            .where(PurchaseLine.purchase_order_id == po_id)
            .order_by(PurchaseLine.line_no)
        ).tuples()
    ]

    receipts = [
        ReceiptRow(rnumber, rdate, int(qty or 0), money_from_cents(cost))
        for rnumber, rdate, qty, cost in session.execute(
            select(
                Receipt.number,
                Receipt.receipt_date,
                func.sum(ReceiptLine.qty),
                func.sum(ReceiptLine.qty * cents(ReceiptLine.unit_cost)),
            )
            .join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
            .where(Receipt.purchase_order_id == po_id)
            .group_by(Receipt.id, Receipt.number, Receipt.receipt_date)
            .order_by(Receipt.id)
        ).tuples()
    ]

    served = [
        ServedRow(rnumber, onumber, customer, sku, qty, position, reason, delivery, invoice, at)
        for (
            rnumber,
            onumber,
            customer,
            sku,
            qty,
            position,
            reason,
            delivery,
            invoice,
            at,
        ) in session.execute(
            select(
                Receipt.number,
                SalesOrder.number,
                Customer.name,
                Product.sku,
                Allocation.qty,
                Allocation.queue_position,
                Allocation.reason,
                Delivery.number,
                Invoice.number,
                Allocation.created_at,
            )
            .join(Allocation, Allocation.receipt_id == Receipt.id)
            .join(SalesOrderLine, SalesOrderLine.id == Allocation.order_line_id)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .join(Product, Product.id == Allocation.product_id)
            .outerjoin(DeliveryLine, DeliveryLine.id == Allocation.delivery_line_id)
            .outerjoin(Delivery, Delivery.id == DeliveryLine.delivery_id)
            .outerjoin(InvoiceLine, InvoiceLine.delivery_line_id == Allocation.delivery_line_id)
            .outerjoin(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(Receipt.purchase_order_id == po_id)
            .order_by(Receipt.id, Allocation.id)
        ).tuples()
    ]
    ordered = sum(ln.ordered for ln in lines)
    received = sum(ln.received for ln in lines)
    return PurchaseDetail(
        number=head.number,
        supplier_code=head.supplier_code,
        supplier_name=head.supplier_name,
        order_date=head.order_date,
        expected_date=head.expected_date,
        for_order=head.for_order,
        project=head.project,
        status=purchase_status(bool(head.cancelled), ordered, received),
        note=head.note or "",
        lines=lines,
        receipts=receipts,
        served=served,
    )


__all__ = [
    "PurchaseDetail",
    "PurchaseLineRow",
    "PurchaseRow",
    "ReceiptRow",
    "ServedRow",
    "purchase_detail",
    "purchase_rows",
    "purchase_status",
]
