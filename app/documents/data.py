"""What a printed document says, read from the stored document rows (never current prices).

An invoice, credit note or delivery note is loaded into a frozen `PrintedDocument`; the PDF
writer only lays it out. Amounts, descriptions, tax rates, dates and the currency come from
the issued rows, so a reprint years later says the same thing. So do the parties: the
customer's name, address and tax id and the shop's name, address and tax id are stored on the
document when it is issued (migration 0003). Only a document without them (all of a party's
stored fields empty: issued before 0003 and not backfilled) prints the current customer record
or settings; the fallback is per party, not per field, so a tax id added later never appears
on a document that was issued without one. The shop's logo and payment terms text still come from
the current settings.

"Still pending" on an invoice or delivery note is computed *as of that delivery*:

    ordered - delivered by this and earlier deliveries - cancelled before this document

Deliveries are compared by id (they are numbered in the order they happen). A cancellation
cancels all that is pending on a line and is final, so it can only have happened after the
line's last delivery: when the line is delivered in or after this document it cannot count.
Otherwise its time comes from the append-only audit log (`cancel_pending`) and counts only
when strictly earlier than the document's creation. Using the line's current `qty_cancelled`
instead would let a later cancellation change an old invoice's reprint.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.money import line_tax
from db.models import (
    AuditLog,
    CreditNote,
    CreditNoteLine,
    Customer,
    CustomerReturn,
    Delivery,
    DeliveryLine,
    Invoice,
    InvoiceLine,
    Product,
    SalesOrder,
    SalesOrderLine,
)


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    address: str
    tax_id: str


@dataclass(frozen=True)
class DocLine:
    position: int
    sku: str
    description: str
    qty: int
    unit_price: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    qty_ordered: int = 0  # delivery notes
    qty_pending: int = 0  # delivery notes: still to come after this delivery


@dataclass(frozen=True)
class TaxRow:
    rate: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Backorder:
    """Which order an invoice belongs to and what of it was still to come after it."""

    order: str
    earlier_deliveries: int
    pending: list[tuple[str, str, int]]  # sku, description, qty still pending


@dataclass(frozen=True)
class PrintedDocument:
    kind: str  # "invoice", "credit_note", "delivery_note"
    title: str
    number: str
    currency: str
    customer: Party
    facts: list[tuple[str, str | date]]  # label, value: shown beside the customer
    lines: list[DocLine]
    tax_rows: list[TaxRow] = field(default_factory=list)
    net: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    gross: Decimal = Decimal(0)
    issue_date: date | None = None
    due_date: date | None = None
    backorder: Backorder | None = None
    notes: list[str] = field(default_factory=list)  # plain text, escaped when printed
    corrects: tuple[str, date, str, str] | None = None  # invoice, its date, return, reason
    shop: Party | None = None  # the letterhead as issued; None: the current settings


def _party(c: Customer) -> Party:
    return Party(c.code, c.name, c.address or "", c.tax_id or "")


def _printed_customer(doc: Any, live: Party) -> Party:
    """The customer stored on the document `doc` (a row with the 0003 party columns), or the
    live record for a document that has none."""
    if not (doc.customer_name or doc.customer_address or doc.customer_tax_id):
        return live
    return Party(live.code, doc.customer_name, doc.customer_address or "",
                 doc.customer_tax_id or "")


def _printed_shop(doc: Any) -> Party | None:
    if not (doc.shop_name or doc.shop_address or doc.shop_tax_id):
        return None
    return Party("", doc.shop_name, doc.shop_address or "", doc.shop_tax_id or "")


def _tax_rows(lines: list[tuple[Decimal, Decimal, Decimal]], mode: str) -> list[TaxRow]:
    """Per rate: net and tax, following the document's stored rounding mode, so the rows
    add up to the stored tax total (app.money.document_tax)."""
    net: dict[Decimal, Decimal] = defaultdict(Decimal)
    tax: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line_net, rate, line_tax_amount in lines:
        net[rate] += line_net
        tax[rate] += line_tax_amount
    if mode == "document":
        tax = defaultdict(Decimal, {rate: line_tax(n, rate) for rate, n in net.items()})
    return [TaxRow(rate, net[rate], tax[rate]) for rate in sorted(net)]


def _connection(session: Session) -> Connection:
    """The session's connection, for Core execution of the statements built once below: their
    rows are plain tuples either way, and the ORM's per-statement bookkeeping costs as much as
    SQLite's own work here (batches print hundreds of invoices). Flushes first, as
    `session.execute` would."""
    if session.autoflush:
        session.flush()
    return session.connection()


# -- pending as of a delivery ------------------------------------------------------------------


_DL = DeliveryLine
_THROUGH = (
    select(_DL.order_line_id, func.sum(_DL.qty).label("qty"))
    .join(Delivery, Delivery.id == _DL.delivery_id)
    .where(Delivery.order_id == bindparam("order_id"), Delivery.id <= bindparam("delivery_id"))
    .group_by(_DL.order_line_id)
    .subquery()
)
_LATER = (
    select(_DL.order_line_id, func.count().label("n"))
    .join(Delivery, Delivery.id == _DL.delivery_id)
    .where(Delivery.order_id == bindparam("order_id"), Delivery.id >= bindparam("delivery_id"))
    .group_by(_DL.order_line_id)
    .subquery()
)
# Built once: statements with bound parameters hit SQLAlchemy's compiled cache cheaply.
_ORDER_LINES_AS_OF = (
    select(
        SalesOrderLine.line_no,
        Product.sku,
        SalesOrderLine.description,
        SalesOrderLine.qty_ordered,
        SalesOrderLine.qty_cancelled,
        func.coalesce(_THROUGH.c.qty, 0),
        func.coalesce(_LATER.c.n, 0),
    )
    .join(Product, Product.id == SalesOrderLine.product_id)
    .outerjoin(_THROUGH, _THROUGH.c.order_line_id == SalesOrderLine.id)
    .outerjoin(_LATER, _LATER.c.order_line_id == SalesOrderLine.id)
    .where(SalesOrderLine.order_id == bindparam("order_id"))
    .order_by(SalesOrderLine.line_no)
)
_EARLIER_DELIVERIES = select(func.count()).where(
    Delivery.order_id == bindparam("order_id"), Delivery.id < bindparam("delivery_id")
)


def _pending_as_of(
    session: Session, order_id: int, order_number: str, delivery_id: int, created_at: datetime
) -> tuple[list[tuple[int, str, str, int, int]], int]:
    """Per order line (line_no, sku, description, ordered, pending after this delivery),
    and the number of the order's deliveries before this one."""
    params = {"order_id": order_id, "delivery_id": delivery_id}
    conn = _connection(session)
    rows = conn.execute(_ORDER_LINES_AS_OF, params).tuples().all()
    cancelled_before: dict[str, int] | None = None
    result = []
    for line_no, sku, description, ordered, cancelled, delivered, delivered_now_or_later in rows:
        counted = 0
        if cancelled and not delivered_now_or_later:
            if cancelled_before is None:
                cancelled_before = _cancelled_before(session, order_number, created_at)
            counted = cancelled if sku in cancelled_before else 0
        result.append((line_no, sku, description, ordered, max(ordered - delivered - counted, 0)))
    earlier = conn.execute(_EARLIER_DELIVERIES, params).scalar_one()
    return result, int(earlier)


