"""The shop's tables. Rules that must never break are CHECK and UNIQUE constraints here too.

Quantities are whole units (pieces). Money columns are `Money` (Decimal, integer cents in the
database). Issued documents (invoices, credit notes, moves) are append-only: corrections are
new documents.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Money, MoneyType, Percent, Qty

LOCATIONS = ("sellable", "defective", "supplier", "customer", "adjustment", "scrap")
MOVE_KINDS = (
    "receipt",
    "delivery",
    "return",
    "adjustment",
    "damage",
    "write_off",
    "supplier_return",
)
CONDITIONS = ("sellable", "defective")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def _sparse_index(table: str, column: str) -> Index:
    """An index of a foreign key that most rows leave empty (a stock move has one source
    document of five kinds): only the rows that have it are indexed, so the other inserts
    skip it. Lookups by `column = value` (or IN) still use it on SQLite and PostgreSQL."""
    where = text(f"{column} IS NOT NULL")
    return Index(f"ix_{table}_{column}", column, sqlite_where=where, postgresql_where=where)


def _total() -> Any:
    """A running money total kept by the database's own default at insert (0), so the
    one-row INSERTs that write new rows need not name it."""
    return mapped_column(MoneyType(), nullable=False, server_default=text("0"))


# An order losing money so far, said exactly as its partial index says it (the queries use
# it verbatim, or SQLite would not use the index).
ORDER_LOSING = (
    "invoiced_net - credited_net - delivered_cost + returned_cost - defective_loss"
    " + recovered_cost < 0"
)


class Setting(Base):
    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class DocSequence(Base):
    """Gapless document numbers: one row per prefix and year, bumped inside the issuing txn."""

    __tablename__ = "doc_sequence"
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    __table_args__ = (CheckConstraint("last_value >= 0", name="last_value_not_negative"),)


class Customer(Base):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    tax_id: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    ship_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (CheckConstraint("length(code) > 0", name="code_not_empty"),)


class Supplier(Base):
    __tablename__ = "supplier"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (CheckConstraint("length(code) > 0", name="code_not_empty"),)


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Product(Base):
    """A product and its stock counters, kept in step with the moves in every transaction."""

    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    ean: Mapped[str | None] = mapped_column(String(14), unique=True, nullable=True)
    unit_price: Mapped[Money]
    tax_rate: Mapped[Percent]
    reorder_level: Mapped[Qty]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    on_hand: Mapped[Qty]  # sellable location
    allocated: Mapped[Qty]  # reserved for order lines, not yet delivered
    defective: Mapped[Qty]  # defective location
    __table_args__ = (
        CheckConstraint("length(sku) > 0", name="sku_not_empty"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 10000", name="tax_rate_range"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0 AND allocated <= on_hand", name="allocated_within_on_hand"),
        CheckConstraint("defective >= 0", name="defective_not_negative"),
        CheckConstraint("reorder_level >= 0", name="reorder_level_not_negative"),
    )


class SalesOrder(Base):
    __tablename__ = "sales_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    order_date: Mapped[date] = mapped_column(Date, index=True)
    promised_date: Mapped[date | None] = mapped_column(Date)
    ship_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # Derived from the lines, stored so that 100,000 orders filter by status in SQL.
    status: Mapped[str] = mapped_column(String(12), index=True)
    net_total: Mapped[Money]
    gross_total: Mapped[Money]
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The order's profit so far, by component (revision 0006): sums of its documents, added
    # in the same transaction as each document (app.services.order_totals) and compared with
    # the documents by `shopdesk check`, so the profit by order, customer or project over all
    # dates and the losing orders read 100,000 orders instead of every document line.
    invoiced_net: Mapped[Decimal] = _total()  # its invoices, net
    credited_net: Mapped[Decimal] = _total()  # its credit notes, net
    delivered_cost: Mapped[Decimal] = _total()  # FIFO cost of its delivery lines
    returned_cost: Mapped[Decimal] = _total()  # original cost of its returned goods
    defective_loss: Mapped[Decimal] = _total()  # ... of which came back defective
    recovered_cost: Mapped[Decimal] = _total()  # defective returns the supplier took back
    __table_args__ = (
        CheckConstraint(
            _in("status", ("open", "pending", "partial", "done", "cancelled")), name="status_known"
        ),
    )


class SalesOrderLine(Base):
    """ordered = delivered + pending + cancelled, always (a CHECK, not a hope)."""

    __tablename__ = "sales_order_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    # looked up through UNIQUE (order_id, line_no), which starts with it
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    qty_ordered: Mapped[Qty]
    qty_delivered: Mapped[Qty]
    qty_pending: Mapped[Qty]
    qty_cancelled: Mapped[Qty]
    qty_allocated: Mapped[Qty]  # part of pending already reserved (reserve-only mode)
    qty_invoiced: Mapped[Qty]
    qty_returned: Mapped[Qty]
    unit_price: Mapped[Money]
    discount: Mapped[Percent]
    tax_rate: Mapped[Percent]
    net_amount: Mapped[Money]  # of the ordered quantity, rounded once
    due_date: Mapped[date] = mapped_column(Date)  # promised date, else order date: queue order
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("qty_ordered > 0", name="ordered_positive"),
        CheckConstraint(
            "qty_delivered >= 0 AND qty_pending >= 0 AND qty_cancelled >= 0"
            " AND qty_allocated >= 0 AND qty_invoiced >= 0 AND qty_returned >= 0",
            name="quantities_not_negative",
        ),
        CheckConstraint(
            "qty_ordered = qty_delivered + qty_pending + qty_cancelled", name="quantity_conserved"
        ),
        CheckConstraint("qty_allocated <= qty_pending", name="allocated_within_pending"),
        CheckConstraint("qty_invoiced <= qty_delivered", name="invoiced_within_delivered"),
        CheckConstraint("qty_returned <= qty_delivered", name="returned_within_delivered"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("discount >= 0 AND discount <= 10000", name="discount_range"),
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 10000", name="tax_rate_range"),
        # The pending queue: a product's unserved lines in service order, one index range scan.
        # It also holds the two quantities (revision 0007), so listing the queue reads no
        # line row; their changes rewrite the entry anyway (they decide the WHERE).
        Index(
            "ix_sales_order_line_queue",
            "product_id",
            "due_date",
            "order_id",
            "id",
            "qty_pending",
            "qty_allocated",
            sqlite_where=text("qty_pending > qty_allocated"),
            postgresql_where=text("qty_pending > qty_allocated"),
        ),
    )


class PurchaseOrder(Base):
    __tablename__ = "purchase_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    for_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    order_date: Mapped[date] = mapped_column(Date)
    expected_date: Mapped[date | None] = mapped_column(Date)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PurchaseLine(Base):
    __tablename__ = "purchase_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    qty_ordered: Mapped[Qty]
    qty_received: Mapped[Qty]
    unit_cost: Mapped[Money]
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "line_no"),
        CheckConstraint("qty_ordered > 0", name="ordered_positive"),
        CheckConstraint(
            "qty_received >= 0 AND qty_received <= qty_ordered", name="received_within_ordered"
        ),
        CheckConstraint("unit_cost >= 0", name="cost_not_negative"),
    )


class Receipt(Base):
    """Goods received, with or without a purchase order."""

    __tablename__ = "receipt"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    purchase_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_order.id"), index=True
    )
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    receipt_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ReceiptLine(Base):
    __tablename__ = "receipt_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    purchase_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    qty: Mapped[Qty]
    unit_cost: Mapped[Money]
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("unit_cost >= 0", name="cost_not_negative"),
    )


class IssuedParties:
    """Customer and shop as printed when the document was issued (migration 0003): a reprint
    reads these, never the live records. Frozen by database triggers like the rest."""

    customer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    customer_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    customer_tax_id: Mapped[str] = mapped_column(String(40), default="", server_default="")
    shop_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    shop_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    shop_tax_id: Mapped[str] = mapped_column(Text, default="", server_default="")


class Delivery(IssuedParties, Base):
    __tablename__ = "delivery"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    delivery_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DeliveryLine(Base):
    __tablename__ = "delivery_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    # delivery_id and product_id: looked up through the covering indexes at the end
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Qty]
    cost: Mapped[Money]  # FIFO cost of goods, frozen at delivery
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
    )


class Allocation(Base):
    """Why an order line got goods: which event served it, how much, at which queue position."""

    __tablename__ = "allocation"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    qty: Mapped[Qty]
    trigger: Mapped[str] = mapped_column(String(12))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("customer_return.id"))
    delivery_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery_line.id"), index=True
    )
    queue_position: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        _sparse_index("allocation", "receipt_id"),
        _sparse_index("allocation", "return_id"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint(
            _in("trigger", ("order", "receipt", "return", "adjustment", "retry")),
            name="trigger_known",
        ),
    )


class Invoice(IssuedParties, Base):
    """Issued once per delivery; immutable except for the paid and credited running totals."""

    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # looked up through ix_invoice_order_net (order_id, net)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    issue_date: Mapped[date] = mapped_column(Date, index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    tax_rounding: Mapped[str] = mapped_column(String(10))
    net: Mapped[Money]
    tax: Mapped[Money]
    gross: Mapped[Money]
    paid: Mapped[Money]
    credited: Mapped[Money]
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("net >= 0 AND tax >= 0 AND gross = net + tax", name="totals_consistent"),
        CheckConstraint("paid >= 0 AND credited >= 0", name="paid_credited_not_negative"),
        CheckConstraint("paid <= gross", name="paid_within_gross"),
        CheckConstraint(_in("tax_rounding", ("line", "document")), name="tax_rounding_known"),
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    delivery_line_id: Mapped[int] = mapped_column(ForeignKey("delivery_line.id"), index=True)
    # looked up through ix_invoice_line_product_net (product_id, net)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    description: Mapped[str] = mapped_column(String(200))
    qty: Mapped[Qty]
    unit_price: Mapped[Money]
    discount: Mapped[Percent]
    tax_rate: Mapped[Percent]
    net: Mapped[Money]
    tax: Mapped[Money]  # rounded per line (shown); the invoice's tax follows its rounding mode
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("net >= 0 AND tax >= 0", name="amounts_not_negative"),
    )


class Payment(Base):
    __tablename__ = "payment"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    amount: Mapped[Money]
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(40), default="")
    reference: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


class CustomerReturn(Base):
    __tablename__ = "customer_return"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    return_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ReturnLine(Base):
    __tablename__ = "return_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("customer_return.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    qty: Mapped[Qty]
    condition: Mapped[str] = mapped_column(String(10))
    cost: Mapped[Money]  # the original FIFO cost of the returned units
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint(_in("condition", CONDITIONS), name="condition_known"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
    )


class CreditNote(IssuedParties, Base):
    """Corrects one invoice; a return that spans several invoices issues one note per invoice."""

    __tablename__ = "credit_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("customer_return.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    issue_date: Mapped[date] = mapped_column(Date, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    tax_rounding: Mapped[str] = mapped_column(String(10))
    net: Mapped[Money]
    tax: Mapped[Money]
    gross: Mapped[Money]
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("net >= 0 AND tax >= 0 AND gross = net + tax", name="totals_consistent"),
    )


class CreditNoteLine(Base):
    __tablename__ = "credit_note_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("credit_note.id"), index=True)
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_line.id"), index=True)
    return_line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    qty: Mapped[Qty]
    unit_price: Mapped[Money]
    discount: Mapped[Percent]
    tax_rate: Mapped[Percent]
    net: Mapped[Money]
    tax: Mapped[Money]
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("net >= 0 AND tax >= 0", name="amounts_not_negative"),
    )


class Disposal(Base):
    """A decision on defective stock: written off (a loss) or sent back to the supplier."""

    __tablename__ = "disposal"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    disposal_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint(_in("kind", ("write_off", "supplier_return")), name="kind_known"),
    )


class StockAdjustment(Base):
    """A counted correction of sellable stock (found, lost, damaged in the shop)."""

    __tablename__ = "stock_adjustment"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    qty_change: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Money]
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (CheckConstraint("qty_change <> 0", name="qty_change_not_zero"),)


class CostLayer(Base):
    """FIFO: what one receipt (or return) put into a location, and what of it is left."""

    __tablename__ = "cost_layer"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    location: Mapped[str] = mapped_column(String(12))
    qty_in: Mapped[Qty]
    qty_remaining: Mapped[Qty]
    unit_cost: Mapped[Money]
    receipt_line_id: Mapped[int | None] = mapped_column(ForeignKey("receipt_line.id"), index=True)
    return_line_id: Mapped[int | None] = mapped_column(ForeignKey("return_line.id"), index=True)
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("stock_adjustment.id"))
    # Back-to-back: goods bought for this sales order are consumed by it first.
    for_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint(_in("location", ("sellable", "defective")), name="location_known"),
        CheckConstraint("qty_in > 0", name="qty_in_positive"),
        CheckConstraint(
            "qty_remaining >= 0 AND qty_remaining <= qty_in", name="remaining_within_in"
        ),
        CheckConstraint("unit_cost >= 0", name="cost_not_negative"),
        Index(
            "ix_cost_layer_open",
            "product_id",
            "location",
            "id",
            sqlite_where=text("qty_remaining > 0"),
            postgresql_where=text("qty_remaining > 0"),
        ),
    )


class LayerConsumption(Base):
    """Units taken from a cost layer, and by what: a delivery, an adjustment or a disposal."""

    __tablename__ = "layer_consumption"
    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("cost_layer.id"), index=True)
    qty: Mapped[Qty]
    unit_cost: Mapped[Money]
    qty_returned: Mapped[Qty]  # of a delivery's units, how many came back
    delivery_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery_line.id"), index=True
    )
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("stock_adjustment.id"))
    disposal_line_id: Mapped[int | None] = mapped_column(ForeignKey("disposal_line.id"))
    __table_args__ = (
        _sparse_index("layer_consumption", "disposal_line_id"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_returned >= 0 AND qty_returned <= qty", name="returned_within_qty"),
    )


class DisposalLine(Base):
    __tablename__ = "disposal_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    disposal_id: Mapped[int] = mapped_column(ForeignKey("disposal.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    qty: Mapped[Qty]
    cost: Mapped[Money]  # value of the defective units at their FIFO cost
    recovered: Mapped[Money]  # what the supplier credits back (supplier returns)
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("cost >= 0 AND recovered >= 0", name="amounts_not_negative"),
    )


class StockMove(Base):
    """The stock ledger. Immutable; on-hand per location is the sum of these rows."""

    __tablename__ = "stock_move"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    kind: Mapped[str] = mapped_column(String(16))
    from_location: Mapped[str] = mapped_column(String(12))
    to_location: Mapped[str] = mapped_column(String(12))
    qty: Mapped[Qty]
    cost: Mapped[Decimal] = mapped_column(MoneyType(), nullable=False, default=Decimal(0))
    receipt_line_id: Mapped[int | None] = mapped_column(ForeignKey("receipt_line.id"))
    delivery_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery_line.id"), index=True
    )
    return_line_id: Mapped[int | None] = mapped_column(ForeignKey("return_line.id"))
    disposal_line_id: Mapped[int | None] = mapped_column(ForeignKey("disposal_line.id"))
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("stock_adjustment.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("from_location <> to_location", name="locations_differ"),
        CheckConstraint(_in("kind", MOVE_KINDS), name="kind_known"),
        CheckConstraint(_in("from_location", LOCATIONS), name="from_location_known"),
        CheckConstraint(_in("to_location", LOCATIONS), name="to_location_known"),
        Index("ix_stock_move_product", "product_id", "id"),
        *(_sparse_index("stock_move", column) for column in (
            "receipt_line_id", "return_line_id", "disposal_line_id", "adjustment_id")),
    )


ROLES = ("owner", "clerk", "accountant")


class AppUser(Base):
    """Someone who works in the shop; the PIN is stored as an scrypt hash with its own salt."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    pin_hash: Mapped[str] = mapped_column(String(128))  # hex
    pin_salt: Mapped[str] = mapped_column(String(64))  # hex
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role_known"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )


