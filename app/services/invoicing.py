"""Money in: payments recorded against invoices (full or partial, never more than is open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app import audit
from app.errors import Conflict
from app.money import parse_money
from app.services.common import (
    Changes,
    check_text,
    invoice_by_number,
    now,
    retrying,
    transaction,
)
from app.services.orders import check_date
from db.models import Payment
from db.session import Database


@dataclass(frozen=True)
class PaymentResult:
    invoice: str
    amount: Decimal
    paid: Decimal
    open: Decimal
    changes: Changes = Changes(invoices=True)


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
        invoice = invoice_by_number(session, invoice_number)
        session.refresh(invoice, with_for_update=True)
        still_open = invoice.gross - invoice.paid - invoice.credited
        if still_open <= 0:
            raise Conflict(f"Invoice {invoice_number} is already settled.")
        if value > still_open:
            raise Conflict(
                f"Invoice {invoice_number}: only {still_open} is open; {value} is too much."
            )
        session.add(
            Payment(invoice_id=invoice.id, amount=value, paid_on=paid_on or at.date(),
                    method=method, reference=reference, created_at=at)
        )
        invoice.paid = invoice.paid + value
        paid, left = invoice.paid, invoice.gross - invoice.paid - invoice.credited
        audit.record(
            session, None, "record_payment", invoice_number, {"paid": paid - value},
            {"paid": paid, "amount": value, "method": method, "reference": reference},
        )
    return PaymentResult(invoice_number, value, paid, left)
