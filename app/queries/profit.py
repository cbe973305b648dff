"""Profit from real costs, at every level: order, customer, project, product, month.

    profit = revenue (invoiced net) - credits (credit notes net) - cost of goods delivered
             + cost of returned goods (they came back) - defective loss (returned goods that
             cannot be sold) + recoveries (defective goods the supplier took back at cost)

Every figure is a sum of stored, immutable document amounts (integer cents in SQL, so the
sums are exact), each dated by its own document: an invoice in March counts in March.
The sums over all orders equal the document and ledger totals (`reconciliation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.queries._sql import cents, money_from_cents
from db.models import (
    CostLayer,
    CreditNote,
    CreditNoteLine,
    Customer,
    CustomerReturn,
    Delivery,
    DeliveryLine,
    Disposal,
    DisposalLine,
    Invoice,
    InvoiceLine,
    LayerConsumption,
    Product,
    Project,
    ReturnLine,
    SalesOrder,
    StockMove,
)

DIMENSIONS = ("order", "customer", "project", "product", "month")
COMPONENTS = ("revenue", "credits", "cogs", "returned_cost", "defective_loss", "recoveries")


@dataclass(frozen=True)
class ProfitRow:
    key: str
    label: str
    revenue: Decimal
    credits: Decimal
    cogs: Decimal
    returned_cost: Decimal
    defective_loss: Decimal
    recoveries: Decimal
    profit: Decimal
    margin: Decimal | None  # profit as a percentage of net revenue (revenue - credits)

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue - self.credits


@dataclass(frozen=True)
class ProfitReport:
    by: str
    date_from: date | None
    date_to: date | None
    rows: list[ProfitRow]
    totals: ProfitRow


def make_row(key: str, label: str, parts: dict[str, Decimal]) -> ProfitRow:
    revenue, credits, cogs = parts["revenue"], parts["credits"], parts["cogs"]
    returned, defective, recovered = (
        parts["returned_cost"],
        parts["defective_loss"],
        parts["recoveries"],
    )
    profit = revenue - credits - cogs + returned - defective + recovered
    net = revenue - credits
    margin = (profit * 100 / net).quantize(Decimal("0.1")) if net else None
    return ProfitRow(
        key, label, revenue, credits, cogs, returned, defective, recovered, profit, margin
    )


def _between(column: Any, date_from: date | None, date_to: date | None) -> list[Any]:
    where = []
    if date_from is not None:
        where.append(column >= date_from)
    if date_to is not None:
        where.append(column <= date_to)
    return where


def _component(name: str, stmt_cols: dict[str, Any], value: Any) -> list[Any]:
    """Columns of one UNION branch: the dimension columns, then one value per component."""
    return [
        *stmt_cols.values(),
        *[(value if comp == name else literal(0)).label(comp) for comp in COMPONENTS],
    ]


def _branches(
    line_level: bool,
    date_from: date | None,
    date_to: date | None,
    order_ids: Sequence[int] | None,
) -> list[Select[Any]]:
    """One SELECT per component, each giving (order_id, product_id, day, components...)."""

    def cols(order_id: Any, product_id: Any, day: Any) -> dict[str, Any]:
        return {
            "order_id": order_id.label("order_id"),
            "product_id": (product_id if line_level else null()).label("product_id"),
            "day": day.label("day"),
        }

    def limit(stmt: Select[Any], order_col: Any) -> Select[Any]:
        if order_ids is not None:
            stmt = stmt.where(order_col.in_(order_ids))
        return stmt

    branches: list[Select[Any]] = []
    if line_level:
        branches.append(
            limit(
                select(
                    *_component(
                        "revenue",
                        cols(Invoice.order_id, InvoiceLine.product_id, Invoice.issue_date),
                        cents(InvoiceLine.net),
                    )
                )
                .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                .where(*_between(Invoice.issue_date, date_from, date_to)),
                Invoice.order_id,
            )
        )
        branches.append(
            limit(
                select(
                    *_component(
                        "credits",
                        cols(CreditNote.order_id, CreditNoteLine.product_id, CreditNote.issue_date),
                        cents(CreditNoteLine.net),
                    )
                )
                .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
                .where(*_between(CreditNote.issue_date, date_from, date_to)),
                CreditNote.order_id,
            )
        )
    else:
        branches.append(
            limit(
                select(
                    *_component(
                        "revenue",
                        cols(Invoice.order_id, null(), Invoice.issue_date),
                        cents(Invoice.net),
                    )
                ).where(*_between(Invoice.issue_date, date_from, date_to)),
                Invoice.order_id,
            )
        )
        branches.append(
            limit(
                select(
                    *_component(
                        "credits",
                        cols(CreditNote.order_id, null(), CreditNote.issue_date),
                        cents(CreditNote.net),
                    )
                ).where(*_between(CreditNote.issue_date, date_from, date_to)),
                CreditNote.order_id,
            )
        )
    branches.append(
        limit(
            select(
                *_component(
                    "cogs",
                    cols(Delivery.order_id, DeliveryLine.product_id, Delivery.delivery_date),
                    cents(DeliveryLine.cost),
                )
            )
            .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
            .where(*_between(Delivery.delivery_date, date_from, date_to)),
            Delivery.order_id,
        )
    )
    branches.append(
        limit(
            select(
                *_component(
                    "returned_cost",
                    cols(
                        CustomerReturn.order_id, ReturnLine.product_id, CustomerReturn.return_date
                    ),
                    cents(ReturnLine.cost),
                )
            )
            .join(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
            .where(*_between(CustomerReturn.return_date, date_from, date_to)),
            CustomerReturn.order_id,
        )
    )
    branches.append(
        limit(
            select(
                *_component(
                    "defective_loss",
                    cols(
                        CustomerReturn.order_id, ReturnLine.product_id, CustomerReturn.return_date
                    ),
                    cents(ReturnLine.cost),
                )
            )
            .join(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
            .where(
                ReturnLine.condition == "defective",
                *_between(CustomerReturn.return_date, date_from, date_to),
            ),
            CustomerReturn.order_id,
        )
    )
    # Defective goods sent back to the supplier: their cost comes back to the order they
    # were returned on (the layer remembers its return line).
    branches.append(
        limit(
            select(
                *_component(
                    "recoveries",
                    cols(CustomerReturn.order_id, ReturnLine.product_id, Disposal.disposal_date),
                    LayerConsumption.qty * cents(LayerConsumption.unit_cost),
                )
            )
            .join(DisposalLine, DisposalLine.id == LayerConsumption.disposal_line_id)
            .join(Disposal, Disposal.id == DisposalLine.disposal_id)
            .join(CostLayer, CostLayer.id == LayerConsumption.layer_id)
            .join(ReturnLine, ReturnLine.id == CostLayer.return_line_id)
            .join(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
            .where(
                Disposal.kind == "supplier_return",
                *_between(Disposal.disposal_date, date_from, date_to),
            ),
            CustomerReturn.order_id,
        )
    )
    return branches


def _aggregate(
    session: Session,
    by: str,
    date_from: date | None,
    date_to: date | None,
    order_ids: Sequence[int] | None = None,
) -> list[tuple[Any, ...]]:
    parts = union_all(*_branches(by == "product", date_from, date_to, order_ids)).subquery()
    sums = [func.sum(parts.c[comp]).label(comp) for comp in COMPONENTS]
    if by == "order":
        key = parts.c.order_id
        stmt = (
            select(SalesOrder.number, SalesOrder.number + " · " + Customer.name, *sums)
            .select_from(parts)
            .join(SalesOrder, SalesOrder.id == parts.c.order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .group_by(key, SalesOrder.number, Customer.name)
            .order_by(SalesOrder.number)
        )
    elif by == "customer":
        stmt = (
            select(Customer.code, Customer.name, *sums)
            .select_from(parts)
            .join(SalesOrder, SalesOrder.id == parts.c.order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .group_by(Customer.id, Customer.code, Customer.name)
            .order_by(Customer.code)
        )
    elif by == "project":
        name = func.coalesce(Project.name, "")
        stmt = (
            select(name, func.coalesce(Project.name, "(no project)"), *sums)
            .select_from(parts)
            .join(SalesOrder, SalesOrder.id == parts.c.order_id)
            .outerjoin(Project, Project.id == SalesOrder.project_id)
            .group_by(Project.name)
            .order_by(name)
        )
    elif by == "product":
        stmt = (
            select(Product.sku, Product.name, *sums)
            .select_from(parts)
            .join(Product, Product.id == parts.c.product_id)
            .group_by(Product.id, Product.sku, Product.name)
            .order_by(Product.sku)
        )
    elif by == "month":
        month = func.substr(func.cast(parts.c.day, _text_type()), 1, 7)
        stmt = select(month, month, *sums).select_from(parts).group_by(month).order_by(month)
    else:
        raise InvalidInput(f"Profit can be shown by {', '.join(DIMENSIONS)}; not by {by!r}.")
    return list(session.execute(stmt).tuples())


def _text_type() -> Any:
    from sqlalchemy import String

    return String()


def profit_report(
    session: Session, by: str, date_from: date | None = None, date_to: date | None = None
) -> ProfitReport:
    if by not in DIMENSIONS:
        raise InvalidInput(f"Profit can be shown by {', '.join(DIMENSIONS)}; not by {by!r}.")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("The start date is after the end date.")
    rows = []
    totals = dict.fromkeys(COMPONENTS, Decimal(0))
    for key, label, *values in _aggregate(session, by, date_from, date_to):
        parts = {comp: money_from_cents(v) for comp, v in zip(COMPONENTS, values, strict=True)}
        for comp in COMPONENTS:
            totals[comp] += parts[comp]
        rows.append(make_row(str(key), str(label), parts))
    return ProfitReport(by, date_from, date_to, rows, make_row("", "Total", totals))


def order_profit(session: Session, order_ids: Sequence[int]) -> dict[int, ProfitRow]:
    """Profit of a page of orders (the Orders list's margin column), in one query."""
    if not order_ids:
        return {}
    parts = union_all(*_branches(False, None, None, list(order_ids))).subquery()
    stmt = select(parts.c.order_id, *[func.sum(parts.c[c]) for c in COMPONENTS]).group_by(
        parts.c.order_id
    )
    result = {}
    for order_id, *values in session.execute(stmt).tuples():
        parts_ = {comp: money_from_cents(v) for comp, v in zip(COMPONENTS, values, strict=True)}
        result[int(order_id)] = make_row(str(order_id), "", parts_)
    return result


def reconciliation(
    session: Session, date_from: date | None = None, date_to: date | None = None
) -> dict[str, Decimal]:
    """Totals taken straight from the documents and the stock ledger, to compare with the
    sums of any profit report over the same dates."""

    def total(stmt: Select[Any]) -> Decimal:
        return money_from_cents(session.execute(stmt).scalar())

    invoiced = total(
        select(func.sum(cents(Invoice.net))).where(
            *_between(Invoice.issue_date, date_from, date_to)
        )
    )
    credited = total(
        select(func.sum(cents(CreditNote.net))).where(
            *_between(CreditNote.issue_date, date_from, date_to)
        )
    )
    # cost of goods from the ledger: the delivery moves themselves
    delivered_cost = total(
        select(func.sum(cents(StockMove.cost)))
        .join(DeliveryLine, DeliveryLine.id == StockMove.delivery_line_id)
        .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .where(StockMove.kind == "delivery", *_between(Delivery.delivery_date, date_from, date_to))
    )
    returned_cost = total(
        select(func.sum(cents(StockMove.cost)))
        .join(ReturnLine, ReturnLine.id == StockMove.return_line_id)
        .join(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
        .where(
            StockMove.kind == "return", *_between(CustomerReturn.return_date, date_from, date_to)
        )
    )
    defective_loss = total(
        select(func.sum(cents(StockMove.cost)))
        .join(ReturnLine, ReturnLine.id == StockMove.return_line_id)
        .join(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
        .where(
            StockMove.kind == "return",
            StockMove.to_location == "defective",
            *_between(CustomerReturn.return_date, date_from, date_to),
        )
    )
    recoveries = total(
        select(func.sum(LayerConsumption.qty * cents(LayerConsumption.unit_cost)))
        .join(DisposalLine, DisposalLine.id == LayerConsumption.disposal_line_id)
        .join(Disposal, Disposal.id == DisposalLine.disposal_id)
        .join(CostLayer, CostLayer.id == LayerConsumption.layer_id)
        .where(
            Disposal.kind == "supplier_return",
            CostLayer.return_line_id.is_not(None),
            *_between(Disposal.disposal_date, date_from, date_to),
        )
    )
    profit = invoiced - credited - delivered_cost + returned_cost - defective_loss + recoveries
    return {
        "invoiced_net": invoiced,
        "credited_net": credited,
        "cost_of_goods_delivered": delivered_cost,
        "cost_of_returns": returned_cost,
        "defective_loss": defective_loss,
        "supplier_recoveries": recoveries,
        "profit": profit,
    }


def totals_match(report: ProfitReport, recon: dict[str, Decimal]) -> bool:
    t = report.totals
    return (
        t.revenue == recon["invoiced_net"]
        and t.credits == recon["credited_net"]
        and t.cogs == recon["cost_of_goods_delivered"]
        and t.returned_cost == recon["cost_of_returns"]
        and t.defective_loss == recon["defective_loss"]
        and t.recoveries == recon["supplier_recoveries"]
        and t.profit == recon["profit"]
    )
