"""The order-to-cash commands: init, demo, master data, stock, orders, purchases, returns,
invoices, the pending queue, exceptions, links and check."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from app import formatting as fmt
from app import services
from app.cli import add_command, add_group, emit, open_db, table
from app.errors import InvalidInput

# -- argument helpers ---------------------------------------------------------------------


def parse_day(text: str | None, what: str = "Date") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} must be a date as YYYY-MM-DD, not {text!r}.") from None


def parse_items(
    items: list[str], *, need_cost: bool = False
) -> list[tuple[str, str, str | None, str | None]]:
    """SKU=QTY[@PRICE][%DISCOUNT] -> (sku, qty, price, discount)."""
    parsed = []
    for item in items:
        if "=" not in item:
            raise InvalidInput(
                f"Write lines as SKU=QTY{'@COST' if need_cost else '[@PRICE]'}, not {item!r}."
            )
        sku, rest = item.split("=", 1)
        discount = None
        if "%" in rest:
            rest, discount = rest.split("%", 1)
        price = None
        if "@" in rest:
            rest, price = rest.split("@", 1)
        if need_cost and price is None:
            raise InvalidInput(f"Give a unit cost for {sku}: {sku}={rest}@COST.")
        if not sku.strip():
            raise InvalidInput(f"A line is missing its SKU: {item!r}.")
        parsed.append((sku.strip(), rest.strip(), price, discount))
    return parsed


def _money(value: Decimal) -> str:
    return fmt.money(value, _currency())


_CURRENCY: list[str] = []


def _currency() -> str:
    return _CURRENCY[0] if _CURRENCY else "EUR"


def _db(args: argparse.Namespace, *, create: bool = False):  # type: ignore[no-untyped-def]
    database = open_db(args, create=create)
    from app.settings import load

    with database.read() as session:
        _CURRENCY[:] = [load(session).currency]
    return database


def _served_text(served: list[Any]) -> str:
    return "\n".join(
        f"  {s.order_number}: {s.qty} × {s.sku}"
        + (f" delivered ({s.delivery}), invoiced ({s.invoice})" if s.invoice else " reserved")
        for s in served
    )


# -- handlers --------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from db.migrate import ensure_current
    from db.session import Database, resolve_url

    database = Database(resolve_url(args.db))
    outcome = ensure_current(database, create=True)
    where = database.path or database.url
    emit(args, {"database": str(where), "result": outcome}, f"Shop ready at {where} ({outcome}).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import build_demo, build_demo_file
    from db.session import resolve_url, sqlite_path

    def progress(done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty() and (done % 100 == 0 or done == total):
            print(f"\r  {done}/{total} orders", end="" if done < total else "\n", file=sys.stderr)

    path = sqlite_path(resolve_url(args.db))
    if path is not None and not path.exists():  # a new file: built beside, renamed when done
        summary = build_demo_file(path, orders=args.orders, seed=args.seed, days=args.days,
                                  progress=progress)
    else:
        database = _db(args, create=True)
        with database.read() as session:
            from sqlalchemy import func, select

            from db.models import SalesOrder

            if session.execute(select(func.count(SalesOrder.id))).scalar():
                raise InvalidInput(
                    "This shop already has orders; a demo needs an empty shop "
                    "(use --db to name a new file)."
                )
        summary = build_demo(database, orders=args.orders, seed=args.seed, days=args.days,
                             progress=progress)
    emit(args, summary,
         f"Demo shop built: {summary.orders} orders, {summary.purchases} purchases, "
         f"{summary.receipts} receipts, {summary.returns} returns, {summary.payments} payments "
         f"in {summary.seconds} s.")
    return 0


def cmd_product_add(args: argparse.Namespace) -> int:
    r = services.add_product(_db(args), args.sku, args.name, args.price, args.tax, ean=args.ean,
                             reorder_level=args.reorder_level, update=args.update)
    emit(args, r, f"Product {r.code} {'created' if r.created else 'updated'}.")
    return 0


def cmd_product_price(args: argparse.Namespace) -> int:
    r = services.set_product_price(_db(args), args.sku, args.price)
    emit(args, r, f"Product {r.code}: new price saved.")
    return 0


def cmd_customer_add(args: argparse.Namespace) -> int:
    r = services.add_customer(_db(args), args.code, args.name, address=args.address,
                              tax_id=args.tax_id, email=args.email,
                              ship_complete=args.ship_complete, payment_terms_days=args.terms)
    emit(args, r, f"Customer {r.code} created.")
    return 0


def cmd_customer_list(args: argparse.Namespace) -> int:
    from app.queries.stock import customer_search

    with _db(args).read() as session:
        rows = customer_search(session, args.search or "", limit=args.limit)
    emit(args, {"customers": rows}, lambda: table(
        ["Code", "Name", "Ship complete"],
        [(r.code, r.name, "yes" if r.ship_complete else "") for r in rows]))
    return 0


def cmd_supplier_add(args: argparse.Namespace) -> int:
    r = services.add_supplier(_db(args), args.code, args.name, address=args.address,
                              email=args.email)
    emit(args, r, f"Supplier {r.code} created.")
    return 0


def cmd_stock_receive(args: argparse.Namespace) -> int:
    r = services.receive_stock(_db(args), args.sku, args.qty, args.cost, supplier=args.supplier,
                               note=args.note)
    emit(args, r, lambda: r.summary + ("\n" + _served_text(r.served) if r.served else ""))
    return 0


def cmd_stock_show(args: argparse.Namespace) -> int:
    from app.queries.stock import stock_overview

    with _db(args).read() as session:
        rows = stock_overview(session, search=args.sku or "", low_only=args.low)
        if args.sku:
            rows = [r for r in rows if r.sku == args.sku] or rows
    if args.sku and not rows:
        from app.errors import NotFound

        raise NotFound(f"There is no product with SKU {args.sku!r}.")
    emit(args, {"products": rows}, lambda: table(
        ["SKU", "Name", "On hand", "Allocated", "Available", "Incoming", "Defective",
         "FIFO value", "Avg cost"],
        [(r.sku, r.name, r.on_hand, r.allocated, r.available, r.incoming, r.defective,
          _money(r.fifo_value), _money(r.average_cost) if r.average_cost is not None else "")
         for r in rows],
        right=range(2, 9)))
    return 0


def cmd_stock_moves(args: argparse.Namespace) -> int:
    from app.queries.stock import product_moves

    with _db(args).read() as session:
        rows = product_moves(session, args.sku, limit=args.limit)
    emit(args, {"moves": rows}, lambda: table(
        ["When", "Kind", "From", "To", "Qty", "Cost", "Document"],
        [(fmt.moment(r.at), r.kind, r.from_location, r.to_location, r.qty, _money(r.cost),
          r.document) for r in rows], right=(4, 5)))
    return 0


def cmd_stock_adjust(args: argparse.Namespace) -> int:
    r = services.adjust_stock(_db(args), args.sku, args.change, args.reason, unit_cost=args.cost)
    emit(args, r, lambda: f"{r.number}: {r.sku} {r.qty_change:+d}, on hand now {r.on_hand}."
         + ("\n" + _served_text(r.served) if r.served else ""))
    return 0


def cmd_stock_damaged(args: argparse.Namespace) -> int:
    r = services.mark_defective(_db(args), args.sku, args.qty, args.reason)
    emit(args, r, f"{r.qty} × {r.sku} moved to defective stock (cost {_money(r.cost)}).")
    return 0


def cmd_defective(args: argparse.Namespace) -> int:
    action = "write_off" if args.defective_command == "write-off" else "supplier_return"
    r = services.dispose_defective(_db(args), args.sku, args.qty, action,
                                   supplier=getattr(args, "supplier", None), note=args.note)
    text = (f"{r.number}: {r.qty} × {r.sku} written off (loss {_money(r.cost)})."
            if action == "write_off" else
            f"{r.number}: {r.qty} × {r.sku} returned to the supplier "
            f"(recovered {_money(r.recovered)}).")
    emit(args, r, text)
    return 0


def cmd_order_create(args: argparse.Namespace) -> int:
    lines = [services.LineInput(sku, qty, price, discount or 0)
             for sku, qty, price, discount in parse_items(args.items)]
    r = services.create_order(
        _db(args), args.customer, lines, project=args.project,
        promised=parse_day(args.promised, "Promised date"),
        ship_complete=True if args.ship_complete else None, note=args.note,
    )

    def text() -> str:
        out = [f"Order {r.number} saved ({r.status})."]
        if r.served:
            out.append(_served_text(r.served))
        for sku, qty in r.pending.items():
            out.append(
                f"  pending: {qty} × {sku} (will be served automatically when stock arrives)"
            )
        return "\n".join(out)

    emit(args, r, text)
    return 0


def cmd_order_show(args: argparse.Namespace) -> int:
    from app.queries.orders import order_detail

    with _db(args).read() as session:
        d = order_detail(session, args.number)

    def text() -> str:
        head = [
            f"{d.number}  {d.customer_name} ({d.customer_code})  {d.status_label}",
            f"Ordered {fmt.day(d.order_date)}"
            + (f", promised {fmt.day(d.promised_date)}" if d.promised_date else "")
            + (f", project {d.project}" if d.project else "")
            + (", ship complete" if d.ship_complete else ""),
            "",
        ]
        body = table(
            ["#", "SKU", "Description", "Ordered", "Delivered", "Pending", "Invoiced",
             "Returned", "Cancelled", "Queue", "Expected"],
            [(ln.line_no, ln.sku, ln.description, ln.ordered, ln.delivered, ln.pending,
              ln.invoiced, ln.returned, ln.cancelled, ln.queue_position or "",
              fmt.day(ln.expected_date) if ln.expected_date else "") for ln in d.lines],
            right=range(3, 10))
        docs = "\n".join(f"  {doc.kind_label}: {doc.number}  {fmt.day(doc.date)}"
                         + (f"  {_money(doc.amount)}" if doc.amount is not None else "")
                         + (f"  ({doc.note})" if doc.note else "") for doc in d.documents)
        profit = ""
        if d.profit:
            p = d.profit
            profit = (f"\nProfit: {_money(p.profit)} (revenue {_money(p.revenue)}, credits "
                      f"{_money(p.credits)}, cost {_money(p.cogs)})")
        served = "\n".join(
            f"  {a.qty} × {a.sku} {fmt.moment(a.at)}: "
            + {"order": "in stock when ordered", "receipt": f"arrived with {a.source}",
               "return": f"came back with {a.source}", "adjustment": "found in a stock count",
               "retry": "freed by a cancellation"}.get(a.trigger, a.trigger)
            + (f" ({a.purchase}, {a.supplier})" if a.purchase else
               f" ({a.supplier})" if a.supplier else "")
            + (f"; place {a.position} in the queue" if a.trigger != "order" else "")
            + (f"; delivered {a.delivery}" if a.delivery else "; reserved")
            for a in d.allocations)
        return ("\n".join(head) + body + ("\n\nHow it was served:\n" + served if served else "")
                + ("\n\nDocuments:\n" + docs if docs else "") + profit)

    emit(args, d, text)
    return 0


def cmd_order_list(args: argparse.Namespace) -> int:
    from app.queries.orders import OrderFilter, order_ids, order_rows

    flt = OrderFilter(text=args.search or "", status=args.status, customer=args.customer,
                      date_from=parse_day(args.date_from), date_to=parse_day(args.date_to))
    with _db(args).read() as session:
        ids = order_ids(session, flt)[: args.limit]
        rows = sorted(order_rows(session, ids), key=lambda r: ids.index(r.id))
    emit(args, {"orders": rows}, lambda: table(
        ["Number", "Date", "Customer", "Status", "Gross", "Pending", "Margin"],
        [(r.number, r.order_date.isoformat(), r.customer_name, r.status_label,
          _money(r.gross_total), r.qty_pending,
          _money(r.margin) if r.margin is not None else "") for r in rows],
        right=(4, 5, 6)))
    return 0


def cmd_order_cancel(args: argparse.Namespace) -> int:
    r = services.cancel_pending(_db(args), args.number, args.reason, sku=args.sku)
    emit(args, r, lambda: f"{r.number}: cancelled "
         + ", ".join(f"{q} × {s}" for s, q in r.cancelled.items()) + f" ({r.status})."
         + ("\n" + _served_text(r.served_others) if r.served_others else ""))
    return 0


def cmd_order_deliver(args: argparse.Namespace) -> int:
    r = services.deliver_order(_db(args), args.number)
    emit(args, r, lambda: f"{r.number}: delivered ({', '.join(r.deliveries)}), invoiced "
         f"({', '.join(r.invoices)}).")
    return 0


def cmd_purchase_create(args: argparse.Namespace) -> int:
    lines = [services.PurchaseLineInput(sku, qty, cost)
             for sku, qty, cost, _ in parse_items(args.items, need_cost=True)]
    r = services.create_purchase(_db(args), args.supplier, lines, for_order=args.for_order,
                                 project=args.project,
                                 expected=parse_day(args.expected, "Expected date"),
                                 note=args.note)
    emit(args, r, f"Purchase order {r.number} saved.")
    return 0


def cmd_purchase_receive(args: argparse.Namespace) -> int:
    items = None
    if args.items:
        items = {sku: qty for sku, qty, _, _ in parse_items(args.items)}
    r = services.receive_purchase(_db(args), args.number, items, note=args.note)
    emit(args, r, lambda: r.summary + ("\n" + _served_text(r.served) if r.served else ""))
    return 0


def cmd_purchase_cancel(args: argparse.Namespace) -> int:
    r = services.cancel_purchase(_db(args), args.number)
    emit(args, r, f"Purchase order {r.number} cancelled.")
    return 0


def cmd_return_create(args: argparse.Namespace) -> int:
    items = {sku: qty for sku, qty, _, _ in parse_items(args.items)}
    r = services.create_return(_db(args), args.order, items, condition=args.condition,
                               reason=args.reason, note=args.note)
    emit(args, r, lambda: (
        f"Return {r.number} on {r.order}: "
        + ", ".join(f"{q} × {s}" for s, q in r.returned.items())
        + f" {r.condition}; credit note {', '.join(r.credit_notes)} for {_money(r.credited)}."
        + ("\n" + _served_text(r.served) if r.served else "")))
    return 0


def cmd_invoice_list(args: argparse.Namespace) -> int:
    from app.queries.invoices import invoice_rows

    with _db(args).read() as session:
        rows = invoice_rows(session, text=args.search or "", open_only=args.open)
    rows = rows[: args.limit] if args.limit else rows
    emit(args, {"invoices": rows}, lambda: table(
        ["Number", "Date", "Due", "Order", "Customer", "Gross", "Paid", "Credited", "Open"],
        [(r.number, r.issue_date.isoformat(), r.due_date.isoformat(), r.order, r.customer,
          _money(r.gross), _money(r.paid), _money(r.credited),
          _money(r.open) + (" overdue" if r.overdue else "")) for r in rows],
        right=range(5, 9)))
    return 0


def cmd_invoice_pay(args: argparse.Namespace) -> int:
    r = services.record_payment(_db(args), args.number, args.amount,
                                paid_on=parse_day(args.date, "Payment date"),
                                method=args.method, reference=args.reference)
    emit(args, r, f"Payment of {_money(r.amount)} recorded on {r.invoice}; "
         f"{_money(r.open)} still open.")
    return 0


def cmd_pending(args: argparse.Namespace) -> int:
    from app.queries.pending import pending_queue

    with _db(args).read() as session:
        rows = pending_queue(session, args.sku)
    emit(args, {"pending": rows}, lambda: table(
        ["SKU", "#", "Order", "Customer", "Due", "Pending", "Reserved", "Waiting", "Expected"],
        [(r.sku, r.position, r.order, r.customer, r.due_date.isoformat(), r.qty_pending,
          r.qty_allocated, f"{r.waiting_days} d",
          r.expected_date.isoformat() if r.expected_date else "")
         for r in rows], right=(1, 5, 6, 7)) if rows else "Nothing is pending.")
    return 0


def cmd_exceptions(args: argparse.Namespace) -> int:
    from app.queries.exceptions import exceptions

    with _db(args).read() as session:
        rows = exceptions(session)
    emit(args, {"exceptions": rows}, lambda: table(
        ["Kind", "Document", "What", "Age", "Amount", "Qty"],
        [(r.kind_label, r.document, r.subject, f"{r.age_days} d",
          _money(r.amount) if r.amount is not None else "", r.qty if r.qty is not None else "")
         for r in rows], right=(3, 4, 5)) if rows else "No exceptions: nothing is stuck.")
    return 0


def cmd_links(args: argparse.Namespace) -> int:
    from app.queries.links import document_chain

    with _db(args).read() as session:
        rows = document_chain(session, args.number)
    emit(args, {"documents": rows}, lambda: table(
        ["Kind", "Number", "Date", "Amount", "Note"],
        [(r.kind_label, r.number, r.date.isoformat() if r.date else "",
          _money(r.amount) if r.amount is not None else "", r.note) for r in rows],
        right=(3,)))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from app.queries.check import run_checks

    results = run_checks(_db(args), quick=args.quick)
    failed = [r for r in results if not r.ok]
    emit(args, {"ok": not failed, "checks": results}, lambda: "\n".join(
        f"{'ok  ' if r.ok else 'FAIL'}  {r.name}"
        + (f": {r.detail}" if r.detail and not r.ok else "")
        for r in results) + ("\nAll checks passed." if not failed else
                             f"\n{len(failed)} check(s) failed."))
    return 0 if not failed else 1


# -- registration ------------------------------------------------------------------------------


def register(sub: Any) -> None:
    add_command(sub, "init", cmd_init, help="create the shop database or upgrade it")
    p = add_command(sub, "demo", cmd_demo, help="build a realistic demo shop (empty shop only)")
    p.add_argument("--orders", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--days", type=int, default=None, help="history length (default: by size)")

    g = add_group(sub, "product", "products")
    p = add_command(g, "add", cmd_product_add, help="add a product (or --update it)")
    p.add_argument("sku")
    p.add_argument("name")
    p.add_argument("--price", required=True)
    p.add_argument("--tax", default=None, help="percent: 19 means 19 %%")
    p.add_argument("--ean", default=None)
    p.add_argument("--reorder-level", default=0)
    p.add_argument("--update", action="store_true", help="update an existing SKU instead")
    p = add_command(g, "price", cmd_product_price, help="set a product's list price")
    p.add_argument("sku")
    p.add_argument("price")

    g = add_group(sub, "customer", "customers")
    p = add_command(g, "add", cmd_customer_add, help="add a customer")
    p.add_argument("code")
    p.add_argument("name")
    p.add_argument("--address", default="")
    p.add_argument("--tax-id", default="")
    p.add_argument("--email", default="")
    p.add_argument("--ship-complete", action="store_true",
                   help="serve this customer's orders only when complete")
    p.add_argument("--terms", type=int, default=None, help="payment terms in days")
    p = add_command(g, "list", cmd_customer_list, help="list or search customers")
    p.add_argument("--search", default="")
    p.add_argument("--limit", type=int, default=1000)

    g = add_group(sub, "supplier", "suppliers")
    p = add_command(g, "add", cmd_supplier_add, help="add a supplier")
    p.add_argument("code")
    p.add_argument("name")
    p.add_argument("--address", default="")
    p.add_argument("--email", default="")

    g = add_group(sub, "stock", "stock on hand and its ledger")
    p = add_command(g, "receive", cmd_stock_receive, help="goods in without a purchase order")
    p.add_argument("sku")
    p.add_argument("qty")
    p.add_argument("--cost", required=True, help="unit cost")
    p.add_argument("--supplier", default=None)
    p.add_argument("--note", default="")
    p = add_command(g, "show", cmd_stock_show, help="stock per product")
    p.add_argument("sku", nargs="?")
    p.add_argument("--low", action="store_true", help="only products at or below reorder level")
    p = add_command(g, "moves", cmd_stock_moves, help="a product's move history")
    p.add_argument("sku")
    p.add_argument("--limit", type=int, default=200)
    p = add_command(g, "adjust", cmd_stock_adjust, help="correct sellable stock after a count")
    p.add_argument("sku")
    p.add_argument("change", help="+5 found, -2 lost")
    p.add_argument("--reason", required=True)
    p.add_argument("--cost", default=None, help="unit cost of found goods")
    p = add_command(g, "damaged", cmd_stock_damaged, help="move shelf goods to defective stock")
    p.add_argument("sku")
    p.add_argument("qty")
    p.add_argument("--reason", required=True)

    g = add_group(sub, "defective", "decide on defective stock")
    p = add_command(g, "write-off", cmd_defective, help="write defective goods off (a loss)")
    p.add_argument("sku")
    p.add_argument("qty")
    p.add_argument("--note", default="")
    p = add_command(g, "return", cmd_defective, help="send defective goods back to the supplier")
    p.add_argument("sku")
    p.add_argument("qty")
    p.add_argument("--supplier", required=True)
    p.add_argument("--note", default="")

    g = add_group(sub, "order", "sales orders")
    p = add_command(g, "create", cmd_order_create,
                    help="capture an order: what is in stock is served, the rest waits")
    p.add_argument("customer")
    p.add_argument("items", nargs="+", metavar="SKU=QTY[@PRICE][%DISCOUNT]")
    p.add_argument("--project", default=None)
    p.add_argument("--promised", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--ship-complete", action="store_true")
    p.add_argument("--note", default="")
    p = add_command(g, "show", cmd_order_show, help="an order with its lines and documents")
    p.add_argument("number")
    p = add_command(g, "list", cmd_order_list, help="list orders")
    p.add_argument("--search", default="")
    p.add_argument("--status", default=None)
    p.add_argument("--customer", default=None)
    p.add_argument("--from", dest="date_from", default=None)
    p.add_argument("--to", dest="date_to", default=None)
    p.add_argument("--limit", type=int, default=100)
    p = add_command(g, "cancel-pending", cmd_order_cancel, help="cancel what is still pending")
    p.add_argument("number")
    p.add_argument("--reason", required=True)
    p.add_argument("--sku", default=None)
    p = add_command(g, "deliver", cmd_order_deliver,
                    help="deliver and invoice reserved goods (reserve-only mode)")
    p.add_argument("number")

    g = add_group(sub, "purchase", "purchase orders")
    p = add_command(g, "create", cmd_purchase_create, help="order goods from a supplier")
    p.add_argument("supplier")
    p.add_argument("items", nargs="+", metavar="SKU=QTY@COST")
    p.add_argument("--for-order", default=None, help="bought for this sales order (back-to-back)")
    p.add_argument("--project", default=None)
    p.add_argument("--expected", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--note", default="")
    p = add_command(g, "receive", cmd_purchase_receive,
                    help="receive a purchase (all open, or SKU=QTY ...)")
    p.add_argument("number")
    p.add_argument("items", nargs="*", metavar="SKU=QTY")
    p.add_argument("--note", default="")
    p = add_command(g, "cancel", cmd_purchase_cancel, help="stop waiting for a purchase")
    p.add_argument("number")

    g = add_group(sub, "return", "customer returns")
    p = add_command(g, "create", cmd_return_create, help="take goods back on an order")
    p.add_argument("order")
    p.add_argument("items", nargs="+", metavar="SKU=QTY")
    p.add_argument("--condition", required=True, choices=("sellable", "defective"))
    p.add_argument("--reason", required=True)
    p.add_argument("--note", default="")

    g = add_group(sub, "invoice", "invoices and payments")
    p = add_command(g, "list", cmd_invoice_list, help="list invoices")
    p.add_argument("--open", action="store_true", help="only invoices not yet settled")
    p.add_argument("--search", default="")
    p.add_argument("--limit", type=int, default=0)
    p = add_command(g, "pay", cmd_invoice_pay, help="record a payment")
    p.add_argument("number")
    p.add_argument("amount")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--method", default="")
    p.add_argument("--reference", default="")
    try:
        from app.cli.documents import add_pdf_commands
    except ImportError:
        pass
    else:
        add_pdf_commands(g, None, None)

    p = add_command(sub, "pending", cmd_pending, help="the pending queue, in service order")
    p.add_argument("sku", nargs="?")
    add_command(sub, "exceptions", cmd_exceptions, help="what is stuck, late, missed or overdue")
    p = add_command(sub, "links", cmd_links, help="the chain of documents linked to one")
    p.add_argument("number")
    p = add_command(sub, "check", cmd_check,
                    help="integrity and every invariant; exit 0 when all hold")
    p.add_argument("--quick", action="store_true",
                   help="SQLite's quick_check instead of the full integrity_check (large shops)")
