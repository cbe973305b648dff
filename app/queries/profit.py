"""Profit from real costs, at every level: order, customer, project, product, month.

    profit = revenue (invoiced net) - credits (credit notes net) - cost of goods delivered
             + cost of returned goods (they came back) - defective loss (returned goods that
             cannot be sold) + recoveries (defective goods the supplier took back at cost)

Every figure is a sum of stored, immutable document amounts (integer cents in SQL, so the
sums are exact), each dated by its own document: an invoice in March counts in March.
The sums over all orders equal the document and ledger totals (`reconciliation`).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Select,
    String,
    cast,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.queries._sql import cents, collector_paused, driver_rows, money_from_cents
from db.models import (
    ORDER_LOSING,
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

    if not TYPE_CHECKING:  # (mypy keeps checking attribute names)

        def __getattr__(self, name: str) -> Any:
            """A row made by `_row_from_cents` holds integer cents and makes its Decimals when
            one is first read: a 100,000-order report is built in a fraction of the time and
            mostly never looked at. Same fields, values, equality and repr as any ProfitRow."""
            fields_ = self.__dict__
            cents = fields_.get("_cents") if name in _LAZY_FIELDS else None
            if cents is None:
                if name in _LAZY_FIELDS and name in fields_:  # made meanwhile by another thread
                    return fields_[name]
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            revenue, credits, cogs, returned, defective, recovered = cents
            profit = _profit_cents(cents)
            net = revenue - credits
            made = {
                "revenue": revenue * _CENT if revenue else _ZERO,
                "credits": credits * _CENT if credits else _ZERO,
                "cogs": cogs * _CENT if cogs else _ZERO,
                "returned_cost": returned * _CENT if returned else _ZERO,
                "defective_loss": defective * _CENT if defective else _ZERO,
                "recoveries": recovered * _CENT if recovered else _ZERO,
                "profit": profit * _CENT if profit else _ZERO,
                # profit as a percentage of net revenue
                "margin": (Decimal(profit * 100) / net).quantize(_TENTH) if net else None,
            }
            fields_.update(made)  # all at once, then the cents go: a reader sees one or other
            fields_.pop("_cents", None)
            return made[name]


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


def _component_sums(
    by: str, date_from: date | None, date_to: date | None
) -> list[tuple[int, Select[Any]]]:
    """One SELECT per component (its index in COMPONENTS), summed per key `k`: an order id
    (for the order, customer and project reports), a product id or a month. A line table
    joins its header only when the header's order, date or month is needed: the product
    report over all dates reads the line tables alone."""
    filtered = date_from is not None or date_to is not None
    month = by == "month"

    def key(order_col: Any, product_col: Any, day_col: Any) -> Any:
        if by == "product":
            # Limited to dates, grouped by `product_id + 0`: SQLite would otherwise walk the
            # lines in their product index's order (to group without sorting) and fetch each
            # line's header at random to test its date; from the dated headers to their lines
            # it is 0.69 -> 0.08 s for a year's invoices at 100,000 orders.
            return product_col + 0 if filtered else product_col
        if month:
            return func.substr(func.cast(day_col, String()), 1, 7)
        return order_col

    def branch(
        name: str, value: Any, source: Any, order_col: Any, product_col: Any, day_col: Any,
        where: Sequence[Any] = (),
    ) -> tuple[int, Select[Any]]:
        k = key(order_col, product_col, day_col)
        total = cast(func.sum(value), BigInteger)  # PostgreSQL sums bigint as numeric
        stmt = select(k.label("k"), total.label(name)).select_from(source).where(
            *where, *_between(day_col, date_from, date_to)
        )
        return COMPONENTS.index(name), stmt.group_by(k)

    lines_alone = by == "product" and not filtered
    branches: list[tuple[int, Select[Any]]] = []
    if by == "product":  # revenue and credits per product come from the document lines
        if lines_alone:
            branches.append(branch("revenue", cents(InvoiceLine.net), InvoiceLine.__table__,
                                   None, InvoiceLine.product_id, None))
            branches.append(branch("credits", cents(CreditNoteLine.net),
                                   CreditNoteLine.__table__, None, CreditNoteLine.product_id, None))
        else:
            branches.append(branch(
                "revenue", cents(InvoiceLine.net),
                InvoiceLine.__table__.join(Invoice, Invoice.id == InvoiceLine.invoice_id),
                Invoice.order_id, InvoiceLine.product_id, Invoice.issue_date))
            branches.append(branch(
                "credits", cents(CreditNoteLine.net),
                CreditNoteLine.__table__.join(
                    CreditNote, CreditNote.id == CreditNoteLine.credit_note_id),
                CreditNote.order_id, CreditNoteLine.product_id, CreditNote.issue_date))
    else:
        branches.append(branch("revenue", cents(Invoice.net), Invoice.__table__,
                               Invoice.order_id, None, Invoice.issue_date))
        branches.append(branch("credits", cents(CreditNote.net), CreditNote.__table__,
                               CreditNote.order_id, None, CreditNote.issue_date))
    if lines_alone:
        branches.append(branch("cogs", cents(DeliveryLine.cost), DeliveryLine.__table__,
                               None, DeliveryLine.product_id, None))
    else:
        branches.append(branch(
            "cogs", cents(DeliveryLine.cost),
            DeliveryLine.__table__.join(Delivery, Delivery.id == DeliveryLine.delivery_id),
            Delivery.order_id, DeliveryLine.product_id, Delivery.delivery_date))
    returns = ReturnLine.__table__.join(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
    branches.append(branch("returned_cost", cents(ReturnLine.cost), returns,
                           CustomerReturn.order_id, ReturnLine.product_id,
                           CustomerReturn.return_date))
    branches.append(branch("defective_loss", cents(ReturnLine.cost), returns,
                           CustomerReturn.order_id, ReturnLine.product_id,
                           CustomerReturn.return_date, [ReturnLine.condition == "defective"]))
    # Defective goods sent back to the supplier: their cost comes back to the order they
    # were returned on (the layer remembers its return line).
    recovered = (
        LayerConsumption.__table__
        .join(DisposalLine, DisposalLine.id == LayerConsumption.disposal_line_id)
        .join(Disposal, Disposal.id == DisposalLine.disposal_id)
        .join(CostLayer, CostLayer.id == LayerConsumption.layer_id)
        .join(ReturnLine, ReturnLine.id == CostLayer.return_line_id)
        .join(CustomerReturn, CustomerReturn.id == ReturnLine.return_id)
    )
    # `disposal_line_id > 0` (true of every joined row: ids are positive) lets SQLite start
    # from the disposals' consumptions through their index instead of scanning every
    # consumption of every delivery (25 ms of each 100,000-order report, for a few rows)
    branches.append(branch("recoveries", LayerConsumption.qty * cents(LayerConsumption.unit_cost),
                           recovered, CustomerReturn.order_id, ReturnLine.product_id,
                           Disposal.disposal_date, [Disposal.kind == "supplier_return",
                                                    LayerConsumption.disposal_line_id > 0]))
    return branches


def _sums(
    session: Session,
    by: str,
    date_from: date | None = None,
    date_to: date | None = None,
    regroup: dict[Any, Any] | None = None,
) -> dict[Any, list[int]]:
    """Per key, the six components in integer cents. Each component's grouped SELECT runs on
    its own and the few hundred thousand grouped rows are merged here: regrouping a UNION ALL
    in SQL cost SQLite two temporary B-trees (half the time of a 100,000-order report).
    `regroup` maps an order id to the key it is summed under (its customer or project)."""
    conn = session.connection()
    branches = _component_sums(by, date_from, date_to)
    sums: dict[Any, list[int]] = {}
    if regroup is None:  # revenue (COMPONENTS[0]) comes first, one row per key
        sums = {k: [value, 0, 0, 0, 0, 0] for k, value in driver_rows(conn, branches.pop(0)[1])}
    get = sums.get
    for index, stmt in branches:
        rows = driver_rows(conn, stmt)  # integer keys (or month text) and cents
        if regroup is not None:
            rows = [(regroup[k], value) for k, value in rows]
        for k, value in rows:
            parts = get(k)
            if parts is None:
                parts = sums[k] = [0, 0, 0, 0, 0, 0]
            parts[index] += value
    return sums


# profit = revenue - credits - cogs + returned cost - defective loss + recoveries
_SIGNS = (1, -1, -1, 1, -1, 1)  # of each of COMPONENTS


def _profit_cents(parts: Sequence[int]) -> int:
    return sum(map(operator.mul, _SIGNS, parts))


# Each order's components as kept on the order (revision 0006, app.services.order_totals),
# in COMPONENTS' order, integer cents: the reports over all dates read these.
_STORED = tuple(cents(SalesOrder.__table__.c[name]) for name in (
    "invoiced_net", "credited_net", "delivered_cost", "returned_cost", "defective_loss",
    "recovered_cost"))
# An order has documents once it has a delivery (every other document follows one), and
# then its status is partial or done for good (a delivery is never undone).
_DELIVERED = SalesOrder.status.in_(("partial", "done"))


def losing_orders_cents(session: Session) -> list[tuple[int, int]]:
    """(profit in cents, order id) of every order whose profit so far is below zero, worst
    first, from the orders' own totals through their partial index (ix_sales_order_losing):
    a few rows, not a sum over every document of the shop."""
    profit = sum(
        (column * sign for column, sign in zip(_STORED[1:], _SIGNS[1:], strict=True)),
        _STORED[0],
    )
    stmt = select(profit, SalesOrder.id).where(text(ORDER_LOSING))
    return sorted(driver_rows(session.connection(), stmt))


def document_order_sums(session: Session) -> dict[int, list[int]]:
    """Per order, the six components summed from the documents themselves (integer cents):
    what the orders' kept totals must equal (`shopdesk check`)."""
    return _sums(session, "order")


