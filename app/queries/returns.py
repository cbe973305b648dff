"""Customer returns for the Returns tab: the list with credit notes, what an order can still
give back, and the defective stock waiting for a decision."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.queries._sql import cents, like, money_from_cents
from db.models import (
    CostLayer,
    CreditNote,
    Customer,
    CustomerReturn,
    Product,
    Receipt,
    ReceiptLine,
    ReturnLine,
    SalesOrder,
    SalesOrderLine,
    Supplier,
)


@dataclass(frozen=True)
class ReturnRow:
    number: str
    date: date
    order: str
    customer: str
    reason: str
    condition: str  # sellable, defective, or mixed
    qty: int
    cost: Decimal  # FIFO cost of the returned units
    credited: Decimal  # gross of its credit notes
    credit_notes: tuple[str, ...]


def return_rows(session: Session, text: str = "") -> list[ReturnRow]:
    """Every return, newest first; `text` matches the return, the order, the customer, the
    reason or a credit note number."""
    lines = (
        select(
            ReturnLine.return_id.label("rid"),
            func.sum(ReturnLine.qty).label("qty"),
            func.sum(cents(ReturnLine.cost)).label("cost"),
            func.min(ReturnLine.condition).label("cmin"),
            func.max(ReturnLine.condition).label("cmax"),
        )
        .group_by(ReturnLine.return_id)
        .subquery()
    )
    notes = (
        select(CreditNote.return_id.label("rid"), func.sum(cents(CreditNote.gross)).label("gross"))
        .group_by(CreditNote.return_id)
        .subquery()
    )
    stmt = (
        select(
            CustomerReturn.id,
            CustomerReturn.number,
            CustomerReturn.return_date,
            SalesOrder.number,
            Customer.name,
            CustomerReturn.reason,
            lines.c.cmin,
            lines.c.cmax,
            func.coalesce(lines.c.qty, 0),
            func.coalesce(lines.c.cost, 0),
            func.coalesce(notes.c.gross, 0),
        )
        .join(SalesOrder, SalesOrder.id == CustomerReturn.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .outerjoin(lines, lines.c.rid == CustomerReturn.id)
        .outerjoin(notes, notes.c.rid == CustomerReturn.id)
        .order_by(CustomerReturn.return_date.desc(), CustomerReturn.id.desc())
    )
    text = text.strip()
    if text:
        pattern = like(text)
        stmt = stmt.where(
            or_(
                CustomerReturn.number.ilike(pattern, escape="\\"),
                SalesOrder.number.ilike(pattern, escape="\\"),
                Customer.name.ilike(pattern, escape="\\"),
                Customer.code.ilike(pattern, escape="\\"),
                CustomerReturn.reason.ilike(pattern, escape="\\"),
                CustomerReturn.id.in_(
                    select(CreditNote.return_id).where(
                        CreditNote.number.ilike(pattern, escape="\\")
                    )
                ),
            )
        )
    found = session.execute(stmt).tuples().all()
    # the credit note numbers of the listed returns, in one query (no per-row look-up)
    numbers: dict[int, list[str]] = defaultdict(list)
    if found:
        note_stmt = select(CreditNote.return_id, CreditNote.number).order_by(CreditNote.id)
        if text:
            note_stmt = note_stmt.where(CreditNote.return_id.in_([r[0] for r in found]))
        for rid, cn in session.execute(note_stmt).tuples():
            numbers[rid].append(cn)
    return [
        ReturnRow(
            number,
            rdate,
            order,
            customer,
            reason,
            (cmin if cmin == cmax else "mixed") if cmin else "",
            int(qty),
            money_from_cents(cost),
            money_from_cents(gross),
            tuple(numbers.get(rid, ())),
        )
        for rid, number, rdate, order, customer, reason, cmin, cmax, qty, cost, gross in found
    ]


@dataclass(frozen=True)
class ReturnableLine:
    """Per SKU of an order (the return service takes SKU quantities)."""

    sku: str
    description: str
    delivered: int
    returned: int
    returnable: int
    unit_price: Decimal


def returnable_lines(session: Session, order_number: str) -> list[ReturnableLine]:
    order_id = session.execute(
        select(SalesOrder.id).where(SalesOrder.number == order_number.strip())
    ).scalar_one_or_none()
    if order_id is None:
        raise NotFound(f"There is no order {order_number!r}.")
    stmt = (
        select(
            Product.sku,
            func.min(SalesOrderLine.description),
            func.sum(SalesOrderLine.qty_delivered),
            func.sum(SalesOrderLine.qty_returned),
            func.min(SalesOrderLine.unit_price),
        )
        .join(Product, Product.id == SalesOrderLine.product_id)
        .where(SalesOrderLine.order_id == order_id)
        .group_by(Product.sku)
        .order_by(func.min(SalesOrderLine.line_no))
    )
    return [
        ReturnableLine(
            sku, description, int(delivered), int(returned), int(delivered) - int(returned), price
        )
        for sku, description, delivered, returned, price in session.execute(stmt).tuples()
    ]


@dataclass(frozen=True)
class DefectiveRow:
    sku: str
    name: str
    qty: int
    value: Decimal  # at FIFO cost
    oldest_days: int


def defective_stock(session: Session, today: date | None = None) -> list[DefectiveRow]:
    """Defective units still in stock per product, oldest first."""
    today = today or date.today()
    rows = []
    for sku, name, qty, oldest, value in session.execute(
        select(
            Product.sku,
            Product.name,
            func.sum(CostLayer.qty_remaining),
            func.min(CostLayer.created_at),
            func.sum(CostLayer.qty_remaining * cents(CostLayer.unit_cost)),
        )
        .join(Product, Product.id == CostLayer.product_id)
        .where(CostLayer.location == "defective", CostLayer.qty_remaining > 0)
        .group_by(Product.id, Product.sku, Product.name)
        .order_by(func.min(CostLayer.created_at), Product.sku)
    ).tuples():
        oldest_day = oldest.date() if hasattr(oldest, "date") else oldest
        rows.append(
            DefectiveRow(
                sku, name, int(qty), money_from_cents(value), max(0, (today - oldest_day).days)
            )
        )
    return rows


def last_supplier(session: Session, sku: str) -> str | None:
    """The code of the supplier who last delivered `sku` (the likely one to take it back)."""
    return session.execute(
        select(Supplier.code)
        .join(Receipt, Receipt.supplier_id == Supplier.id)
        .join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
        .join(Product, Product.id == ReceiptLine.product_id)
        .where(Product.sku == sku)
        .order_by(Receipt.id.desc())
        .limit(1)
    ).scalar_one_or_none()


__all__ = [
    "DefectiveRow",
    "ReturnRow",
    "ReturnableLine",
    "defective_stock",
    "last_supplier",
    "return_rows",
    "returnable_lines",
]