def _cancelled_before(session: Session, order_number: str, before: datetime) -> dict[str, int]:
    """SKUs of this order whose pending quantity was cancelled strictly before `before`."""
    found: dict[str, int] = {}
    rows = session.execute(
        select(AuditLog.detail).where(
            AuditLog.action == "cancel_pending",
            AuditLog.document == order_number,
            AuditLog.at < before,
        )
    ).scalars()
    for detail in rows:
        try:
            cancelled = json.loads(detail).get("after", {}).get("cancelled", {})
        except (ValueError, AttributeError):
            continue
        for sku, qty in dict(cancelled).items():
            found[str(sku)] = found.get(str(sku), 0) + int(qty)
    return found


# -- the three documents -------------------------------------------------------------------------


_INVOICE = (
    select(
        Invoice.id, Invoice.number, Invoice.delivery_id, Invoice.currency, Invoice.tax_rounding,
        Invoice.issue_date, Invoice.due_date, Invoice.net, Invoice.tax, Invoice.gross,
        Invoice.created_at, Customer.code, Customer.name, Customer.address, Customer.tax_id,
        SalesOrder.number.label("order_number"), SalesOrder.id.label("order_id"),
        Delivery.number.label("delivery_number"),
        Invoice.customer_name, Invoice.customer_address, Invoice.customer_tax_id,
        Invoice.shop_name, Invoice.shop_address, Invoice.shop_tax_id,
    )
    .join(Customer, Customer.id == Invoice.customer_id)
    .join(SalesOrder, SalesOrder.id == Invoice.order_id)
    .join(Delivery, Delivery.id == Invoice.delivery_id)
    .where(Invoice.number == bindparam("number"))
)
_INVOICE_LINES = (
    select(
        Product.sku,
        InvoiceLine.description,
        InvoiceLine.qty,
        InvoiceLine.unit_price,
        InvoiceLine.discount,
        InvoiceLine.tax_rate,
        InvoiceLine.net,
        InvoiceLine.tax,
    )
    .join(Product, Product.id == InvoiceLine.product_id)
    .where(InvoiceLine.invoice_id == bindparam("invoice_id"))
    .order_by(InvoiceLine.id)
)