def _pairs(conn: Any, stmt: Select[Any]) -> dict[Any, Any]:
    return dict(driver_rows(conn, stmt))


def _report_rows(
    session: Session, by: str, date_from: date | None, date_to: date | None
) -> list[tuple[str, str, list[int]]]:
    """(key, label, the six components in cents) per row, in the report's order."""
    conn = session.connection()
    if by in ("order", "customer", "project") and date_from is None and date_to is None:
        return _stored_rows(conn, by)
    if by == "order":
        sums = _sums(session, by, date_from, date_to)
        names = _pairs(conn, select(Customer.id, Customer.name))
        orders = driver_rows(conn, select(SalesOrder.id, SalesOrder.number, SalesOrder.customer_id)
                             .order_by(SalesOrder.number))
        return [
            (number, f"{number} · {names[customer_id]}", sums[order_id])
            for order_id, number, customer_id in orders
            if order_id in sums
        ]
    if by == "customer":
        of_order = _pairs(conn, select(SalesOrder.id, SalesOrder.customer_id))
        sums = _sums(session, by, date_from, date_to, regroup=of_order)
        customers = driver_rows(
            conn, select(Customer.id, Customer.code, Customer.name).order_by(Customer.code))
        return [(code, name, sums[customer_id])
                for customer_id, code, name in customers if customer_id in sums]
    if by == "project":
        of_order = _pairs(conn, select(SalesOrder.id, SalesOrder.project_id))
        sums = _sums(session, by, date_from, date_to, regroup=of_order)
        rows = [("", "(no project)", sums[None])] if None in sums else []
        projects = driver_rows(conn, select(Project.id, Project.name).order_by(Project.name))
        rows += [(name, name, sums[project_id])
                 for project_id, name in projects if project_id in sums]
        return rows
    if by == "product":
        sums = _sums(session, by, date_from, date_to)
        products = driver_rows(
            conn, select(Product.id, Product.sku, Product.name).order_by(Product.sku))
        return [(sku, name, sums[product_id])
                for product_id, sku, name in products if product_id in sums]
    sums = _sums(session, by, date_from, date_to)  # month: "YYYY-MM" sorts as it reads
    return [(str(month), str(month), sums[month]) for month in sorted(sums)]


