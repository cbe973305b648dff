"""`shopdesk report profit|pending|returns|stock|aging`: a workbook with -o FILE.xlsx, else a
text table (or --json)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app import formatting as fmt
from app.cli import add_command, add_group, emit, open_db, table
from app.errors import InvalidInput


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} must be a date as YYYY-MM-DD, not {text!r}.") from None


def _xlsx(path: str) -> Path:
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise InvalidInput(f"Reports are written as .xlsx workbooks, not {out.name!r}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _save(args: argparse.Namespace, write: Any, *params: Any) -> int:
    """Write to a temporary name, then rename: a failed export leaves no broken workbook."""
    out = _xlsx(args.output)
    tmp = out.with_name(out.name + ".part")
    with open_db(args).read() as session:
        counts = write(session, tmp, *params)
    tmp.replace(out)
    emit(args, {"file": str(out), "rows": counts},
         f"Wrote {out} ({', '.join(f'{n}: {c} rows' for n, c in counts.items())})")
    return 0


def _currency(session: Any) -> str:
    from app.settings import load

    return load(session).currency


def cmd_profit(args: argparse.Namespace) -> int:
    from app.documents import reports
    from app.queries.profit import profit_report

    start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    if args.output:
        return _save(args, reports.write_profit, args.by, start, end)
    with open_db(args).read() as session:
        report = profit_report(session, args.by, start, end)
        cur = _currency(session)
    rows = [*report.rows, report.totals]
    emit(args, {"by": args.by, "rows": report.rows, "totals": report.totals}, lambda: table(
        ["Key", "Name", "Revenue", "Credits", "COGS", "Profit", "Margin"],
        [[r.key, r.label, fmt.money(r.revenue, cur), fmt.money(r.credits, cur),
          fmt.money(r.cogs, cur), fmt.money(r.profit, cur),
          "" if r.margin is None else fmt.percent(r.margin)] for r in rows],
        right=range(2, 7)))
    return 0


def cmd_pending(args: argparse.Namespace) -> int:
    from app.documents import reports
    from app.queries.pending import pending_queue

    if args.output:
        return _save(args, reports.write_pending, args.sku)
    with open_db(args).read() as session:
        rows = pending_queue(session, args.sku)
    emit(args, {"rows": rows}, lambda: table(
        ["SKU", "#", "Order", "Customer", "Due", "Pending", "Waiting", "Expected"],
        [[r.sku, r.position, r.order, r.customer, fmt.day(r.due_date), r.qty_pending,
          r.waiting_days, fmt.day(r.expected_date)] for r in rows], right=(1, 5, 6)))
    return 0


def cmd_returns(args: argparse.Namespace) -> int:
    from app.documents import reports
    from app.queries.reports import returns_report

    start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    if args.output:
        return _save(args, reports.write_returns, start, end)
    with open_db(args).read() as session:
        rows = returns_report(session, start, end)
        cur = _currency(session)
    emit(args, {"rows": rows}, lambda: table(
        ["Reason", "Condition", "Returns", "Qty", "Cost", "Credited", "Defective loss"],
        [[r.reason, r.condition, r.returns, r.qty, fmt.money(r.cost, cur),
          fmt.money(r.credited, cur), fmt.money(r.defective_loss, cur)] for r in rows],
        right=range(2, 7)))
    return 0


def cmd_stock(args: argparse.Namespace) -> int:
    from app.documents import reports
    from app.queries.reports import stock_valuation

    if args.output:
        return _save(args, reports.write_stock)
    with open_db(args).read() as session:
        rows = stock_valuation(session)
        cur = _currency(session)
    emit(args, {"rows": [{**r.__dict__, "total_value": r.total_value} for r in rows]},
         lambda: table(
             ["SKU", "Product", "Sellable", "Value", "Defective", "Value", "Total"],
             [[r.sku, r.product, r.sellable_qty, fmt.money(r.sellable_value, cur),
               r.defective_qty, fmt.money(r.defective_value, cur),
               fmt.money(r.total_value, cur)] for r in rows], right=range(2, 7)))
    return 0


def cmd_aging(args: argparse.Namespace) -> int:
    from app.documents import reports
    from app.queries.reports import receivables_aging

    as_of = _day(args.as_of, "--as-of")
    if args.output:
        return _save(args, reports.write_aging, as_of)
    with open_db(args).read() as session:
        rows, invoices = receivables_aging(session, as_of)
        cur = _currency(session)
    emit(args, {"customers": rows, "invoices": invoices}, lambda: table(
        ["Customer", "Open", "Current", "1-30", "31-60", "61-90", "90+"],
        [[r.customer_code, *(fmt.money(v, cur) for v in (r.open, r.current, r.d1_30, r.d31_60,
                                                         r.d61_90, r.d90_plus))]
         for r in rows], right=range(1, 7)))
    return 0


def register(subparsers: Any) -> None:
    from app.queries.profit import DIMENSIONS

    g = add_group(subparsers, "report", "reports as workbooks (-o FILE.xlsx) or text tables")
    p = add_command(g, "profit", cmd_profit, help="profit by order, customer, project or product")
    p.add_argument("--by", choices=DIMENSIONS, default="order")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("-o", "--output", metavar="FILE.xlsx")
    p = add_command(g, "pending", cmd_pending, help="the pending queue")
    p.add_argument("--sku")
    p.add_argument("-o", "--output", metavar="FILE.xlsx")
    p = add_command(g, "returns", cmd_returns,
                    help="returns by reason and condition, with defective losses")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("-o", "--output", metavar="FILE.xlsx")
    p = add_command(g, "stock", cmd_stock, help="stock valuation (FIFO value of what is left)")
    p.add_argument("-o", "--output", metavar="FILE.xlsx")
    p = add_command(g, "aging", cmd_aging, help="receivables aging per customer")
    p.add_argument("--as-of", metavar="YYYY-MM-DD")
    p.add_argument("-o", "--output", metavar="FILE.xlsx")
