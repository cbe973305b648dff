"""Stock per product (on hand, allocated, available, incoming, defective, FIFO value), a
product's move history, and the pickers' searches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session

from app.queries._sql import cents, like, money_from_cents
from db.models import (
    CostLayer,
    Customer,
    CustomerReturn,
    Delivery,
    DeliveryLine,
    Disposal,
    DisposalLine,
    Product,
    PurchaseLine,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    ReturnLine,
    StockAdjustment,
    StockMove,
    Supplier,
)


@dataclass(frozen=True)
class StockRow:
    product_id: int
    sku: str
    name: str
    ean: str | None
    unit_price: Decimal
    tax_rate: Decimal
    on_hand: int
    allocated: int
    available: int
    incoming: int
    defective: int
    reorder_level: int
    low: bool
    fifo_value: Decimal  # remaining sellable layers at their cost
    average_cost: Decimal | None
    active: bool


def _stock_rows(session: Session, where: Iterable) -> list[StockRow]:  # type: ignore[type-arg]
    incoming = (
        select(
            PurchaseLine.product_id.label("pid"),
            func.sum(PurchaseLine.qty_ordered - PurchaseLine.qty_received).label("qty"),
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseLine.purchase_order_id)
        .where(
            PurchaseOrder.cancelled.is_(False), PurchaseLine.qty_received < PurchaseLine.qty_ordered
        )
        .group_by(PurchaseLine.product_id)
        .subquery()
    )
    # FIFO value in cents: integer arithmetic in SQL, exact
    layer_value = (
        select(
            CostLayer.product_id.label("pid"),
            func.sum(CostLayer.qty_remaining * cents(CostLayer.unit_cost)).label("cents"),
        )
        .where(CostLayer.location == "sellable", CostLayer.qty_remaining > 0)
        .group_by(CostLayer.product_id)
        .subquery()
    )
    stmt = (
        select(
            Product,
            func.coalesce(incoming.c.qty, 0),
            func.coalesce(layer_value.c.cents, 0),
        )
        .outerjoin(incoming, incoming.c.pid == Product.id)
        .outerjoin(layer_value, layer_value.c.pid == Product.id)
        .where(*where)
        .order_by(Product.sku)
    )
    rows = []
    for product, incoming_qty, value_cents in session.execute(stmt).tuples():
        fifo_value = money_from_cents(value_cents)
        rows.append(
            StockRow(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                ean=product.ean,
                unit_price=product.unit_price,
                tax_rate=product.tax_rate,
                on_hand=product.on_hand,
                allocated=product.allocated,
                available=product.on_hand - product.allocated,
                incoming=int(incoming_qty),
                defective=product.defective,
                reorder_level=product.reorder_level,
                low=product.on_hand <= product.reorder_level,
                fifo_value=fifo_value,
                average_cost=(fifo_value / product.on_hand).quantize(Decimal("0.01"))
                if product.on_hand
                else None,
                active=product.active,
            )
        )
    return rows


def stock_overview(session: Session, search: str = "", low_only: bool = False) -> list[StockRow]:
    where = []
    if search.strip():
        pattern = like(search.strip())
        where.append(
            or_(
                Product.sku.ilike(pattern, escape="\\"),
                Product.name.ilike(pattern, escape="\\"),
                Product.ean == search.strip(),
            )
        )
    if low_only:
        where.append(Product.on_hand <= Product.reorder_level)
    return _stock_rows(session, where)


def stock_for(session: Session, skus: Iterable[str]) -> dict[str, StockRow]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    return {row.sku: row for row in _stock_rows(session, [Product.sku.in_(wanted)])}


@dataclass(frozen=True)
class MoveRow:
    id: int
    at: datetime
    kind: str
    from_location: str
    to_location: str
    qty: int
    cost: Decimal
    document: str  # the document that made the move: GR-…, DN-…, RT-…, DS-…, ADJ-…


def product_moves(session: Session, sku: str, limit: int = 1000) -> list[MoveRow]:
    """Newest first. Every move names its document (one outer join per kind, no N+1)."""
    from app.services.common import product_by_sku

    product = product_by_sku(session, sku)
    document = func.coalesce(
        Receipt.number,
        Delivery.number,
        CustomerReturn.number,
        Disposal.number,
        StockAdjustment.number,
        literal(""),
    )
    stmt = (
        select(StockMove, document)
        .outerjoin(ReceiptLine, ReceiptLine.id == StockMove.receipt_line_id)
        .outerjoin(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .outerjoin(DeliveryLine, DeliveryLine.id == StockMove.delivery_line_id)
        .outerjoin(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .outerjoin(ReturnLine, ReturnLine.id == StockMove.return_line_id)
        .outerjoin(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
        .outerjoin(DisposalLine, DisposalLine.id == StockMove.disposal_line_id)
        .outerjoin(Disposal, Disposal.id == DisposalLine.disposal_id)
        .outerjoin(StockAdjustment, StockAdjustment.id == StockMove.adjustment_id)
        .where(StockMove.product_id == product.id)
        .order_by(StockMove.id.desc())
        .limit(limit)
    )
    return [
        MoveRow(m.id, m.created_at, m.kind, m.from_location, m.to_location, m.qty, m.cost, doc)
        for m, doc in session.execute(stmt).tuples()
    ]


@dataclass(frozen=True)
class ProductHit:
    sku: str
    name: str
    ean: str | None
    unit_price: Decimal
    tax_rate: Decimal
    available: int


def product_search(session: Session, text: str, limit: int = 20) -> list[ProductHit]:
    """Exact SKU or EAN first, then SKU prefix, then name contains. Active products only."""
    text = text.strip()
    if not text:
        stmt = select(Product).where(Product.active.is_(True)).order_by(Product.sku).limit(limit)
    else:
        rank = case(
            (or_(Product.sku == text, Product.ean == text), 0),
            (Product.sku.ilike(like(text)[1:], escape="\\"), 1),
            else_=2,
        )
        stmt = (
            select(Product)
            .where(
                Product.active.is_(True),
                or_(
                    Product.sku.ilike(like(text), escape="\\"),
                    Product.name.ilike(like(text), escape="\\"),
                    Product.ean == text,
                ),
            )
            .order_by(rank, Product.sku)
            .limit(limit)
        )
    return [
        ProductHit(p.sku, p.name, p.ean, p.unit_price, p.tax_rate, p.on_hand - p.allocated)
        for p in session.execute(stmt).scalars()
    ]


@dataclass(frozen=True)
class CustomerHit:
    code: str
    name: str
    ship_complete: bool


def customer_search(session: Session, text: str, limit: int = 20) -> list[CustomerHit]:
    text = text.strip()
    stmt = select(Customer.code, Customer.name, Customer.ship_complete)
    if text:
        stmt = stmt.where(
            or_(
                Customer.code.ilike(like(text), escape="\\"),
                Customer.name.ilike(like(text), escape="\\"),
            )
        ).order_by(case((Customer.code == text, 0), else_=1), Customer.name)
    else:
        stmt = stmt.order_by(Customer.name)
    return [CustomerHit(*r) for r in session.execute(stmt.limit(limit)).tuples()]


@dataclass(frozen=True)
class SupplierHit:
    code: str
    name: str


def supplier_search(session: Session, text: str, limit: int = 20) -> list[SupplierHit]:
    text = text.strip()
    stmt = select(Supplier.code, Supplier.name)
    if text:
        stmt = stmt.where(
            or_(
                Supplier.code.ilike(like(text), escape="\\"),
                Supplier.name.ilike(like(text), escape="\\"),
            )
        )
    return [
        SupplierHit(*r) for r in session.execute(stmt.order_by(Supplier.name).limit(limit)).tuples()
    ]


__all__ = [
    "CustomerHit",
    "MoveRow",
    "ProductHit",
    "StockRow",
    "SupplierHit",
    "customer_search",
    "product_moves",
    "product_search",
    "stock_for",
    "stock_overview",
    "supplier_search",
]
