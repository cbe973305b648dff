"""Money in: payments recorded against invoices (full or partial, never more than is open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, insert, select

from app import audit
from app.errors import Conflict, NotFound
from app.money import parse_money
from app.services.common import (
    Changes,
    check_text,
    now,
    retrying,
    transaction,
)
from app.services.orders import check_date
from db.models import Invoice, Payment
from db.session import Database


@dataclass(frozen=True)
class PaymentResult:
    invoice: str
    amount: Decimal
    paid: Decimal
    open: Decimal
    changes: Changes = Changes(invoices=True)


_INVOICE = Invoice.__table__
_OPEN_INVOICE = (
    select(_INVOICE.c.id, _INVOICE.c.gross, _INVOICE.c.paid, _INVOICE.c.credited)
    .where(_INVOICE.c.number == bindparam("number"))
    .with_for_update()
)
_INSERT_PAYMENT = insert(Payment.__table__)
_ADD_PAID = (
    _INVOICE.update()
    .where(_INVOICE.c.id == bindparam("invoice_id"))
    .values(paid=_INVOICE.c.paid + bindparam("amount", type_=_INVOICE.c.paid.type))
)


@retrying
def record_payment(
    db: Database,
    invoice_number: str,
    amount: object,
    *,
    paid_on: date | None = None,
    method: str = "",
    reference: str = "",
) -> PaymentResult:
    value = parse_money(amount, "Amount", allow_zero=False)
    check_date(paid_on, "Payment date")
    method = check_text(method, "Method", max_len=40, required=False)
    reference = check_text(reference, "Reference", required=False)
    at = now()
    with transaction(db) as (session, _):
        # Core on the session's connection: the invoice row locked (PostgreSQL), one payment
        # row, the running total raised in SQL (its CHECK refuses paying more than the gross).
        connection = session.connection()
        invoice = connection.execute(_OPEN_INVOICE, {"number": invoice_number}).first()
        if invoice is None:
            raise NotFound(f"There is no invoice {invoice_number!r}.")
        still_open = invoice.gross - invoice.paid - invoice.credited
        if still_open <= 0:
            raise Conflict(f"Invoice {invoice_number} is already settled.")
        if value > still_open:
            raise Conflict(
                f"Invoice {invoice_number}: only {still_open} is open; {value} is too much."
            )
        connection.execute(
            _INSERT_PAYMENT,
            {"invoice_id": invoice.id, "amount": value, "paid_on": paid_on or at.date(),
             "method": method, "reference": reference, "created_at": at},
        )
        connection.execute(_ADD_PAID, {"invoice_id": invoice.id, "amount": value})
        paid = invoice.paid + value
        left = still_open - value
        audit.record(
            session, None, "record_payment", invoice_number, {"paid": invoice.paid},
            {"paid": paid, "amount": value, "method": method, "reference": reference},
        )
    return PaymentResult(invoice_number, value, paid, left)
