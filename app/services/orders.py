"""Sales orders: capture (what is in stock is served at once, the rest queues), cancel pending,
deliver reserved goods."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from app import audit
from app.bulk import Bulk
from app.domain.states import order_status
from app.errors import Conflict, InvalidInput, NotFound
from app.money import document_tax, line_net, parse_money, parse_percent, parse_qty
from app.services.common import (
    Changes,
    InList,
    check_text,
    lock_order_products,
    next_numbers,
    now,
    order_by_number,
    project_id_for,
    retrying,
    transaction,
)
from app.services.fulfilment import (
    Outcome,
    ServedLine,
    _bump_products,
    conn,
    deliver_lines,
    refresh_status,
    serve_pending,
)
from app.services.order_totals import TOTALS
from db.base import MoneyType
from db.models import Allocation, Customer, Product, SalesOrder, SalesOrderLine
from db.session import Database

MAX_LINES = 500
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


@dataclass(frozen=True)
class LineInput:
    sku: str
    qty: object
    price: object | None = None  # None: the product's list price
    discount: object = 0


@dataclass(frozen=True)
class OrderResult:
    number: str
    status: str
    served: list[ServedLine]
    deliveries: list[str]
    invoices: list[str]
    pending: dict[str, int]  # sku -> quantity waiting for stock
    changes: Changes = field(default=Changes(orders=True, stock=True, invoices=True))


def check_date(value: date | None, what: str) -> date | None:
    if value is None:
        return None
    if not EARLIEST <= value <= LATEST:
        raise InvalidInput(f"{what} {value.isoformat()} is out of range (2000-2100).")
    return value


_CUSTOMER = select(Customer.id, Customer.ship_complete).where(
    Customer.code == bindparam("code")
)
_PRODUCTS = InList("skus", lambda skus: (
    select(Product.id, Product.sku, Product.name, Product.unit_price, Product.tax_rate,
           Product.active, (Product.on_hand - Product.allocated).label("free"))
    .where(Product.sku.in_(skus))
    .order_by(Product.id)
    .with_for_update()
))
_ORDER = SalesOrder.__table__
# The new order's status and what its delivery added to its profit totals (order_totals):
# one UPDATE of its row instead of two (add_to_orders' own executemany, then the status)
_SET_STATUS_TOTALS = Bulk(
    _ORDER.update()
    .where(_ORDER.c.id == bindparam("b_id"))
    .values(status=bindparam("b_status"), **{
        name: _ORDER.c[name] + bindparam(f"t_{name}", type_=MoneyType()) for name in TOTALS
    }),
    ("b_status", *(f"t_{name}" for name in TOTALS), "b_id"),
)
_NOTHING_ADDED = (Decimal(0),) * len(TOTALS)
_INSERT_ORDER = Bulk(  # .one: a Core execute of this INSERT ... RETURNING costs twice as much
    insert(_ORDER).returning(_ORDER.c.id),
    ("number", "customer_id", "project_id", "order_date", "promised_date", "ship_complete",
     "note", "status", "net_total", "gross_total", "created_at"),
)
_LINE_KEYS = (
    "line_no", "product_id", "description", "qty_ordered", "qty_delivered", "qty_pending",
    "qty_cancelled", "qty_allocated", "qty_invoiced", "qty_returned", "unit_price", "discount",
    "tax_rate", "net_amount", "due_date", "cancel_reason",
)
_INSERT_LINES = Bulk(insert(SalesOrderLine.__table__), ("order_id", *_LINE_KEYS))


def _products(session, skus: set[str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The order's products, locked in id order (no deadlock between two seats)."""
    found = {r.sku: r for r in conn(session).execute(*_PRODUCTS(sorted(skus)))}
    missing = sorted(skus - set(found))
    if missing:
        raise NotFound(f"There is no product with SKU {', '.join(map(repr, missing))}.")
    return found