def _stored_rows(conn: Any, by: str) -> list[tuple[str, str, list[int]]]:
    """_report_rows over all dates by order, customer or project: from the orders' kept
    totals (one scan of the orders instead of every document line); the same rows."""
    if by == "order":
        names = _pairs(conn, select(Customer.id, Customer.name))
        orders = driver_rows(conn, select(SalesOrder.number, SalesOrder.customer_id, *_STORED)
                             .where(_DELIVERED).order_by(SalesOrder.number))
        return [(number, f"{number} · {names[customer_id]}", list(parts))
                for number, customer_id, *parts in orders]
    key = SalesOrder.customer_id if by == "customer" else SalesOrder.project_id
    total = [cast(func.sum(column), BigInteger) for column in _STORED]  # bigint on PostgreSQL
    sums = {k: list(parts) for k, *parts in driver_rows(
        conn, select(key, *total).where(_DELIVERED).group_by(key))}
    if by == "customer":
        customers = driver_rows(
            conn, select(Customer.id, Customer.code, Customer.name).order_by(Customer.code))
        return [(code, name, sums[customer_id])
                for customer_id, code, name in customers if customer_id in sums]
    rows = [("", "(no project)", sums[None])] if None in sums else []
    projects = driver_rows(conn, select(Project.id, Project.name).order_by(Project.name))
    return rows + [(name, name, sums[project_id])
                   for project_id, name in projects if project_id in sums]