def load_invoice(session: Session, number: str) -> PrintedDocument:
    conn = _connection(session)
    inv = conn.execute(_INVOICE, {"number": number}).one_or_none()
    if inv is None:
        raise NotFound(f"There is no invoice {number}.")
    lines = conn.execute(_INVOICE_LINES, {"invoice_id": inv.id}).tuples().all()
    pending, earlier = _pending_as_of(
        session, inv.order_id, inv.order_number, inv.delivery_id, inv.created_at
    )
    still = [(sku, desc, qty) for _, sku, desc, _, qty in pending if qty > 0]
    backorder = Backorder(inv.order_number, earlier, still) if (still or earlier) else None
    return PrintedDocument(
        kind="invoice",
        title="Invoice",
        number=inv.number,
        currency=inv.currency,
        customer=_printed_customer(
            inv, Party(inv.code, inv.name, inv.address or "", inv.tax_id or "")
        ),
        facts=[
            ("Invoice date", inv.issue_date),
            ("Due date", inv.due_date),
            ("Order", inv.order_number),
            ("Delivery", inv.delivery_number),
            ("Customer no.", inv.code),
        ],
        lines=[
            DocLine(n, sku, desc, qty, price, disc, rate, net)
            for n, (sku, desc, qty, price, disc, rate, net, _tax) in enumerate(lines, 1)
        ],
        tax_rows=_tax_rows([(net, rate, tax) for *_, rate, net, tax in lines], inv.tax_rounding),
        net=inv.net,
        tax=inv.tax,
        gross=inv.gross,
        issue_date=inv.issue_date,
        due_date=inv.due_date,
        backorder=backorder,
        shop=_printed_shop(inv),
    )