class AuditLog(Base):
    """Who did what to which document: append-only (database triggers refuse changes)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    document: Mapped[str] = mapped_column(String(200), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")  # JSON: {"before": {..}, "after": {..}}


# Covering indexes for the reports (revision 0004): the profit, pending and exceptions scans
# over 100,000 orders read these instead of the tables (profit by product 2.0 s -> 0.14 s).
Index("ix_invoice_order_net", Invoice.order_id, Invoice.net)
Index("ix_delivery_line_delivery_cost", DeliveryLine.delivery_id, DeliveryLine.cost)
Index("ix_invoice_line_product_net", InvoiceLine.product_id, InvoiceLine.net)
Index("ix_delivery_line_product_cost", DeliveryLine.product_id, DeliveryLine.cost)
# (revision 0005) with what "pending too long" shows, so it reads no pending line's row
Index(
    "ix_sales_order_line_pending",
    SalesOrderLine.order_id,
    SalesOrderLine.qty_pending,
    SalesOrderLine.product_id,
    SalesOrderLine.unit_price,
    SalesOrderLine.discount,
    sqlite_where=text("qty_pending > 0"),
    postgresql_where=text("qty_pending > 0"),
)
# (revision 0005) invoices with something open, by due date: overdue invoices and the open
# ones to pay. A query uses it when it says exactly INVOICE_OPEN.
INVOICE_OPEN = "gross > paid + credited"
Index(
    "ix_invoice_open_due",
    Invoice.due_date,
    sqlite_where=text(INVOICE_OPEN),
    postgresql_where=text(INVOICE_OPEN),
)
# (revision 0006) the orders losing money so far: the exceptions list them from here
Index(
    "ix_sales_order_losing",
    SalesOrder.id,
    sqlite_where=text(ORDER_LOSING),
    postgresql_where=text(ORDER_LOSING),
)
Index(
    "ix_sales_order_line_not_invoiced",
    SalesOrderLine.order_id,
    sqlite_where=text("qty_delivered > qty_invoiced"),
    postgresql_where=text("qty_delivered > qty_invoiced"),
)
