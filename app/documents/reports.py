"""Report workbooks: profit (with its reconciliation), pending queue, returns, stock value and
receivables aging, each written through the generic writer in `xlsx`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from app.documents.xlsx import Column, Sheet, write_workbook
from app.queries import pending as pending_q
from app.queries import profit as profit_q
from app.queries import reports as reports_q

Target = str | Path | IO[bytes]
MARGIN_TOTAL = (
    '=IF({col_revenue}{row}-{col_credits}{row}=0,"",'
    "{col_profit}{row}/({col_revenue}{row}-{col_credits}{row}))"
)
RECONCILED_BY = ("order", "customer", "project", "product")


def _settings(session: Session) -> tuple[str, str]:
    from app.settings import load

    s = load(session)
    return s.currency, s.shop_name


def profit_columns(by: str) -> list[Column]:
    key = {"order": "Order", "customer": "Customer no.", "project": "Project",
           "product": "SKU", "month": "Month"}[by]
    return [
        Column(key, "text", 16),
        Column("Name", "text", 32),
        Column("Revenue", "money", total=True),
        Column("Credits", "money", total=True),
        Column("COGS", "money", total=True),
        Column("Returned cost", "money", total=True),
        Column("Defective loss", "money", total=True),
        Column("Recoveries", "money", total=True),
        Column("Profit", "money", total=True),
        Column("Margin", "percent", total_formula=MARGIN_TOTAL),
    ]


def _profit_rows(report: profit_q.ProfitReport) -> Iterator[list[Any]]:
    for r in report.rows:
        yield [r.key, r.label, r.revenue, r.credits, r.cogs, r.returned_cost, r.defective_loss,
               r.recoveries, r.profit, r.margin]


RECON_MEASURES = (
    ("Revenue (invoiced net)", "revenue", "invoiced_net"),
    ("Credit notes (net)", "credits", "credited_net"),
    ("Cost of goods delivered", "cogs", "cost_of_goods_delivered"),
    ("Cost of returned goods", "returned_cost", "cost_of_returns"),
    ("Defective loss", "defective_loss", "defective_loss"),
    ("Supplier recoveries", "recoveries", "supplier_recoveries"),
    ("Profit", "profit", "profit"),
)


def reconciliation_rows(
    session: Session, by: str, main: profit_q.ProfitReport, date_from: date | None,
    date_to: date | None,
) -> list[list[Any]]:
    """Per measure: the document/ledger total, then the sum over each dimension's rows, and
    whether they all agree. Each sum is the report's own total (the sum of its rows)."""
    recon = profit_q.reconciliation(session, date_from, date_to)
    totals = {}
    for dim in RECONCILED_BY:
        report = main if dim == by else profit_q.profit_report(session, dim, date_from, date_to)
        totals[dim] = report.totals
    rows = []
    for title, field, key in RECON_MEASURES:
        sums = [getattr(totals[d], field) for d in RECONCILED_BY]
        documents = recon[key]
        rows.append([title, documents, *sums,
                     "yes" if all(s == documents for s in sums) else "NO"])
    return rows


def write_profit(
    session: Session, target: Target, by: str, date_from: date | None = None,
    date_to: date | None = None,
) -> dict[str, int]:
    currency, shop = _settings(session)
    report = profit_q.profit_report(session, by, date_from, date_to)
    recon = reconciliation_rows(session, by, report, date_from, date_to)
    recon_cols = [Column("Measure", "text", 28), Column("Documents and ledger", "money", 20)]
    recon_cols += [Column(f"Sum by {d}", "money", 16) for d in RECONCILED_BY]
    recon_cols.append(Column("All equal", "text", 10))
    return write_workbook(
        target,
        [Sheet(f"Profit by {by}", profit_columns(by), _profit_rows(report)),
         Sheet("Reconciliation", recon_cols, recon)],
        [("Report", "Profit"), ("Shop", shop), ("By", by), ("From", date_from),
         ("To", date_to), ("Currency", currency), ("Rows", len(report.rows))],
        currency=currency,
    )


PENDING_COLUMNS = [
    Column("SKU", "text", 14), Column("Product", "text", 28), Column("Position", "int", 9),
    Column("Order", "text", 16), Column("Customer", "text", 28), Column("Due date", "date"),
    Column("Order date", "date"), Column("Pending", "int", total=True),
    Column("Reserved", "int", total=True), Column("Waiting days", "int"),
    Column("Expected", "date"), Column("Ship complete", "text", 12),
]


def pending_rows(rows: list[pending_q.PendingRow]) -> list[list[Any]]:
    return [[r.sku, r.product, r.position, r.order, r.customer, r.due_date, r.order_date,
             r.qty_pending, r.qty_allocated, r.waiting_days, r.expected_date,
             "yes" if r.ship_complete else "no"] for r in rows]


