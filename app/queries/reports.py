"""Report read models: returns by reason and condition, stock valuation, receivables aging.

(Profit lives in `profit`, the pending queue in `pending`.) Sums run in SQL on the stored
integer cents, so they are exact; each function returns plain frozen rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.queries._sql import cents, money_from_cents
from db.models import (
    CostLayer,
    CreditNoteLine,
    Customer,
    CustomerReturn,
    Invoice,
    Product,
    ReturnLine,
)

# -- returns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnsRow:
    reason: str
    condition: str
    returns: int  # return documents
    qty: int
    cost: Decimal  # FIFO cost of the returned units
    credited: Decimal  # net of the credit notes for them
    defective_loss: Decimal  # cost of units that came back defective (the profit report's)


def returns_report(
    session: Session, date_from: date | None = None, date_to: date | None = None
) -> list[ReturnsRow]:
    _check_range(date_from, date_to)
    where = []
    if date_from is not None:
        where.append(CustomerReturn.return_date >= date_from)
    if date_to is not None:
        where.append(CustomerReturn.return_date <= date_to)
    credited = (
        select(CreditNoteLine.return_line_id, func.sum(cents(CreditNoteLine.net)).label("net"))
        .group_by(CreditNoteLine.return_line_id)
        .subquery()
    )
    stmt = (
        select(
            CustomerReturn.reason,
            ReturnLine.condition,
            func.count(func.distinct(CustomerReturn.id)),
            func.sum(ReturnLine.qty),
            func.sum(cents(ReturnLine.cost)),
            func.sum(func.coalesce(credited.c.net, 0)),
            func.sum(case((ReturnLine.condition == "defective", cents(ReturnLine.cost)), else_=0)),
        )
        .join(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
        .outerjoin(credited, credited.c.return_line_id == ReturnLine.id)
        .where(*where)
        .group_by(CustomerReturn.reason, ReturnLine.condition)
        .order_by(CustomerReturn.reason, ReturnLine.condition)
    )
    return [
        ReturnsRow(reason, condition, int(n), int(qty), money_from_cents(cost),
                   money_from_cents(net), money_from_cents(loss))
        for reason, condition, n, qty, cost, net, loss in session.execute(stmt).tuples()
    ]


# -- stock valuation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StockValueRow:
    sku: str
    product: str
    sellable_qty: int
    sellable_value: Decimal
    defective_qty: int
    defective_value: Decimal

    @property
    def total_value(self) -> Decimal:
        return self.sellable_value + self.defective_value


def stock_valuation(session: Session, include_empty: bool = False) -> list[StockValueRow]:
    """FIFO value of what is left: the remaining quantity of each open cost layer at its
    own unit cost, per product and location."""

    def part(location: str, what: str):  # type: ignore[no-untyped-def]
        mine = CostLayer.location == location
        if what == "qty":
            return func.sum(case((mine, CostLayer.qty_remaining), else_=0))
        return func.sum(case((mine, CostLayer.qty_remaining * cents(CostLayer.unit_cost)),
                             else_=0))

    layers = (
        select(
            CostLayer.product_id,
            part("sellable", "qty").label("sq"),
            part("sellable", "value").label("sv"),
            part("defective", "qty").label("dq"),
            part("defective", "value").label("dv"),
        )
        .where(CostLayer.qty_remaining > 0)
        .group_by(CostLayer.product_id)
        .subquery()
    )
    stmt = (
        select(Product.sku, Product.name, layers.c.sq, layers.c.sv, layers.c.dq, layers.c.dv)
        .outerjoin(layers, layers.c.product_id == Product.id)
        .order_by(Product.sku)
    )
    if not include_empty:
        stmt = stmt.where(layers.c.product_id.is_not(None))
    return [
        StockValueRow(sku, name, int(sq or 0), money_from_cents(sv), int(dq or 0),
                      money_from_cents(dv))
        for sku, name, sq, sv, dq, dv in session.execute(stmt).tuples()
    ]


# -- receivables aging ----------------------------------------------------------------------------

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    customer_code: str
    customer: str
    issue_date: date
    due_date: date
    gross: Decimal
    paid: Decimal
    credited: Decimal
    open: Decimal  # gross - paid - credited
    days_overdue: int  # 0 or less: not yet due
    bucket: str


@dataclass(frozen=True)
class AgingRow:
    customer_code: str
    customer: str
    open: Decimal
    current: Decimal
    d1_30: Decimal
    d31_60: Decimal
    d61_90: Decimal
    d90_plus: Decimal
    invoices: int


def bucket_for(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "90+"


def open_invoices(session: Session, as_of: date | None = None) -> list[OpenInvoice]:
    """Invoices with money still open on `as_of` (today): gross - paid - credited > 0.

    Payments and credits are the running totals stored on the invoice (the schema keeps no
    payment history per day that this report would need to age as of a past date exactly;
    `as_of` moves the days overdue, not the amounts)."""
    as_of = as_of or date.today()
    open_cents = cents(Invoice.gross) - cents(Invoice.paid) - cents(Invoice.credited)
    stmt = (
        select(Invoice.number, Customer.code, Customer.name, Invoice.issue_date,
               Invoice.due_date, Invoice.gross, Invoice.paid, Invoice.credited, open_cents)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(open_cents > 0, Invoice.issue_date <= as_of)
        .order_by(Customer.code, Invoice.due_date, Invoice.number)
    )
    rows = []
    for number, code, name, issued, due, gross, paid, credited, left in session.execute(stmt):
        days = (as_of - due).days
        rows.append(OpenInvoice(number, code, name, issued, due, gross, paid, credited,
                                money_from_cents(left), days, bucket_for(days)))
    return rows


def receivables_aging(
    session: Session, as_of: date | None = None
) -> tuple[list[AgingRow], list[OpenInvoice]]:
    invoices = open_invoices(session, as_of)
    per: dict[str, dict[str, Decimal]] = {}
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    for inv in invoices:
        sums = per.setdefault(inv.customer_code, dict.fromkeys(BUCKETS, Decimal("0.00")))
        sums[inv.bucket] += inv.open
        names[inv.customer_code] = inv.customer
        counts[inv.customer_code] = counts.get(inv.customer_code, 0) + 1
    rows = [
        AgingRow(code, names[code], sum(s.values(), Decimal("0.00")), s["current"], s["1-30"],
                 s["31-60"], s["61-90"], s["90+"], counts[code])
        for code, s in per.items()
    ]
    return rows, invoices


def _check_range(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("The start date is after the end date.")


__all__ = [
    "BUCKETS",
    "AgingRow",
    "OpenInvoice",
    "ReturnsRow",
    "StockValueRow",
    "open_invoices",
    "receivables_aging",
    "returns_report",
    "stock_valuation",
]