@retrying
def create_order(
    db: Database,
    customer: str,
    lines: list[LineInput],
    *,
    project: str | None = None,
    promised: date | None = None,
    ship_complete: bool | None = None,
    note: str = "",
    order_date: date | None = None,
) -> OrderResult:
    """Capture an order and serve what stock allows, in the same transaction.

    In "deliver" mode what is free is delivered and invoiced at once; the rest is pending
    and will be served automatically when stock arrives.
    """
    if not lines:
        raise InvalidInput("An order needs at least one line.")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"An order has at most {MAX_LINES} lines.")
    parsed = []
    for item in lines:
        qty = parse_qty(item.qty, f"Quantity of {item.sku}")
        price = None if item.price is None else parse_money(item.price, f"Price of {item.sku}")
        discount = parse_percent(item.discount, f"Discount of {item.sku}")
        parsed.append((item.sku, qty, price, discount))
    note = check_text(note, "Note", max_len=2000, required=False)
    check_date(promised, "Promised date")
    check_date(order_date, "Order date")
    at = now()
    order_day = order_date or at.date()
    if promised is not None and promised < order_day:
        raise InvalidInput(
            f"The promised date {promised.isoformat()} is before the order date "
            f"{order_day.isoformat()}."
        )
    with transaction(db) as (session, settings):
        cust = conn(session).execute(_CUSTOMER, {"code": customer}).first()
        if cust is None:
            raise NotFound(f"There is no customer with code {customer!r}.")
        products = _products(session, {sku for sku, *_ in parsed})
        inactive = [sku for sku, p in products.items() if not p.active]
        if inactive:
            raise Conflict(f"Product {', '.join(inactive)} is no longer sold.")
        number = next_numbers(session, "order", 1, order_day)[0]
        line_rows = []
        for line_no, (sku, qty, price, discount) in enumerate(parsed, start=1):
            product = products[sku]
            unit_price = product.unit_price if price is None else price
            line_rows.append(
                {
                    "line_no": line_no,
                    "product_id": product.id,
                    "description": product.name,
                    "qty_ordered": qty,
                    "qty_delivered": 0,
                    "qty_pending": qty,
                    "qty_cancelled": 0,
                    "qty_allocated": 0,
                    "qty_invoiced": 0,
                    "qty_returned": 0,
                    "unit_price": unit_price,
                    "discount": discount,
                    "tax_rate": product.tax_rate,
                    "net_amount": line_net(qty, unit_price, discount),
                    "due_date": promised or order_day,
                    "cancel_reason": "",
                }
            )
        net_total = sum((r["net_amount"] for r in line_rows), Decimal(0))
        tax_total = document_tax(
            [(r["net_amount"], r["tax_rate"]) for r in line_rows], settings.tax_rounding
        )
        order_id = _INSERT_ORDER.one(conn(session), (
            number,
            cust.id,
            project_id_for(session, project),
            order_day,
            promised,
            cust.ship_complete if ship_complete is None else ship_complete,
            note,
            "pending",
            net_total,
            net_total + tax_total,
            at,
        )).scalar_one()
        _INSERT_LINES.run(
            conn(session), [(order_id, *(r[k] for k in _LINE_KEYS)) for r in line_rows]
        )
        outcome = serve_pending(
            session, settings, {r["product_id"] for r in line_rows}, "order", at=at,
            only_order_id=order_id, free={p.id: p.free for p in products.values()},
        )
        status, pending = _status_and_pending(parsed, outcome.served)
        if status != "pending" or outcome.totals:  # as inserted: pending, totals 0
            added = _NOTHING_ADDED
            if outcome.totals:  # its one delivery (deliver_lines: one per order)
                ((served_id, added),) = outcome.totals
                assert served_id == order_id
            _SET_STATUS_TOTALS.run(conn(session), [(status, *added, order_id)])
        audit.record(
            session, None, "create_order", number, None,
            {
                "customer": customer, "lines": [[s, q] for s, q, *_ in parsed],
                "net_total": net_total, "gross_total": net_total + tax_total, "status": status,
                "invoices": outcome.invoices,
            },
        )
    return OrderResult(
        number, status, outcome.served, outcome.deliveries, outcome.invoices, pending
    )


def _status_and_pending(
    parsed: list[tuple[str, int, Any, Any]], served: list[ServedLine]
) -> tuple[str, dict[str, int]]:
    """A new order's status and what still waits, per SKU, from what serve_pending did to it
    (no re-read): the rule of app.domain.states, which refresh_status applies in SQL."""
    pending: dict[str, int] = defaultdict(int)
    for sku, qty, *_ in parsed:
        pending[sku] += qty
    ordered = sum(pending.values())
    delivered = allocated = 0
    for line in served:
        pending[line.sku] -= line.qty
        if line.delivery is None:  # reserve mode: allocated, still pending
            allocated += line.qty
        else:
            delivered += line.qty
    status = order_status(delivered, ordered - delivered, allocated)
    return status, {sku: qty for sku, qty in pending.items() if qty > 0}


