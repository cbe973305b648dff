"""Invoices for payments and the GUI: amounts, what is paid, credited and still open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.queries._sql import invoice_open, like
from db.models import Customer, Invoice, SalesOrder


@dataclass(frozen=True)
class InvoiceRow:
    number: str
    issue_date: date
    due_date: date
    order: str
    customer: str
    net: Decimal
    tax: Decimal
    gross: Decimal
    paid: Decimal
    credited: Decimal
    open: Decimal  # gross - paid - credited
    overdue: bool  # something open after the due date


def invoice_rows(
    session: Session,
    text: str = "",
    open_only: bool = False,
    today: date | None = None,
    limit: int | None = None,
) -> list[InvoiceRow]:
    """Invoices, newest first; `text` matches the invoice, the order or the customer;
    `open_only` keeps those with something left to pay."""
    where = []
    text = text.strip()
    if text:
        pattern = like(text)
        where.append(
            or_(
                Invoice.number.ilike(pattern, escape="\\"),
                SalesOrder.number.ilike(pattern, escape="\\"),
                Customer.name.ilike(pattern, escape="\\"),
                Customer.code.ilike(pattern, escape="\\"),
            )
        )
    if open_only:
        where.append(invoice_open())
    return _rows(session, where, today or date.today(), limit)


def _rows(session: Session, where: list, today: date, limit: int | None) -> list[InvoiceRow]:  # type: ignore[type-arg]
    stmt = (
        select(
            Invoice.number,
            Invoice.issue_date,
            Invoice.due_date,
            SalesOrder.number,
            Customer.name,
            Invoice.net,
            Invoice.tax,
            Invoice.gross,
            Invoice.paid,
            Invoice.credited,
        )
        .join(SalesOrder, SalesOrder.id == Invoice.order_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(*where)
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = []
    for number, issued, due, order, customer, net, tax, gross, paid, credited in session.execute(
        stmt
    ).tuples():
        left = gross - paid - credited
        rows.append(
            InvoiceRow(
                number,
                issued,
                due,
                order,
                customer,
                net,
                tax,
                gross,
                paid,
                credited,
                left,
                left > 0 and due < today,
            )
        )
    return rows


def invoice_order(session: Session, number: str) -> str:
    """The sales order an invoice belongs to (a return can start from an invoice)."""
    order = session.execute(
        select(SalesOrder.number)
        .join(Invoice, Invoice.order_id == SalesOrder.id)
        .where(Invoice.number == number.strip())
    ).scalar_one_or_none()
    if order is None:
        raise NotFound(f"There is no invoice {number!r}.")
    return order


def invoice_row(session: Session, number: str, today: date | None = None) -> InvoiceRow:
    """One invoice's amounts (the payment dialog's default amount)."""
    rows = _rows(session, [Invoice.number == number.strip()], today or date.today(), None)
    if rows:
        return rows[0]
    raise NotFound(f"There is no invoice {number!r}.")


__all__ = ["InvoiceRow", "invoice_order", "invoice_row", "invoice_rows"]
