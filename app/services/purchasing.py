"""Purchases and stock arriving: each receipt writes moves and FIFO layers, then serves the
pending queue in the same transaction (no one has to remember the waiting orders)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app import audit
from app.errors import Conflict, InvalidInput
from app.money import parse_money, parse_qty
from app.services.common import (
    Changes,
    check_text,
    lock_products,
    next_numbers,
    now,
    order_by_number,
    product_by_sku,
    products_by_sku,
    project_id_for,
    purchase_by_number,
    retrying,
    supplier_by_code,
    transaction,
)
from app.services.fulfilment import (
    Outcome,
    ServedLine,
    _bump_products,
    conn,
    load_layers,
    save_layers,
    serve_pending,
    take_from_layers,
)
from app.services.orders import check_date
from db.models import (
    CostLayer,
    LayerConsumption,
    Product,
    PurchaseLine,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    StockAdjustment,
    StockMove,
)
from db.session import Database


@dataclass(frozen=True)
class PurchaseLineInput:
    sku: str
    qty: object
    cost: object


@dataclass(frozen=True)
class PurchaseResult:
    number: str
    changes: Changes = Changes(purchases=True, stock=True)


@retrying
def create_purchase(
    db: Database,
    supplier: str,
    lines: list[PurchaseLineInput],
    *,
    for_order: str | None = None,
    project: str | None = None,
    expected: date | None = None,
    note: str = "",
    order_date: date | None = None,
) -> PurchaseResult:
    """A purchase order; made *for* a sales order, its goods serve that order first."""
    if not lines:
        raise InvalidInput("A purchase order needs at least one line.")
    parsed = [
        (i.sku, parse_qty(i.qty, f"Quantity of {i.sku}"),
         parse_money(i.cost, f"Unit cost of {i.sku}"))
        for i in lines
    ]
    check_date(expected, "Expected date")
    note = check_text(note, "Note", max_len=2000, required=False)
    at = now()
    day = order_date or at.date()
    with transaction(db) as (session, _):
        sup = supplier_by_code(session, supplier)
        products = products_by_sku(session, [sku for sku, _, _ in parsed])
        sales_order = order_by_number(session, for_order) if for_order else None
        project_id = project_id_for(session, project)
        if project_id is None and sales_order is not None:
            project_id = sales_order.project_id
        number = next_numbers(session, "purchase", 1, day)[0]
        po = PurchaseOrder(
            number=number, supplier_id=sup.id,
            for_order_id=sales_order.id if sales_order else None, project_id=project_id,
            order_date=day, expected_date=expected, cancelled=False, note=note, created_at=at,
        )
        session.add(po)
        session.flush([po])
        session.execute(
            insert(PurchaseLine),
            [
                {"purchase_order_id": po.id, "line_no": n, "product_id": products[sku].id,
                 "qty_ordered": qty, "qty_received": 0, "unit_cost": cost}
                for n, (sku, qty, cost) in enumerate(parsed, start=1)
            ],
        )
        audit.record(
            session, None, "create_purchase", number, None,
            {"supplier": supplier, "for_order": for_order, "lines": [list(p) for p in parsed]},
        )
    return PurchaseResult(number)


@dataclass(frozen=True)
class ReceiptResult:
    number: str
    received: dict[str, int]
    served: list[ServedLine]
    deliveries: list[str]
    invoices: list[str]
    on_hand: dict[str, int]
    changes: Changes = field(
        default=Changes(orders=True, stock=True, invoices=True, purchases=True)
    )

    @property
    def summary(self) -> str:
        orders = len({s.order_number for s in self.served})
        text = f"Received {sum(self.received.values())} units ({self.number})."
        if orders:
            text += f" {orders} pending order{'s' if orders != 1 else ''} served"
            if self.invoices:
                text += (
                    f", {len(self.invoices)} invoice"
                    f"{'s' if len(self.invoices) != 1 else ''} issued"
                )
            text += "."
        return text


_INSERT_RECEIPT_LINE = insert(ReceiptLine.__table__).returning(
    ReceiptLine.__table__.c.id, sort_by_parameter_order=True
)


def _receive(
    session: Session,
    settings,  # type: ignore[no-untyped-def]
    *,
    lines: list[tuple[int, int, Decimal, int | None]],  # product, qty, unit cost, purchase line
    po: PurchaseOrder | None,
    supplier_id: int | None,
    note: str,
    at: datetime,
) -> tuple[str, Outcome]:
    number = next_numbers(session, "receipt", 1, at.date())[0]
    receipt = Receipt(
        number=number, purchase_order_id=po.id if po else None,
        supplier_id=supplier_id, receipt_date=at.date(), note=note, created_at=at,
    )
    session.add(receipt)
    session.flush([receipt])
    receipt_id = receipt.id
    # Core on the session's connection: a 10,000-line import spends seconds in ORM bulk code.
    line_ids = conn(session).execute(
        _INSERT_RECEIPT_LINE,
        [
            {"receipt_id": receipt_id, "purchase_line_id": pl, "product_id": pid, "qty": q,
             "unit_cost": c}
            for pid, q, c, pl in lines
        ],
    ).scalars().all()
    for_order_id = po.for_order_id if po else None
    conn(session).execute(
        insert(CostLayer.__table__),
        [
            {"product_id": pid, "location": "sellable", "qty_in": q, "qty_remaining": q,
             "unit_cost": c, "receipt_line_id": rl, "for_order_id": for_order_id,
             "created_at": at}
            for (pid, q, c, _), rl in zip(lines, line_ids, strict=True)
        ],
    )
    conn(session).execute(
        insert(StockMove.__table__),
        [
            {"product_id": pid, "kind": "receipt", "from_location": "supplier",
             "to_location": "sellable", "qty": q, "cost": c * q, "receipt_line_id": rl,
             "created_at": at}
            for (pid, q, c, _), rl in zip(lines, line_ids, strict=True)
        ],
    )
    per_product: dict[int, int] = defaultdict(int)
    for pid, q, _, _ in lines:
        per_product[pid] += q
    _bump_products(session, per_product, on_hand=+1)
    outcome = serve_pending(
        session, settings, per_product, "receipt", at=at, receipt_id=receipt_id,
        priority_order_id=for_order_id,
    )
    return number, outcome


def _on_hand(session: Session, product_ids: set[int]) -> dict[str, int]:
    return dict(
        session.execute(
            select(Product.sku, Product.on_hand).where(Product.id.in_(product_ids))
        ).tuples().all()
    )


@retrying
def receive_stock(
    db: Database, sku: str, qty: object, cost: object, *, supplier: str | None = None,
    note: str = "",
) -> ReceiptResult:
    """Goods in without a purchase order (a cash buy, opening stock)."""
    quantity = parse_qty(qty)
    unit_cost = parse_money(cost, "Unit cost")
    note = check_text(note, "Note", max_len=2000, required=False)
    at = now()
    with transaction(db) as (session, settings):
        product = product_by_sku(session, sku, lock=True)
        product_id = product.id
        supplier_id = supplier_by_code(session, supplier).id if supplier else None
        number, outcome = _receive(
            session, settings, lines=[(product_id, quantity, unit_cost, None)], po=None,
            supplier_id=supplier_id, note=note, at=at,
        )
        on_hand = _on_hand(session, {product_id})
        audit.record(
            session, None, "receive_stock", number, None,
            {"sku": sku, "qty": quantity, "unit_cost": unit_cost, "invoices": outcome.invoices},
        )
    return ReceiptResult(number, {sku: quantity}, outcome.served, outcome.deliveries,
                         outcome.invoices, on_hand)


@retrying
def receive_purchase(
    db: Database, number: str, items: dict[str, object] | None = None, *, note: str = ""
) -> ReceiptResult:
    """Receive a purchase order, all that is still open or the given SKU quantities."""
    at = now()
    note = check_text(note, "Note", max_len=2000, required=False)
    wanted = None if items is None else {
        sku: parse_qty(q, f"Quantity of {sku}") for sku, q in items.items()
    }
    with transaction(db) as (session, settings):
        po = purchase_by_number(session, number)
        if po.cancelled:
            raise Conflict(f"Purchase order {number} is cancelled.")
        lock_products(session, session.scalars(  # before its lines: the queue's lock order
            select(PurchaseLine.product_id).where(PurchaseLine.purchase_order_id == po.id)
        ).all())
        rows = session.execute(
            select(PurchaseLine, Product.sku)
            .join(Product, Product.id == PurchaseLine.product_id)
            .where(PurchaseLine.purchase_order_id == po.id)
            .order_by(PurchaseLine.line_no)
            .with_for_update(of=PurchaseLine)
        ).all()
        open_by_sku: dict[str, int] = defaultdict(int)
        for line, sku in rows:
            open_by_sku[sku] += line.qty_ordered - line.qty_received
        if wanted is None:
            wanted = {sku: q for sku, q in open_by_sku.items() if q > 0}
            if not wanted:
                raise Conflict(f"Purchase order {number} is fully received.")
        for sku, qty in wanted.items():
            if sku not in open_by_sku:
                raise InvalidInput(f"Purchase order {number} has no line for {sku}.")
            if qty > open_by_sku[sku]:
                raise Conflict(
                    f"Purchase order {number}, {sku}: only {open_by_sku[sku]} still to receive, "
                    f"not {qty}."
                )
        receipt_lines = []
        left = dict(wanted)
        for line, sku in rows:
            take = min(left.get(sku, 0), line.qty_ordered - line.qty_received)
            if take <= 0:
                continue
            left[sku] -= take
            line.qty_received += take
            receipt_lines.append((line.product_id, take, line.unit_cost, line.id))
        session.flush()
        number_gr, outcome = _receive(
            session, settings, lines=receipt_lines, po=po, supplier_id=po.supplier_id,
            note=note, at=at,
        )
        on_hand = _on_hand(session, {pid for pid, *_ in receipt_lines})
        audit.record(
            session, None, "receive_purchase", number_gr, None,
            {"purchase": number, "received": wanted, "invoices": outcome.invoices},
        )
    return ReceiptResult(number_gr, wanted, outcome.served, outcome.deliveries,
                         outcome.invoices, on_hand)


@retrying
def cancel_purchase(db: Database, number: str) -> PurchaseResult:
    """Stop waiting for what a purchase order has not delivered yet."""
    with transaction(db) as (session, _):
        po = purchase_by_number(session, number)
        if po.cancelled:
            raise Conflict(f"Purchase order {number} is already cancelled.")
        audit.record(
            session, None, "cancel_purchase", number, {"cancelled": False}, {"cancelled": True},
        )
        po.cancelled = True
    return PurchaseResult(number)


@dataclass(frozen=True)
class AdjustmentResult:
    number: str
    sku: str
    qty_change: int
    on_hand: int
    served: list[ServedLine]
    invoices: list[str]
    changes: Changes = Changes(orders=True, stock=True, invoices=True)


@retrying
def adjust_stock(
    db: Database, sku: str, qty_change: object, reason: str, *, unit_cost: object | None = None
) -> AdjustmentResult:
    """Correct sellable stock after a count. Found goods enter at `unit_cost` (default: the
    newest layer's cost) and serve the queue; lost goods leave the oldest layers (a loss)."""
    reason = check_text(reason, "Reason", max_len=500)
    try:
        change = int(str(qty_change).strip())
    except ValueError:
        raise InvalidInput(f"Quantity change must be a whole number, not {qty_change!r}.") from None
    if change == 0:
        raise InvalidInput("Quantity change cannot be zero.")
    parse_qty(abs(change), "Quantity change")
    at = now()
    with transaction(db) as (session, settings):
        product = product_by_sku(session, sku, lock=True)
        pid, on_hand, allocated = product.id, product.on_hand, product.allocated
        number = next_numbers(session, "adjustment", 1, at.date())[0]
        if change > 0:
            if unit_cost is None:
                last = session.execute(
                    select(CostLayer.unit_cost)
                    .where(CostLayer.product_id == pid, CostLayer.location == "sellable")
                    .order_by(CostLayer.id.desc())
                    .limit(1)
                ).scalar_one_or_none()
                cost = last if last is not None else Decimal(0)
            else:
                cost = parse_money(unit_cost, "Unit cost")
        else:
            cost = Decimal(0)
            if -change > on_hand - allocated:
                raise Conflict(
                    f"{sku}: only {on_hand - allocated} units are free to remove "
                    f"({allocated} reserved for orders)."
                )
        adj = StockAdjustment(
            number=number, product_id=pid, qty_change=change, unit_cost=cost, reason=reason,
            created_at=at,
        )
        session.add(adj)
        session.flush([adj])
        outcome = Outcome()
        if change > 0:
            session.execute(
                insert(CostLayer),
                [{"product_id": pid, "location": "sellable", "qty_in": change,
                  "qty_remaining": change, "unit_cost": cost, "adjustment_id": adj.id,
                  "created_at": at}],
            )
            session.execute(
                insert(StockMove),
                [{"product_id": pid, "kind": "adjustment", "from_location": "adjustment",
                  "to_location": "sellable", "qty": change, "cost": cost * change,
                  "adjustment_id": adj.id, "created_at": at}],
            )
            _bump_products(session, {pid: change}, on_hand=+1)
            outcome = serve_pending(session, settings, [pid], "adjustment", at=at)
        else:
            layers = load_layers(session, [pid], "sellable")
            takes = take_from_layers(layers, pid, -change, None, "adjustment")
            save_layers(session, layers, {t.layer_id for t in takes})
            session.execute(
                insert(LayerConsumption),
                [{"layer_id": t.layer_id, "qty": t.qty, "unit_cost": t.unit_cost,
                  "qty_returned": 0, "adjustment_id": adj.id} for t in takes],
            )
            session.execute(
                insert(StockMove),
                [{"product_id": pid, "kind": "adjustment", "from_location": "sellable",
                  "to_location": "adjustment", "qty": -change,
                  "cost": sum((t.cost for t in takes), Decimal(0)), "adjustment_id": adj.id,
                  "created_at": at}],
            )
            _bump_products(session, {pid: -change}, on_hand=-1)
        session.expire_all()
        left = session.execute(select(Product.on_hand).where(Product.id == pid)).scalar_one()
        audit.record(
            session, None, "adjust_stock", number, {"sku": sku, "on_hand": on_hand},
            {"sku": sku, "on_hand": left, "reason": reason, "invoices": outcome.invoices},
        )
    return AdjustmentResult(number, sku, change, left, outcome.served, outcome.invoices)


def open_purchase_qty(session: Session, product_ids: set[int]) -> dict[int, int]:
    """Incoming: ordered but not yet received, on purchase orders not cancelled."""
    rows = session.execute(
        select(
            PurchaseLine.product_id,
            func.sum(PurchaseLine.qty_ordered - PurchaseLine.qty_received),
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseLine.purchase_order_id)
        .where(PurchaseLine.product_id.in_(product_ids), PurchaseOrder.cancelled.is_(False))
        .group_by(PurchaseLine.product_id)
    ).tuples()
    return {pid: int(q or 0) for pid, q in rows}