@dataclass(frozen=True)
class CancelResult:
    number: str
    cancelled: dict[str, int]
    status: str
    served_others: list[ServedLine]
    changes: Changes = Changes(orders=True, stock=True, invoices=True)


@retrying
def cancel_pending(db: Database, number: str, reason: str, sku: str | None = None) -> CancelResult:
    """Cancel what an order still waits for (all lines, or one SKU), with a reason.

    Goods reserved for it (reserve-only mode) become free and go to the next in the queue.
    """
    reason = check_text(reason, "Reason", max_len=500)
    at = now()
    with transaction(db) as (session, settings):
        order = order_by_number(session, number)
        lock_order_products(session, order.id)  # before its lines: the queue's lock order
        stmt = (
            select(SalesOrderLine, Product.sku)
            .join(Product, Product.id == SalesOrderLine.product_id)
            .where(SalesOrderLine.order_id == order.id, SalesOrderLine.qty_pending > 0)
            .with_for_update(of=SalesOrderLine)
        )
        if sku is not None:
            stmt = stmt.where(Product.sku == sku)
        rows = session.execute(stmt).all()
        if not rows:
            what = f"of {sku} " if sku else ""
            raise Conflict(f"Order {number} has nothing {what}pending to cancel.")
        cancelled: dict[str, int] = defaultdict(int)
        released: dict[int, int] = defaultdict(int)
        for line, line_sku in rows:
            cancelled[line_sku] += line.qty_pending
            released[line.product_id] += line.qty_allocated
            line.qty_cancelled += line.qty_pending
            line.qty_pending = 0
            line.qty_allocated = 0
            line.cancel_reason = reason
        session.flush()
        _bump_products(session, {p: q for p, q in released.items() if q}, allocated=-1)
        outcome = Outcome()
        if any(released.values()):
            outcome = serve_pending(
                session, settings, [p for p, q in released.items() if q], "retry", at=at
            )
        refresh_status(session, [order.id])
        status = session.execute(
            select(SalesOrder.status).where(SalesOrder.id == order.id)
        ).scalar_one()
        audit.record(
            session, None, "cancel_pending", number, None,
            {"cancelled": dict(cancelled), "reason": reason, "status": status},
        )
    return CancelResult(number, dict(cancelled), status, outcome.served)


@dataclass(frozen=True)
class DeliverResult:
    number: str
    deliveries: list[str]
    invoices: list[str]
    served: list[ServedLine]
    changes: Changes = Changes(orders=True, stock=True, invoices=True)


@retrying
def deliver_order(db: Database, number: str) -> DeliverResult:
    """Reserve-only mode: deliver and invoice what is reserved for this order."""
    at = now()
    with transaction(db) as (session, settings):
        order = order_by_number(session, number)
        lock_order_products(session, order.id)  # before its lines: the queue's lock order
        items = session.execute(
            select(SalesOrderLine.id, SalesOrderLine.qty_allocated).where(
                SalesOrderLine.order_id == order.id, SalesOrderLine.qty_allocated > 0
            )
        ).tuples().all()
        if not items:
            raise Conflict(f"Order {number} has no reserved goods to deliver.")
        outcome = deliver_lines(session, settings, list(items), from_allocation=True, at=at)
        # the allocation records of these lines now point at the delivery that used them
        table = Allocation.__table__
        session.execute(
            update(table)
            .where(table.c.order_line_id == bindparam("line"), table.c.delivery_line_id.is_(None))
            .values(delivery_line_id=bindparam("dline")),
            [{"line": lid, "dline": dl} for lid, dl in outcome.delivery_line_of.items()],
        )
        refresh_status(session, [order.id])
        audit.record(
            session, None, "deliver_order", number, None,
            {"deliveries": outcome.deliveries, "invoices": outcome.invoices},
        )
    return DeliverResult(number, outcome.deliveries, outcome.invoices, outcome.served)
