"""Exceptions are shown, not hidden: what is stuck, late, missed, overdue or losing money.

Each row names the document to open to fix it, its age in days and the amount or quantity
at stake. Thresholds come from the shop's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Integer, func, select, type_coerce
from sqlalchemy.orm import Session

from app.money import line_net_cents
from app.queries._sql import (
    cents,
    collector_paused,
    day_reader,
    driver_rows,
    invoice_open,
    money_from_cents,
)
from app.queries.profit import losing_orders_cents
from app.settings import load as load_settings
from db.models import (
    CostLayer,
    Customer,
    Invoice,
    Product,
    PurchaseLine,
    PurchaseOrder,
    SalesOrder,
    SalesOrderLine,
    Supplier,
)

_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_CHUNK = 1000  # ids per IN (...) list

KINDS = {
    "pending_old": "Pending too long",
    "late_order": "Past promised date",
    "not_invoiced": "Delivered, not invoiced",
    "overdue_invoice": "Overdue invoice",
    "defective_waiting": "Defective stock awaiting a decision",
    "negative_margin": "Order losing money",
    "late_purchase": "Purchase past expected date",
}


@dataclass(frozen=True)
class ExceptionRow:
    kind: str
    kind_label: str
    document: str  # the document (or SKU for stock) to open
    subject: str
    age_days: int
    amount: Decimal | None
    qty: int | None


_new = object.__new__


def _row(kind: str, kind_label: str, document: str, subject: str, age_days: int,
         amount: Decimal | None, qty: int | None) -> ExceptionRow:
    """ExceptionRow(...) without the frozen dataclass's seven guarded setattrs: the same row
    (fields, equality, hash, repr) in under half the time, and there can be 60,000."""
    row = _new(ExceptionRow)
    fields_ = row.__dict__  # filled as the generated __init__ would
    fields_["kind"] = kind
    fields_["kind_label"] = kind_label
    fields_["document"] = document
    fields_["subject"] = subject
    fields_["age_days"] = age_days
    fields_["amount"] = amount
    fields_["qty"] = qty
    return row


def exceptions(session: Session, today: date | None = None) -> list[ExceptionRow]:
    with collector_paused():  # tens of thousands of rows
        return _exceptions(session, today or date.today())


def _exceptions(session: Session, today: date) -> list[ExceptionRow]:
    settings = load_settings(session)
    rows: list[ExceptionRow] = []

    def add(kind: str, document: str, subject: str, age: int, amount=None, qty=None) -> None:  # type: ignore[no-untyped-def]
        rows.append(_row(kind, KINDS[kind], document, subject, age, amount, qty))

    # Pending lines older than the threshold (by order date), oldest first. There can be
    # tens of thousands: driver tuples, raw cents and integer arithmetic (line_net_cents),
    # names from two small look-ups instead of a join per line.
    conn = session.connection()
    cutoff = today - timedelta(days=settings.pending_age_days)
    line = SalesOrderLine
    label = KINDS["pending_old"]
    customers = dict(driver_rows(conn, select(Customer.id, Customer.name)))
    skus = dict(driver_rows(conn, select(Product.id, Product.sku)))
    day = day_reader()
    ages: dict[object, int] = {}  # by order date as the driver gives it
    append = rows.append
    for number, customer_id, product_id, pending, order_date, price_cents, discount_bp in (
        driver_rows(
            conn,
            select(
                SalesOrder.number,
                SalesOrder.customer_id,
                line.product_id,
                line.qty_pending,
                SalesOrder.order_date,
                cents(line.unit_price),
                type_coerce(line.discount, Integer),
            )
            .join(SalesOrder, SalesOrder.id == line.order_id)
            .where(line.qty_pending > 0, SalesOrder.order_date < cutoff)
            # line id last: the same order on every database (SQLite sorts only within an
            # order's lines: "temp B-tree for right part of ORDER BY", ~2%)
            .order_by(SalesOrder.order_date, SalesOrder.id, line.id),
        )
    ):
        net_cents = line_net_cents(pending, price_cents, discount_bp)
        age = ages.get(order_date)
        if age is None:
            age = ages[order_date] = (today - day(order_date)).days
        append(
            _row(
                "pending_old",
                label,
                number,
                f"{customers[customer_id]}: {pending} × {skus[product_id]} still pending",
                age,
                net_cents * _CENT if net_cents else _ZERO,
                pending,
            )
        )

    # Orders past their promised date with something still pending.
    for number, customer, promised, pending in driver_rows(
        conn,
        select(
            SalesOrder.number, Customer.name, SalesOrder.promised_date, func.sum(line.qty_pending)
        )
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(line, line.order_id == SalesOrder.id)
        .where(
            SalesOrder.promised_date < today,
            SalesOrder.status.in_(("open", "pending", "partial")),
            # the same sums without the lines that add nothing: the pending lines' index
            # covers these, so no line is read from the table (a third of this query)
            line.qty_pending > 0,
        )
        .group_by(SalesOrder.id, SalesOrder.number, Customer.name, SalesOrder.promised_date)
        .having(func.sum(line.qty_pending) > 0)
        .order_by(SalesOrder.promised_date, SalesOrder.id),
    ):
        promised = day(promised)
        add(
            "late_order",
            number,
            f"{customer}: promised {promised.isoformat()}, {int(pending)} still pending",
            (today - promised).days,
            None,
            int(pending),
        )

    # Delivered but not invoiced (must be none in deliver-at-once mode).
    for number, customer, sku, missing, order_date in session.execute(
        select(
            SalesOrder.number,
            Customer.name,
            Product.sku,
            line.qty_delivered - line.qty_invoiced,
            SalesOrder.order_date,
        )
        .join(SalesOrder, SalesOrder.id == line.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Product, Product.id == line.product_id)
        .where(line.qty_delivered > line.qty_invoiced)
    ).tuples():
        add(
            "not_invoiced",
            number,
            f"{customer}: {missing} × {sku} delivered, not invoiced",
            (today - order_date).days,
            None,
            int(missing),
        )

    # Overdue unpaid invoices.
    open_cents = cents(Invoice.gross) - cents(Invoice.paid) - cents(Invoice.credited)
    for number, customer, due, open_amount in driver_rows(
        conn,
        select(Invoice.number, Customer.name, Invoice.due_date, open_cents)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.due_date < today - timedelta(days=settings.overdue_grace_days),
               invoice_open())
        .order_by(Invoice.due_date),
    ):
        due = day(due)
        add(
            "overdue_invoice",
            number,
            f"{customer}: due {due.isoformat()}",
            (today - due).days,
            money_from_cents(open_amount),
            None,
        )

    # Defective stock waiting for a decision (write off or back to the supplier).
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
        .order_by(func.min(CostLayer.created_at))
    ).tuples():
        oldest_day = oldest.date() if hasattr(oldest, "date") else oldest
        age = (today - oldest_day).days
        flag = " (over the limit)" if age > settings.defective_age_days else ""
        add(
            "defective_waiting",
            sku,
            f"{int(qty)} × {name} defective{flag}",
            age,
            money_from_cents(value),
            int(qty),
        )

    # Orders with negative profit so far: the profit report's per-order sums, worst first.
    losing = losing_orders_cents(session)
    if losing:
        about: dict[int, tuple[str, str, date]] = {}
        ids = [order_id for _profit, order_id in losing]
        for start in range(0, len(ids), _CHUNK):
            for order_id, number, customer, order_date in session.execute(
                select(SalesOrder.id, SalesOrder.number, Customer.name, SalesOrder.order_date)
                .join(Customer, Customer.id == SalesOrder.customer_id)
                .where(SalesOrder.id.in_(ids[start : start + _CHUNK]))
            ).tuples():
                about[order_id] = (number, customer, order_date)
        for profit, order_id in losing:
            number, customer, order_date = about[order_id]
            add(
                "negative_margin",
                number,
                f"{customer}: profit {money_from_cents(profit)}",
                (today - order_date).days,
                money_from_cents(profit),
                None,
            )

    # Purchases past their expected date with goods still to come.
    for number, supplier, expected, open_qty in session.execute(
        select(
            PurchaseOrder.number,
            Supplier.name,
            PurchaseOrder.expected_date,
            func.sum(PurchaseLine.qty_ordered - PurchaseLine.qty_received),
        )
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .join(PurchaseLine, PurchaseLine.purchase_order_id == PurchaseOrder.id)
        .where(PurchaseOrder.cancelled.is_(False), PurchaseOrder.expected_date < today)
        .group_by(
            PurchaseOrder.id, PurchaseOrder.number, Supplier.name, PurchaseOrder.expected_date
        )
        .having(func.sum(PurchaseLine.qty_ordered - PurchaseLine.qty_received) > 0)
        .order_by(PurchaseOrder.expected_date)
    ).tuples():
        add(
            "late_purchase",
            number,
            f"{supplier}: expected {expected.isoformat()}, {int(open_qty)} still to come",
            (today - expected).days,
            None,
            int(open_qty),
        )
    return rows
