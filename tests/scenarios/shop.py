"""A tiny test driver: the shop's use cases in the clerk's words, so scenarios read like stories.

Writes go through app.services (the same doors as the GUI and the CLI); reads are plain
queries of the stored figures, so a test sees exactly what `shopdesk` would show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

from app import services
from app.queries.check import run_checks
from app.services import LineInput, PurchaseLineInput
from db.models import (
    CreditNote,
    Delivery,
    DeliveryLine,
    Invoice,
    InvoiceLine,
    Product,
    SalesOrder,
    SalesOrderLine,
)
from db.session import Database


@dataclass(frozen=True)
class Doc:
    """An invoice or credit note as stored."""

    number: str
    net: Decimal
    tax: Decimal
    gross: Decimal
    paid: Decimal = Decimal(0)
    credited: Decimal = Decimal(0)


class Shop:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- master data -------------------------------------------------------------------------

    def product(self, sku: str, price: str = "10.00", tax: str = "19") -> str:
        services.add_product(self.db, sku, f"Product {sku}", price, tax)
        return sku

    def customer(self, code: str, *, ship_complete: bool = False) -> str:
        services.add_customer(self.db, code, f"Customer {code}", ship_complete=ship_complete)
        return code

    def supplier(self, code: str) -> str:
        services.add_supplier(self.db, code, f"Supplier {code}")
        return code

    def setting(self, name: str, value: str) -> None:
        services.set_setting(self.db, name, value)

    # -- the use cases -----------------------------------------------------------------------

    def order(
        self,
        customer: str,
        *,
        promised: date | None = None,
        on: date | None = None,
        ship_complete: bool | None = None,
        lines: list[LineInput] | None = None,
        **qty: int,
    ) -> str:
        """order("ACME", A=5, B=2): an order for 5 A and 2 B at list price."""
        items = list(lines or []) + [LineInput(sku, q) for sku, q in qty.items()]
        return services.create_order(
            self.db, customer, items, promised=promised, order_date=on,
            ship_complete=ship_complete,
        ).number

    def receive(self, sku: str, qty: int, cost: str = "4.00") -> services.purchasing.ReceiptResult:
        return services.receive_stock(self.db, sku, qty, cost)

    def purchase(
        self, supplier: str, *, for_order: str | None = None, **lines: tuple[int, str]
    ) -> str:
        """purchase("TOOLCO", A=(5, "3.00")): a purchase order for 5 A at 3.00 each."""
        items = [PurchaseLineInput(sku, q, cost) for sku, (q, cost) in lines.items()]
        return services.create_purchase(self.db, supplier, items, for_order=for_order).number

    def receive_purchase(self, number: str, **qty: int) -> services.purchasing.ReceiptResult:
        return services.receive_purchase(self.db, number, dict(qty) or None)

    def give_back(self, order: str, condition: str, reason: str = "faulty", **qty: int):  # type: ignore[no-untyped-def]
        return services.create_return(self.db, order, dict(qty), condition=condition, reason=reason)

    def cancel(  # type: ignore[no-untyped-def]
        self, order: str, reason: str = "customer changed their mind", sku: str | None = None
    ):
        return services.cancel_pending(self.db, order, reason, sku)

    def deliver(self, order: str):  # type: ignore[no-untyped-def]
        """Reserve-only mode: the clerk delivers what is reserved for the order."""
        return services.deliver_order(self.db, order)

    def adjust(self, sku: str, change: int, reason: str = "stock count", cost: str | None = None):  # type: ignore[no-untyped-def]
        return services.adjust_stock(self.db, sku, change, reason, unit_cost=cost)

    def dispose(self, sku: str, qty: int, action: str, supplier: str | None = None):  # type: ignore[no-untyped-def]
        return services.dispose_defective(self.db, sku, qty, action, supplier=supplier)

    def pay(self, invoice: str, amount: str):  # type: ignore[no-untyped-def]
        return services.record_payment(self.db, invoice, amount)

    # -- what the shop shows -----------------------------------------------------------------

    def _line(self, order: str, sku: str) -> Any:
        """The order's line for `sku` as a plain row (read before the session ends)."""
        with self.db.read() as s:
            return s.execute(
                select(*SalesOrderLine.__table__.c)
                .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
                .join(Product, Product.id == SalesOrderLine.product_id)
                .where(SalesOrder.number == order, Product.sku == sku)
            ).one()

    def delivered(self, order: str, sku: str) -> int:
        return self._line(order, sku).qty_delivered

    def pending(self, order: str, sku: str) -> int:
        return self._line(order, sku).qty_pending

    def reserved(self, order: str, sku: str) -> int:
        return self._line(order, sku).qty_allocated

    def cancelled(self, order: str, sku: str) -> int:
        return self._line(order, sku).qty_cancelled

    def invoiced(self, order: str, sku: str) -> int:
        return self._line(order, sku).qty_invoiced

    def returned(self, order: str, sku: str) -> int:
        return self._line(order, sku).qty_returned

    def cancel_reason(self, order: str, sku: str) -> str:
        return self._line(order, sku).cancel_reason

    def _product(self, sku: str) -> Any:
        with self.db.read() as s:
            return s.execute(select(*Product.__table__.c).where(Product.sku == sku)).one()

    def on_hand(self, sku: str) -> int:
        return self._product(sku).on_hand

    def available(self, sku: str) -> int:
        """Free to sell: sellable on hand minus what is reserved."""
        p = self._product(sku)
        return p.on_hand - p.allocated

    def allocated(self, sku: str) -> int:
        return self._product(sku).allocated

    def defective(self, sku: str) -> int:
        return self._product(sku).defective

    def status(self, order: str) -> str:
        with self.db.read() as s:
            return s.execute(
                select(SalesOrder.status).where(SalesOrder.number == order)
            ).scalar_one()

    def invoices(self, order: str) -> list[Doc]:
        with self.db.read() as s:
            rows = s.execute(
                select(Invoice).join(SalesOrder, SalesOrder.id == Invoice.order_id)
                .where(SalesOrder.number == order).order_by(Invoice.id)
            ).scalars()
            return [Doc(i.number, i.net, i.tax, i.gross, i.paid, i.credited) for i in rows]

    def invoice(self, number: str) -> Doc:
        with self.db.read() as s:
            i = s.execute(select(Invoice).where(Invoice.number == number)).scalar_one()
            return Doc(i.number, i.net, i.tax, i.gross, i.paid, i.credited)

    def invoiced_qty(self, invoice: str, sku: str) -> int:
        with self.db.read() as s:
            return sum(s.execute(
                select(InvoiceLine.qty).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                .join(Product, Product.id == InvoiceLine.product_id)
                .where(Invoice.number == invoice, Product.sku == sku)
            ).scalars())

    def credit_notes(self, order: str) -> list[Doc]:
        with self.db.read() as s:
            rows = s.execute(
                select(CreditNote).join(SalesOrder, SalesOrder.id == CreditNote.order_id)
                .where(SalesOrder.number == order).order_by(CreditNote.id)
            ).scalars()
            return [Doc(c.number, c.net, c.tax, c.gross) for c in rows]

    def delivery_costs(self, order: str, sku: str) -> list[Decimal]:
        """The frozen FIFO cost of each delivery of this order's `sku`, oldest first."""
        with self.db.read() as s:
            return list(s.execute(
                select(DeliveryLine.cost)
                .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
                .join(SalesOrder, SalesOrder.id == Delivery.order_id)
                .join(Product, Product.id == DeliveryLine.product_id)
                .where(SalesOrder.number == order, Product.sku == sku)
                .order_by(DeliveryLine.id)
            ).scalars())

    # -- whole-shop views --------------------------------------------------------------------

    def problems(self) -> list[str]:
        return [f"{r.name}: {r.detail}" for r in run_checks(self.db) if not r.ok]

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, to prove a refusal changed nothing."""
        with self.db.read() as s:
            names = s.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )).scalars().all()
            return {
                name: sorted(map(tuple, s.execute(text(f'SELECT * FROM "{name}"')).all()), key=repr)
                for name in sorted(names)
            }