def write_pending(session: Session, target: Target, sku: str | None = None) -> dict[str, int]:
    currency, shop = _settings(session)
    rows = pending_q.pending_queue(session, sku)
    return write_workbook(
        target, [Sheet("Pending queue", PENDING_COLUMNS, pending_rows(rows))],
        [("Report", "Pending queue"), ("Shop", shop), ("SKU", sku), ("Rows", len(rows))],
        currency=currency,
    )


RETURNS_COLUMNS = [
    Column("Reason", "text", 28), Column("Condition", "text", 12),
    Column("Returns", "int", total=True), Column("Quantity", "int", total=True),
    Column("Cost of returned goods", "money", 18, total=True),
    Column("Credited (net)", "money", 16, total=True),
    Column("Defective loss", "money", 16, total=True),
]


def returns_rows(rows: list[reports_q.ReturnsRow]) -> list[list[Any]]:
    return [[r.reason, r.condition, r.returns, r.qty, r.cost, r.credited, r.defective_loss]
            for r in rows]


def write_returns(session: Session, target: Target, date_from: date | None = None,
                  date_to: date | None = None) -> dict[str, int]:
    currency, shop = _settings(session)
    rows = reports_q.returns_report(session, date_from, date_to)
    return write_workbook(
        target, [Sheet("Returns", RETURNS_COLUMNS, returns_rows(rows))],
        [("Report", "Returns by reason and condition"), ("Shop", shop), ("From", date_from),
         ("To", date_to)],
        currency=currency,
    )


STOCK_COLUMNS = [
    Column("SKU", "text", 14), Column("Product", "text", 32),
    Column("Sellable qty", "int", total=True), Column("Sellable value", "money", 16, total=True),
    Column("Defective qty", "int", total=True),
    Column("Defective value", "money", 16, total=True),
    Column("Total value", "money", 16, total=True),
]


def stock_rows(rows: list[reports_q.StockValueRow]) -> list[list[Any]]:
    return [[r.sku, r.product, r.sellable_qty, r.sellable_value, r.defective_qty,
             r.defective_value, r.total_value] for r in rows]


def write_stock(session: Session, target: Target) -> dict[str, int]:
    currency, shop = _settings(session)
    rows = reports_q.stock_valuation(session)
    return write_workbook(
        target, [Sheet("Stock value", STOCK_COLUMNS, stock_rows(rows))],
        [("Report", "Stock valuation (FIFO, remaining layers)"), ("Shop", shop),
         ("As of", date.today())],
        currency=currency,
    )


AGING_COLUMNS = [
    Column("Customer no.", "text", 14), Column("Customer", "text", 30),
    Column("Open", "money", total=True), Column("Current", "money", total=True),
    Column("1-30 days", "money", total=True), Column("31-60 days", "money", total=True),
    Column("61-90 days", "money", total=True), Column("Over 90 days", "money", total=True),
    Column("Invoices", "int", total=True),
]
OPEN_INVOICE_COLUMNS = [
    Column("Invoice", "text", 16), Column("Customer no.", "text", 14),
    Column("Customer", "text", 28), Column("Issued", "date"), Column("Due", "date"),
    Column("Gross", "money", total=True), Column("Paid", "money", total=True),
    Column("Credited", "money", total=True), Column("Open", "money", total=True),
    Column("Days overdue", "int"), Column("Bucket", "text", 10),
]


def aging_rows(rows: list[reports_q.AgingRow]) -> list[list[Any]]:
    return [[r.customer_code, r.customer, r.open, r.current, r.d1_30, r.d31_60, r.d61_90,
             r.d90_plus, r.invoices] for r in rows]


def open_invoice_rows(rows: list[reports_q.OpenInvoice]) -> list[list[Any]]:
    return [[r.number, r.customer_code, r.customer, r.issue_date, r.due_date, r.gross, r.paid,
             r.credited, r.open, r.days_overdue, r.bucket] for r in rows]


def write_aging(session: Session, target: Target, as_of: date | None = None) -> dict[str, int]:
    currency, shop = _settings(session)
    as_of = as_of or date.today()
    per_customer, invoices = reports_q.receivables_aging(session, as_of)
    return write_workbook(
        target,
        [Sheet("Aging by customer", AGING_COLUMNS, aging_rows(per_customer)),
         Sheet("Open invoices", OPEN_INVOICE_COLUMNS, open_invoice_rows(invoices))],
        [("Report", "Receivables aging"), ("Shop", shop), ("As of", as_of),
         ("Open", sum((r.open for r in per_customer), Decimal("0.00")))],
        currency=currency,
    )