_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_TENTH = Decimal("0.1")
# ProfitRow's Decimal fields: made from a row's cents when one is first read
_LAZY_FIELDS = frozenset((*COMPONENTS, "profit", "margin"))
_new = object.__new__


def _row_from_cents(key: str, label: str, parts: list[int]) -> ProfitRow:
    """make_row on integer cents: the same figures, each Decimal made when first read
    (ProfitRow.__getattr__); building 100,000 rows of eight Decimals was most of a report."""
    row = _new(ProfitRow)
    fields_ = row.__dict__  # a frozen dataclass: filled as its generated __init__ would
    fields_["key"] = key
    fields_["label"] = label
    fields_["_cents"] = parts
    return row


def profit_report(
    session: Session, by: str, date_from: date | None = None, date_to: date | None = None
) -> ProfitReport:
    if by not in DIMENSIONS:
        raise InvalidInput(f"Profit can be shown by {', '.join(DIMENSIONS)}; not by {by!r}.")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("The start date is after the end date.")
    with collector_paused():
        found = _report_rows(session, by, date_from, date_to)
        rows = [_row_from_cents(key, label, parts) for key, label, parts in found]
        totals = [sum(column) for column in zip(*[parts for _k, _l, parts in found], strict=True)]
    return ProfitReport(by, date_from, date_to, rows,
                        _row_from_cents("", "Total", totals or [0] * len(COMPONENTS)))


def order_profit(session: Session, order_ids: Sequence[int]) -> dict[int, ProfitRow]:
    """Profit of a page of orders (the Orders list's margin column), in one query."""
    if not order_ids:
        return {}
    stmt = select(SalesOrder.id, *_STORED).where(SalesOrder.id.in_(list(order_ids)), _DELIVERED)
    result = {}
    for order_id, *values in driver_rows(session.connection(), stmt):
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
