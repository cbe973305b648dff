"""Returns linked to what was sold, credit notes, and decisions on defective stock.

A returned unit comes back at the exact FIFO cost it left with (the delivery's newest layer
consumptions first). Sellable goods go back on the shelf and may serve the queue at once;
defective goods go to the defective location and are never available for sale.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, func, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from app import audit
from app.errors import Conflict, InvalidInput
from app.money import document_tax, line_net, line_tax, parse_qty
from app.services import order_totals
from app.services.common import (
    Changes,
    check_text,
    lock_order_products,
    next_numbers,
    now,
    order_by_number,
    product_by_sku,
    retrying,
    supplier_by_code,
    transaction,
)
from app.services.fulfilment import (
    ServedLine,
    _bump_products,
    load_layers,
    parties,
    save_layers,
    serve_pending,
    take_from_layers,
)
from db.base import MoneyType
from db.models import (
    CONDITIONS,
    CostLayer,
    CreditNote,
    CreditNoteLine,
    Customer,
    CustomerReturn,
    DeliveryLine,
    Disposal,
    DisposalLine,
    Invoice,
    InvoiceLine,
    LayerConsumption,
    Product,
    ReturnLine,
    SalesOrderLine,
    StockMove,
)
from db.session import Database

# Suggested reasons (the GUI offers them); any short text is accepted.
REASONS = ("damaged", "faulty", "wrong item", "not as described", "no longer needed", "other")


@dataclass(frozen=True)
class ReturnResult:
    number: str
    order: str
    condition: str
    returned: dict[str, int]
    cost: Decimal
    credit_notes: list[str]
    credited: Decimal  # gross
    served: list[ServedLine]
    changes: Changes = Changes(orders=True, stock=True, invoices=True, returns=True)


@retrying
def create_return(
    db: Database,
    order_number: str,
    items: dict[str, object],
    *,
    condition: str,
    reason: str,
    note: str = "",
) -> ReturnResult:
    """Take goods back on an order: stock, cost and a credit note per corrected invoice."""
    if condition not in CONDITIONS:
        raise InvalidInput(f"Condition must be sellable or defective, not {condition!r}.")
    if not items:
        raise InvalidInput("Say what is returned (SKU and quantity).")
    reason = check_text(reason, "Reason", max_len=100)
    note = check_text(note, "Note", max_len=2000, required=False)
    wanted = {sku: parse_qty(q, f"Quantity of {sku}") for sku, q in items.items()}
    at = now()
    with transaction(db) as (session, settings):
        order = order_by_number(session, order_number)
        lock_order_products(session, order.id)  # before its lines: the queue's lock order
        rows = session.execute(
            select(SalesOrderLine, Product.sku)
            .join(Product, Product.id == SalesOrderLine.product_id)
            .where(SalesOrderLine.order_id == order.id)
            .order_by(SalesOrderLine.line_no)
            .with_for_update(of=SalesOrderLine)
        ).all()
        returnable: dict[str, int] = defaultdict(int)
        for line, sku in rows:
            returnable[sku] += line.qty_delivered - line.qty_returned
        for sku, qty in wanted.items():
            if sku not in returnable:
                raise InvalidInput(f"Order {order_number} has no line for {sku}.")
            if qty > returnable[sku]:
                raise Conflict(
                    f"Order {order_number}, {sku}: at most {returnable[sku]} can be returned."
                )
        picks: list[tuple[SalesOrderLine, int]] = []
        left = dict(wanted)
        for line, sku in rows:
            take = min(left.get(sku, 0), line.qty_delivered - line.qty_returned)
            if take > 0:
                picks.append((line, take))
                left[sku] -= take

        number = next_numbers(session, "return", 1, at.date())[0]
        ret = CustomerReturn(
            number=number, order_id=order.id, return_date=at.date(), reason=reason, note=note,
            created_at=at,
        )
        session.add(ret)
        session.flush([ret])
        return_id = ret.id

        total_cost = Decimal(0)
        per_product: dict[int, int] = defaultdict(int)
        line_takes: list[tuple[SalesOrderLine, int, list[tuple[int, int, Decimal]]]] = []
        for line, qty in picks:
            takes = _unconsume(session, line.id, qty)
            line_takes.append((line, qty, takes))
        return_line_ids = session.scalars(
            insert(ReturnLine).returning(ReturnLine.id, sort_by_parameter_order=True),
            [
                {"return_id": return_id, "order_line_id": line.id, "product_id": line.product_id,
                 "qty": qty, "condition": condition,
                 "cost": sum((c * q for _, q, c in takes), Decimal(0))}
                for line, qty, takes in line_takes
            ],
        ).all()
        layer_rows, move_rows = [], []
        for (line, qty, takes), rl_id in zip(line_takes, return_line_ids, strict=True):
            cost = sum((c * q for _, q, c in takes), Decimal(0))
            total_cost += cost
            per_product[line.product_id] += qty
            for _, q, c in takes:
                layer_rows.append(
                    {"product_id": line.product_id, "location": condition, "qty_in": q,
                     "qty_remaining": q, "unit_cost": c, "return_line_id": rl_id,
                     "created_at": at}
                )
            move_rows.append(
                {"product_id": line.product_id, "kind": "return", "from_location": "customer",
                 "to_location": condition, "qty": qty, "cost": cost, "return_line_id": rl_id,
                 "created_at": at}
            )
            line.qty_returned += qty
        session.execute(insert(CostLayer), layer_rows)
        session.execute(insert(StockMove), move_rows)
        session.flush()
        if condition == "sellable":
            _bump_products(session, per_product, on_hand=+1)
        else:
            _bump_products(session, per_product, defective=+1)

        notes, credited, credited_net = _credit_notes(
            session, settings, order.id, order.customer_id, return_id,
            [
                (line.id, qty, rl)
                for (line, qty, _), rl in zip(line_takes, return_line_ids, strict=True)
            ],
            at,
        )
        order_totals.add_to_orders(session, [
            (order.id, order_totals.returned(credited_net, total_cost, condition == "defective"))
        ])
        served: list[ServedLine] = []
        if condition == "sellable":
            served = serve_pending(
                session, settings, per_product, "return", at=at, return_id=return_id
            ).served
        audit.record(
            session, None, "create_return", number, None,
            {
                "order": order_number, "items": wanted, "condition": condition, "reason": reason,
                "credit_notes": notes, "credited": credited,
            },
        )
    return ReturnResult(
        number, order_number, condition, wanted, total_cost, notes, credited, served
    )


def _unconsume(session: Session, order_line_id: int, qty: int) -> list[tuple[int, int, Decimal]]:
    """Mark `qty` delivered units of a line as returned, newest consumption first; give back
    (consumption id, qty, unit cost) so the units re-enter stock at their original cost."""
    rows = session.execute(
        select(LayerConsumption.id, LayerConsumption.qty, LayerConsumption.qty_returned,
               LayerConsumption.unit_cost)
        .join(DeliveryLine, DeliveryLine.id == LayerConsumption.delivery_line_id)
        .where(DeliveryLine.order_line_id == order_line_id,
               LayerConsumption.qty > LayerConsumption.qty_returned)
        .order_by(LayerConsumption.id.desc())
        .with_for_update(of=LayerConsumption)
    ).all()
    takes, updates, left = [], [], qty
    for r in rows:
        if left == 0:
            break
        take = min(left, r.qty - r.qty_returned)
        left -= take
        takes.append((r.id, take, r.unit_cost))
        updates.append({"id": r.id, "qty_returned": r.qty_returned + take})
    if left:
        raise RuntimeError(f"order line {order_line_id}: delivered units without cost records")
    session.execute(update(LayerConsumption), updates)
    return takes


def _credit_notes(
    session: Session,
    settings,  # type: ignore[no-untyped-def]
    order_id: int,
    customer_id: int,
    return_id: int,
    returned: list[tuple[int, int, int]],  # order line, qty, return line
    at: datetime,
) -> tuple[list[str], Decimal, Decimal]:
    """One credit note per invoice corrected; newest invoice lines are credited first.
    Gives the notes' numbers, their gross total and their net total."""
    per_invoice: dict[int, list[dict]] = defaultdict(list)  # type: ignore[type-arg]
    for order_line_id, qty, return_line_id in returned:
        credited_qty = (
            select(func.coalesce(func.sum(CreditNoteLine.qty), 0))
            .where(CreditNoteLine.invoice_line_id == InvoiceLine.id)
            .scalar_subquery()
        )
        inv_lines = session.execute(
            select(InvoiceLine, credited_qty.label("credited"))
            .where(InvoiceLine.order_line_id == order_line_id)
            .order_by(InvoiceLine.id.desc())
        ).all()
        left = qty
        for il, already in inv_lines:
            if left == 0:
                break
            take = min(left, il.qty - int(already))
            if take <= 0:
                continue
            left -= take
            net = line_net(take, il.unit_price, il.discount)
            per_invoice[il.invoice_id].append(
                {"invoice_line_id": il.id, "return_line_id": return_line_id,
                 "product_id": il.product_id, "description": il.description, "qty": take,
                 "unit_price": il.unit_price, "discount": il.discount, "tax_rate": il.tax_rate,
                 "net": net, "tax": line_tax(net, il.tax_rate)}
            )
        if left:
            raise RuntimeError(f"order line {order_line_id}: returned units were never invoiced")
    invoice_ids = sorted(per_invoice)
    numbers = next_numbers(session, "credit_note", len(invoice_ids), at.date())
    customer = session.execute(
        select(Customer.name.label("customer_name"), Customer.address.label("customer_address"),
               Customer.tax_id.label("customer_tax_id"))
        .where(Customer.id == customer_id)
    ).one()
    printed = parties(customer, settings)  # the same for every note of this return
    credited_total = credited_net = Decimal(0)
    for number, invoice_id in zip(numbers, invoice_ids, strict=True):
        lines = per_invoice[invoice_id]
        net = sum((ln["net"] for ln in lines), Decimal(0))
        tax = document_tax([(ln["net"], ln["tax_rate"]) for ln in lines], settings.tax_rounding)
        note = CreditNote(
            number=number, return_id=return_id, order_id=order_id, invoice_id=invoice_id,
            customer_id=customer_id, issue_date=at.date(), currency=settings.currency,
            tax_rounding=settings.tax_rounding, net=net, tax=tax, gross=net + tax, created_at=at,
            **printed,
        )
        session.add(note)
        session.flush([note])
        session.execute(insert(CreditNoteLine), [{**ln, "credit_note_id": note.id} for ln in lines])
        invoice = session.get(Invoice, invoice_id, with_for_update=True)
        assert invoice is not None
        invoice.credited = invoice.credited + net + tax
        credited_total += net + tax
        credited_net += net
    session.flush()
    return numbers, credited_total, credited_net