def load_credit_note(session: Session, number: str) -> PrintedDocument:
    row = session.execute(
        select(CreditNote, Customer, Invoice.number, Invoice.issue_date, SalesOrder.number,
               CustomerReturn.number, CustomerReturn.reason)
        .join(Customer, Customer.id == CreditNote.customer_id)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .join(SalesOrder, SalesOrder.id == CreditNote.order_id)
        .join(CustomerReturn, CustomerReturn.id == CreditNote.return_id)
        .where(CreditNote.number == number)
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no credit note {number}.")
    note, customer, invoice_number, invoice_date, order_number, return_number, reason = row
    lines = session.execute(
        select(
            Product.sku,
            CreditNoteLine.description,
            CreditNoteLine.qty,
            CreditNoteLine.unit_price,
            CreditNoteLine.discount,
            CreditNoteLine.tax_rate,
            CreditNoteLine.net,
            CreditNoteLine.tax,
        )
        .join(Product, Product.id == CreditNoteLine.product_id)
        .where(CreditNoteLine.credit_note_id == note.id)
        .order_by(CreditNoteLine.id)
    ).tuples().all()
    return PrintedDocument(
        kind="credit_note",
        title="Credit note",
        number=note.number,
        currency=note.currency,
        customer=_printed_customer(note, _party(customer)),
        facts=[
            ("Credit note date", note.issue_date),
            ("Corrects invoice", invoice_number),
            ("Invoice date", invoice_date),
            ("Order", order_number),
            ("Return", return_number),
            ("Customer no.", customer.code),
        ],
        lines=[
            DocLine(n, sku, desc, qty, price, disc, rate, net)
            for n, (sku, desc, qty, price, disc, rate, net, _tax) in enumerate(lines, 1)
        ],
        tax_rows=_tax_rows([(net, rate, tax) for *_, rate, net, tax in lines], note.tax_rounding),
        net=note.net,
        tax=note.tax,
        gross=note.gross,
        issue_date=note.issue_date,
        corrects=(invoice_number, invoice_date, return_number, reason),
        shop=_printed_shop(note),
    )


def load_delivery_note(session: Session, number: str) -> PrintedDocument:
    row = session.execute(
        select(Delivery, Customer, SalesOrder.number, SalesOrder.id)
        .join(SalesOrder, SalesOrder.id == Delivery.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(Delivery.number == number)
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no delivery {number}.")
    delivery, customer, order_number, order_id = row
    invoice_number = session.execute(
        select(Invoice.number).where(Invoice.delivery_id == delivery.id)
    ).scalar_one_or_none()
    shipped = session.execute(
        select(
            DeliveryLine.order_line_id,
            Product.sku,
            SalesOrderLine.description,
            SalesOrderLine.line_no,
            func.sum(DeliveryLine.qty),
        )
        .join(SalesOrderLine, SalesOrderLine.id == DeliveryLine.order_line_id)
        .join(Product, Product.id == DeliveryLine.product_id)
        .where(DeliveryLine.delivery_id == delivery.id)
        .group_by(DeliveryLine.order_line_id, Product.sku, SalesOrderLine.description,
                  SalesOrderLine.line_no)
        .order_by(SalesOrderLine.line_no)
    ).tuples().all()
    pending, earlier = _pending_as_of(
        session, order_id, order_number, delivery.id, delivery.created_at
    )
    by_line_no = {line_no: (ordered, left) for line_no, _, _, ordered, left in pending}
    still = [(sku, desc, qty) for _, sku, desc, _, qty in pending if qty > 0]
    facts: list[tuple[str, str | date]] = [
        ("Delivery date", delivery.delivery_date),
        ("Order", order_number),
    ]
    if invoice_number:
        facts.append(("Invoice", invoice_number))
    facts.append(("Customer no.", customer.code))
    return PrintedDocument(
        kind="delivery_note",
        title="Delivery note",
        number=delivery.number,
        currency="",
        customer=_printed_customer(delivery, _party(customer)),
        facts=facts,
        lines=[
            DocLine(n, sku, desc, int(qty), qty_ordered=by_line_no[line_no][0],
                    qty_pending=by_line_no[line_no][1])
            for n, (_, sku, desc, line_no, qty) in enumerate(shipped, 1)
        ],
        issue_date=delivery.delivery_date,
        backorder=Backorder(order_number, earlier, still) if (still or earlier) else None,
        shop=_printed_shop(delivery),
    )
