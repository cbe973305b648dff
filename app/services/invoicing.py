"""Money in: payments recorded against invoices (full or partial, never more than is open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NoReturn

from sqlalchemy import Connection, bindparam, insert, select

from app import audit
from app.bulk import Bulk
from app.errors import Conflict, NotFound
from app.money import parse_money
from app.services.common import (
    Changes,
    check_text,
    now,
    retrying,
    writing_connection,
)
from app.services.orders import check_date
from db.base import MoneyType
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
_AMOUNT = bindparam("b_amount", type_=MoneyType())
# Raise the running total only while it stays within what is open (cents: exact), and hand
# back the new total; no row means a refusal, explained by _OPEN_INVOICE.
_PAY = (
    _INVOICE.update()
    .where(
        _INVOICE.c.number == bindparam("b_number"),
        _INVOICE.c.paid + _AMOUNT + _INVOICE.c.credited <= _INVOICE.c.gross,
    )
    .values(paid=_INVOICE.c.paid + _AMOUNT)
    .returning(_INVOICE.c.id, _INVOICE.c.gross, _INVOICE.c.paid, _INVOICE.c.credited)
)
_OPEN_INVOICE = select(_INVOICE.c.gross, _INVOICE.c.paid, _INVOICE.c.credited).where(
    _INVOICE.c.number == bindparam("number")
)
_INSERT_PAYMENT = Bulk(  # one row, without Core's primary-key handling (see app.bulk)
    insert(Payment.__table__),
    ("invoice_id", "amount", "paid_on", "method", "reference", "created_at"),
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
    with writing_connection(db) as connection:
        # Core only, so no ORM session: the check and the new total in one UPDATE (it locks
        # the invoice row on PostgreSQL), then the payment row and the audit row.
        invoice = connection.execute(_PAY, {"b_number": invoice_number, "b_amount": value}).first()
        if invoice is None:
            _refuse(connection, invoice_number, value)
        _INSERT_PAYMENT.run(
            connection, [(invoice.id, value, paid_on or at.date(), method, reference, at)]
        )
        paid = invoice.paid
        left = invoice.gross - paid - invoice.credited
        audit.record_on(
            connection, None, "record_payment", invoice_number, {"paid": paid - value},
            {"paid": paid, "amount": value, "method": method, "reference": reference},
        )
    return PaymentResult(invoice_number, value, paid, left)


def _refuse(connection: Connection, invoice_number: str, value: Decimal) -> NoReturn:
    """Why _PAY changed nothing: no such invoice, nothing open, or more than is open."""
    found = connection.execute(_OPEN_INVOICE, {"number": invoice_number}).first()
    if found is None:
        raise NotFound(f"There is no invoice {invoice_number!r}.")
    still_open = found.gross - found.paid - found.credited
    if still_open <= 0:
        raise Conflict(f"Invoice {invoice_number} is already settled.")
    raise Conflict(f"Invoice {invoice_number}: only {still_open} is open; {value} is too much.")