@dataclass(frozen=True)
class DisposalResult:
    number: str
    sku: str
    qty: int
    action: str
    cost: Decimal
    recovered: Decimal
    changes: Changes = Changes(stock=True, returns=True)


@retrying
def dispose_defective(
    db: Database, sku: str, qty: object, action: str, *, supplier: str | None = None,
    note: str = "",
) -> DisposalResult:
    """Decide on defective stock: write it off (a loss) or send it back to the supplier
    (its cost is recovered)."""
    if action not in ("write_off", "supplier_return"):
        raise InvalidInput(f"Action must be write_off or supplier_return, not {action!r}.")
    if action == "supplier_return" and not supplier:
        raise InvalidInput("Say which supplier takes the goods back.")
    quantity = parse_qty(qty)
    note = check_text(note, "Note", max_len=2000, required=False)
    at = now()
    with transaction(db) as (session, _):
        product = product_by_sku(session, sku, lock=True)
        pid, defective = product.id, product.defective
        if quantity > defective:
            raise Conflict(f"{sku}: only {defective} defective units are in stock.")
        supplier_id = supplier_by_code(session, supplier).id if supplier else None
        number = next_numbers(session, "disposal", 1, at.date())[0]
        disposal = Disposal(
            number=number, kind=action, supplier_id=supplier_id, disposal_date=at.date(),
            note=note, created_at=at,
        )
        session.add(disposal)
        session.flush([disposal])
        layers = load_layers(session, [pid], "defective")
        takes = take_from_layers(layers, pid, quantity, None, "disposal")
        save_layers(session, layers, {t.layer_id for t in takes})
        cost = sum((t.cost for t in takes), Decimal(0))
        recovered = cost if action == "supplier_return" else Decimal(0)
        line = DisposalLine(disposal_id=disposal.id, product_id=pid, qty=quantity, cost=cost,
                            recovered=recovered)
        session.add(line)
        session.flush([line])
        session.execute(
            insert(LayerConsumption),
            [{"layer_id": t.layer_id, "qty": t.qty, "unit_cost": t.unit_cost, "qty_returned": 0,
              "disposal_line_id": line.id} for t in takes],
        )
        session.execute(
            insert(StockMove),
            [{"product_id": pid, "kind": action, "from_location": "defective",
              "to_location": "scrap" if action == "write_off" else "supplier", "qty": quantity,
              "cost": cost, "disposal_line_id": line.id, "created_at": at}],
        )
        _bump_products(session, {pid: quantity}, defective=-1)
        if action == "supplier_return":
            _recover_on_orders(session, line.id)
        audit.record(
            session, None, "dispose_defective", number, None,
            {"sku": sku, "qty": quantity, "action": action, "cost": cost, "recovered": recovered},
        )
    return DisposalResult(number, sku, quantity, action, cost, recovered)


def _recover_on_orders(session: Session, disposal_line_id: int) -> None:
    """The cost of defective goods sent back to the supplier comes back to the orders they
    were returned on (a layer made by a return remembers its return line); shelf damage has
    no order."""
    per_order = session.execute(
        select(CustomerReturn.order_id,  # qty x unit cost summed in cents, read as money
               type_coerce(func.sum(LayerConsumption.qty
                                    * type_coerce(LayerConsumption.unit_cost, BigInteger)),
                           MoneyType()))
        .join(CostLayer, CostLayer.id == LayerConsumption.layer_id)
        .join(ReturnLine, ReturnLine.id == CostLayer.return_line_id)
        .join(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
        .where(LayerConsumption.disposal_line_id == disposal_line_id)
        .group_by(CustomerReturn.order_id)
    ).all()
    order_totals.add_to_orders(session, [
        (order_id, order_totals.recovered(cost)) for order_id, cost in per_order
    ])


@retrying
def mark_defective(db: Database, sku: str, qty: object, reason: str) -> DisposalResult:
    """Goods found broken on the shelf: from sellable to defective stock, at their FIFO cost."""
    quantity = parse_qty(qty)
    reason = check_text(reason, "Reason", max_len=500)
    at = now()
    with transaction(db) as (session, _):
        product = product_by_sku(session, sku, lock=True)
        pid, free = product.id, product.on_hand - product.allocated
        if quantity > free:
            raise Conflict(f"{sku}: only {free} units are free on the shelf.")
        layers = load_layers(session, [pid], "sellable")
        takes = take_from_layers(layers, pid, quantity, None, "damage")
        save_layers(session, layers, {t.layer_id for t in takes})
        cost = sum((t.cost for t in takes), Decimal(0))
        session.execute(
            insert(LayerConsumption),
            [{"layer_id": t.layer_id, "qty": t.qty, "unit_cost": t.unit_cost, "qty_returned": 0}
             for t in takes],
        )
        session.execute(
            insert(CostLayer),
            [{"product_id": pid, "location": "defective", "qty_in": t.qty,
              "qty_remaining": t.qty, "unit_cost": t.unit_cost, "created_at": at}
             for t in takes],
        )
        session.execute(
            insert(StockMove),
            [{"product_id": pid, "kind": "damage", "from_location": "sellable",
              "to_location": "defective", "qty": quantity, "cost": cost, "created_at": at}],
        )
        _bump_products(session, {pid: quantity}, on_hand=-1, defective=+1)
        audit.record(
            session, None, "mark_defective", sku, None,
            {"qty": quantity, "reason": reason, "cost": cost},
        )
    return DisposalResult("", sku, quantity, "damage", cost, Decimal(0))
