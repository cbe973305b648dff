"""The benchmark's shop: a reproducible plan of orders, built through the services, or (for the
first part of a large shop) by a bulk loader that writes exactly the rows the services write.

The plan: 3 lines per order on distinct products; a line names one of the SHORT products (no
stock until the benchmark's receipts) with probability 0.3; a project on 20% of orders; a
promised date on 20%; every ninth customer ships complete. Stocked products get one large
opening receipt each, so FIFO takes one layer and the loader can write the same costs.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from app import audit, services
from app.money import document_tax, line_net, line_tax, parse_money
from app.services.common import PREFIX, set_clock
from db.migrate import ensure_current
from db.session import Database

STOCKED = 191
SHORT = 9
CUSTOMERS = 300
PROJECTS = 20
SHORT_SHARE = 0.3
PROJECT_SHARE = 0.2
PROMISED_SHARE = 0.2
RETURN_SHARE = 0.03
PAID_SHARE = 0.9  # invoices paid in full PAY_AFTER_DAYS after the order; the rest stay open
PAY_AFTER_DAYS = 20
ORDERS_PER_DAY = 140


def stocked_sku(i: int) -> str:
    return f"S{i:04d}"


def short_sku(i: int) -> str:
    return f"X{i:04d}"


@dataclass(frozen=True)
class PlannedOrder:
    index: int
    customer: str
    lines: list[tuple[str, int, int]]  # sku, qty, discount %
    project: str | None
    promised: date | None
    at: datetime  # the services' clock for this order
    returns: bool  # a return follows this order (3%)
    pays: bool  # its invoice is paid PAY_AFTER_DAYS later (90%)


class Plan:
    """The orders of a shop of `size`, by index; the same for the services and the loader."""

    def __init__(self, size: int, seed: int = 7) -> None:
        self.size = size
        self.seed = seed
        self.days = max(30, -(-size // ORDERS_PER_DAY))
        self.per_day = -(-size // self.days)
        self.start = date.today() - timedelta(days=self.days)  # the shop's history ends today

    def day_of(self, index: int) -> date:
        return self.start + timedelta(days=index // self.per_day)

    def at(self, index: int) -> datetime:
        step = 36_000 // self.per_day  # orders spread over 08:00-18:00
        return datetime.combine(self.day_of(index), time(8, 0)) + timedelta(
            seconds=(index % self.per_day) * step
        )

    def orders(self, first: int = 0, last: int | None = None) -> Iterator[PlannedOrder]:
        last = self.size if last is None else last
        for index in range(first, last):
            rng = random.Random(self.seed * 1_000_003 + index)
            skus: list[str] = []
            while len(skus) < 3:
                if rng.random() < SHORT_SHARE:
                    sku = short_sku(rng.randrange(1, SHORT + 1))
                else:
                    sku = stocked_sku(rng.randrange(1, STOCKED + 1))
                if sku not in skus:
                    skus.append(sku)
            lines = [(sku, rng.choice((1, 1, 2, 2, 3, 5)), rng.choice((0, 0, 0, 5, 10)))
                     for sku in skus]
            project = (f"Project {rng.randrange(1, PROJECTS + 1):02d}"
                       if rng.random() < PROJECT_SHARE else None)
            day = self.day_of(index)
            promised = (day + timedelta(days=rng.randint(3, 21))
                        if rng.random() < PROMISED_SHARE else None)
            yield PlannedOrder(
                index, f"C{rng.randrange(1, CUSTOMERS + 1):04d}", lines, project, promised,
                self.at(index), rng.random() < RETURN_SHARE, rng.random() < PAID_SHARE,
            )

    def pay_index(self, index: int) -> int:
        """Before which order the invoice of order `index` gets paid."""
        return index + PAY_AFTER_DAYS * self.per_day

    def opening_qty(self) -> int:
        return self.size // 10 + 200  # far more than the stocked products' share of 3 lines


class Clock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current


def new_shop(folder: Path, name: str) -> Database:
    path = folder / f"{name}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = Database("sqlite:///" + str(path))
    ensure_current(db, create=True)
    return db


def copy_shop(source: Path, target: Path) -> None:
    """A consistent copy of a shop file (the online backup API, WAL included)."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    src, dst = sqlite3.connect(str(source)), sqlite3.connect(str(target))
    src.backup(dst)
    src.close()
    dst.close()


def master_data(db: Database, plan: Plan) -> None:
    """Products, customers, suppliers, projects and opening stock, through the services."""
    clock = Clock(datetime.combine(plan.start - timedelta(days=1), time(7, 0)))
    set_clock(clock)
    try:
        services.set_setting(db, "shop_name", "Benchmark Hardware")
        for i in range(1, STOCKED + 1):
            price = Decimal(100 + (i * 37) % 9900) / 100
            services.add_product(db, stocked_sku(i), f"Stocked product {i}", price,
                                 "7" if i % 10 == 0 else "19")
        for i in range(1, SHORT + 1):
            services.add_product(db, short_sku(i), f"Short product {i}", Decimal(20 + i), "19")
        rng = random.Random(plan.seed)
        for n in range(1, CUSTOMERS + 1):
            services.add_customer(db, f"C{n:04d}", f"Customer {n}", ship_complete=(n % 9 == 0),
                                  payment_terms_days=rng.choice((None, 14, 30)))
        services.add_supplier(db, "SUP1", "Main supplier")
        for p in range(1, PROJECTS + 1):
            services.add_project(db, f"Project {p:02d}")
        for i in range(1, STOCKED + 1):
            cost = (Decimal(100 + (i * 37) % 9900) / 100 * Decimal("0.6")).quantize(Decimal("0.01"))
            services.receive_stock(db, stocked_sku(i), plan.opening_qty(), cost,
                                   note="Opening stock")
    finally:
        set_clock(None)


def order_through_services(db: Database, order: PlannedOrder, clock: Clock):  # type: ignore[no-untyped-def]
    clock.current = order.at
    return services.create_order(
        db, order.customer,
        [services.LineInput(sku, qty, discount=disc) for sku, qty, disc in order.lines],
        project=order.project, promised=order.promised, order_date=order.at.date(),
    )


Due = list  # [(pay before order index, invoice number)], in payment order


def pay_due(db: Database, plan: Plan, due: Due, index: int, clock: Clock) -> int:
    """Pay (through the services) every invoice whose day has come before order `index`."""
    from sqlalchemy import select

    from db.models import Invoice

    paid = 0
    clock.current = plan.at(min(index, plan.size - 1)) if index < plan.size else clock.current
    while due and due[0][0] <= index:
        _, number = due.pop(0)
        with db.read() as session:
            inv = session.execute(select(Invoice).where(Invoice.number == number)).scalar_one()
            amount = inv.gross - inv.paid - inv.credited
        if amount > 0:
            services.record_payment(db, number, str(amount), paid_on=clock.current.date())
            paid += 1
    return paid


def note_invoices(plan: Plan, due: Due, order: PlannedOrder, invoices: list[str]) -> None:
    if order.pays:
        due.extend((plan.pay_index(order.index), inv) for inv in invoices)


# -- the bulk loader -------------------------------------------------------------------------

_DT = "%Y-%m-%d %H:%M:%S.%f"


def _cents(value: Decimal) -> int:
    return int(value * 100)


def bulk_load(db: Database, plan: Plan, first: int, last: int,
              progress: Callable[[int], None] | None = None) -> Due:
    """Write orders first..last-1 of the plan as create_order would in "deliver" mode, with
    plain sqlite3 in one transaction: the same rows, ids, numbers, texts and amounts.

    It relies on the plan's simple stock picture (checked here): every stocked product has
    one open cost layer that covers all its orders; short products have no stock at all.
    Afterwards `app.queries.check.run_checks` must pass and `verify_loader` compares it
    row by row with a shop built through the services. Invoices are paid as `pay_due` would
    pay them; returns the payments still to come.
    """
    from app.settings import load as load_settings

    with db.read() as session:
        settings = load_settings(session)
    assert settings.fulfilment_mode == "deliver"
    con = sqlite3.connect(str(db.path), isolation_level=None)
    con.execute("PRAGMA foreign_keys=ON")
    cur = con.cursor()
    cur.execute("BEGIN IMMEDIATE")

    def next_id(table: str) -> int:
        return (cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]) + 1

    ids = {t: next_id(t) for t in ("sales_order", "sales_order_line", "delivery", "delivery_line",
                                   "invoice", "invoice_line", "layer_consumption", "stock_move",
                                   "allocation", "audit_log", "payment")}
    products = {}
    for pid, sku, name, price, tax, on_hand, allocated in cur.execute(
        "SELECT id, sku, name, unit_price, tax_rate, on_hand, allocated FROM product"
    ):
        products[sku] = (pid, name, Decimal(price) / 100, Decimal(tax) / 100, on_hand - allocated)
    layers: dict[int, list[int]] = defaultdict(list)  # product -> [layer id, remaining, cost]
    for lid, pid, remaining, cost in cur.execute(
        "SELECT id, product_id, qty_remaining, unit_cost FROM cost_layer "
        "WHERE location='sellable' AND qty_remaining > 0 ORDER BY id"
    ):
        assert pid not in layers, "the loader needs one open layer per product"
        layers[pid] = [lid, remaining, cost]
    customers = {code: (cid, bool(sc), terms) for cid, code, sc, terms in cur.execute(
        "SELECT id, code, ship_complete, payment_terms_days FROM customer")}
    # issued documents may carry the parties as printed (customer and shop, frozen)
    shop = {f"shop_{k}": getattr(settings, f"shop_{k}", "") for k in ("name", "address", "tax_id")}
    party_of = {code: {"customer_name": name, "customer_address": address or "",
                       "customer_tax_id": tax_id or "", **shop}
                for code, name, address, tax_id in cur.execute(
                    "SELECT code, name, address, tax_id FROM customer")}
    projects = dict(cur.execute("SELECT name, id FROM project").fetchall())
    seq = {(p, y): v for p, y, v in cur.execute(
        "SELECT prefix, year, last_value FROM doc_sequence")}
    user = audit.current_user()[:80]

    def number(kind: str, on: date) -> str:
        key = (PREFIX[kind], on.year)
        seq[key] = seq.get(key, 0) + 1
        return f"{key[0]}-{on.year}-{seq[key]:05d}"

    rows: dict[str, list[tuple]] = defaultdict(list)  # type: ignore[type-arg]
    free: dict[int, int] = {pid: avail for pid, _n, _p, _t, avail in products.values()}
    on_hand_delta: dict[int, int] = defaultdict(int)

    to_pay: Due = []
    invoice_rows: dict[str, list] = {}  # type: ignore[type-arg]
    for order in plan.orders(first, last):
        at = order.at
        at_s = at.strftime(_DT)
        on = at.date()
        while to_pay and to_pay[0][0] <= order.index:  # as pay_due, before the order
            number_ = to_pay.pop(0)[1]
            inv_row = invoice_rows.pop(number_)
            value = parse_money(str(Decimal(inv_row[11]) / 100))
            zero = Decimal(inv_row[12]) / 100
            zero = zero.quantize(Decimal("0.01"))
            rows["payment"].append((ids["payment"], inv_row[0], _cents(value), on.isoformat(),
                                    "", "", at_s))
            ids["payment"] += 1
            inv_row[12] = _cents(zero + value)
            rows["audit_log"].append((
                ids["audit_log"], at_s, user, "record_payment", number_,
                json.dumps(audit.diff({"paid": zero}, {"paid": zero + value, "amount": value,
                                                        "method": "", "reference": ""}),
                           ensure_ascii=False, sort_keys=True)))
            ids["audit_log"] += 1
        cust_id, ship_complete, terms = customers[order.customer]
        oid = ids["sales_order"]
        ids["sales_order"] += 1
        so_number = number("order", on)
        lines = []
        for line_no, (sku, qty, disc) in enumerate(order.lines, start=1):
            pid, name, price, tax, _ = products[sku]
            lines.append({"id": ids["sales_order_line"], "line_no": line_no, "pid": pid,
                          "name": name, "qty": qty, "price": price, "disc": Decimal(disc),
                          "tax": tax, "net": line_net(qty, price, Decimal(disc)), "sku": sku})
            ids["sales_order_line"] += 1
        net_total = sum((ln["net"] for ln in lines), Decimal(0))
        tax_total = document_tax([(ln["net"], ln["tax"]) for ln in lines], settings.tax_rounding)
        due = order.promised or on
        # what serve_pending(only_order_id) grants: per product in id order; a ship-complete
        # order only whole, its grants in line order
        if ship_complete:
            whole = all(free[ln["pid"]] >= ln["qty"] for ln in lines)
            grants = sorted(lines, key=lambda ln: ln["id"]) if whole else []
            reason = (f"ship-complete order {so_number} served whole; due {due.isoformat()}, "
                      "place 1 in the queue")
        else:
            grants = [ln for ln in sorted(lines, key=lambda ln: ln["pid"]) if free[ln["pid"]] > 0]
            reason = f"due {due.isoformat()}, order {so_number}: place 1 in the queue"
        for ln in grants:
            assert free[ln["pid"]] >= ln["qty"], "the loader cannot split a line"
            free[ln["pid"]] -= ln["qty"]
        served = {ln["id"] for ln in grants}
        pending_any = len(served) < len(lines)
        status = ("partial" if served else "pending") if pending_any else "done"
        order_row = [
            oid, so_number, cust_id, projects[order.project] if order.project else None,
            on.isoformat(), order.promised.isoformat() if order.promised else None,
            int(ship_complete), "", status, _cents(net_total), _cents(net_total + tax_total), at_s,
            0, 0, 0, 0, 0, 0]  # the profit totals: its invoice's net and delivery's cost below
        rows["sales_order"].append(order_row)
        for ln in lines:
            q = ln["qty"]
            done = q if ln["id"] in served else 0
            rows["sales_order_line"].append((
                ln["id"], oid, ln["line_no"], ln["pid"], ln["name"], q, done, q - done, 0, 0,
                done, 0, _cents(ln["price"]), int(ln["disc"] * 100), int(ln["tax"] * 100),
                _cents(ln["net"]), due.isoformat(), ""))
        invoice_numbers: list[str] = []
        if grants:
            dn, inv = number("delivery", on), number("invoice", on)
            invoice_numbers = [inv]
            did = ids["delivery"]
            ids["delivery"] += 1
            rows["delivery"].append((did, dn, oid, on.isoformat(), at_s,
                                     party_of[order.customer]))
            iid = ids["invoice"]
            ids["invoice"] += 1
            inv_lines = []
            for ln in grants:
                q, pid = ln["qty"], ln["pid"]
                layer = layers[pid]
                layer[1] -= q
                assert layer[1] >= 0
                dlid = ids["delivery_line"]
                ids["delivery_line"] += 1
                cost = layer[2] * q
                rows["delivery_line"].append((dlid, did, ln["id"], pid, q, cost))
                rows["layer_consumption"].append(
                    (ids["layer_consumption"], layer[0], q, layer[2], 0, dlid, None, None))
                ids["layer_consumption"] += 1
                rows["stock_move"].append(
                    (ids["stock_move"], pid, "delivery", "sellable", "customer", q, cost, None,
                     dlid, None, None, None, at_s))
                ids["stock_move"] += 1
                net = line_net(q, ln["price"], ln["disc"])
                inv_lines.append((ln, dlid, net, line_tax(net, ln["tax"])))
                rows["allocation"].append(
                    (ids["allocation"], ln["id"], pid, q, "order", None, None, dlid, 1, reason,
                     at_s))
                ids["allocation"] += 1
                on_hand_delta[pid] += q
            inv_net = sum((n for _, _, n, _ in inv_lines), Decimal(0))
            order_row[12] = _cents(inv_net)  # invoiced_net
            order_row[14] = sum(row[5] for row in rows["delivery_line"][-len(grants):])  # cost
            inv_tax = document_tax([(n, ln["tax"]) for ln, _, n, _ in inv_lines],
                                   settings.tax_rounding)
            days = settings.payment_terms_days if terms is None else terms
            inv_row = [
                iid, inv, oid, did, cust_id, on.isoformat(),
                (on + timedelta(days=days)).isoformat(),
                settings.currency, settings.tax_rounding, _cents(inv_net), _cents(inv_tax),
                _cents(inv_net + inv_tax), 0, 0, at_s, party_of[order.customer]]
            rows["invoice"].append(inv_row)
            if order.pays:
                invoice_rows[inv] = inv_row
                to_pay.append((plan.pay_index(order.index), inv))
            for ln, dlid, net, tax in inv_lines:
                rows["invoice_line"].append((
                    ids["invoice_line"], iid, ln["id"], dlid, ln["pid"], ln["name"], ln["qty"],
                    _cents(ln["price"]), int(ln["disc"] * 100), int(ln["tax"] * 100),
                    _cents(net), _cents(tax)))
                ids["invoice_line"] += 1
        rows["audit_log"].append((
            ids["audit_log"], at_s, user, "create_order", so_number,
            json.dumps(audit.diff(None, {
                "customer": order.customer, "lines": [[s, q] for s, q, _ in order.lines],
                "net_total": net_total, "gross_total": net_total + tax_total, "status": status,
                "invoices": invoice_numbers,
            }), ensure_ascii=False, sort_keys=True)))
        ids["audit_log"] += 1
        if progress and order.index % 5000 == 0:
            progress(order.index)

    for table, cols in _COLUMNS.items():
        if not rows[table]:
            continue
        actual = [r[1] for r in cur.execute(f"PRAGMA table_info({table})")]
        extra = [c for c in actual if c not in cols]
        partied = table in ("delivery", "invoice")
        if extra and not (partied and set(extra) <= set(rows[table][0][-1])):
            raise RuntimeError(f"bulk loader: {table} has columns it does not know: {extra}")
        names = cols + extra
        marks = ", ".join("?" * len(names))
        data = (
            [_plain_row(r[:-1]) + tuple(r[-1][c] for c in extra) for r in rows[table]]
            if partied else [_plain_row(r) for r in rows[table]]
        )
        cur.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", data)
    cur.executemany("UPDATE product SET on_hand = on_hand - ? WHERE id = ?",
                    [(q, pid) for pid, q in sorted(on_hand_delta.items())])
    cur.executemany("UPDATE cost_layer SET qty_remaining = ? WHERE id = ?",
                    [(layer[1], layer[0]) for layer in layers.values()])
    cur.executemany(
        "INSERT INTO doc_sequence (prefix, year, last_value) VALUES (?, ?, ?) "
        "ON CONFLICT (prefix, year) DO UPDATE SET last_value = excluded.last_value",
        [(p, y, v) for (p, y), v in sorted(seq.items())])
    cur.execute("COMMIT")
    con.close()
    return to_pay


_COLUMNS = {  # the loader's rows, in this column order (a new column must be taught here)
    "sales_order": ["id", "number", "customer_id", "project_id", "order_date", "promised_date",
                    "ship_complete", "note", "status", "net_total", "gross_total", "created_at",
                    "invoiced_net", "credited_net", "delivered_cost", "returned_cost",
                    "defective_loss", "recovered_cost"],
    "sales_order_line": ["id", "order_id", "line_no", "product_id", "description", "qty_ordered",
                         "qty_delivered", "qty_pending", "qty_cancelled", "qty_allocated",
                         "qty_invoiced", "qty_returned", "unit_price", "discount", "tax_rate",
                         "net_amount", "due_date", "cancel_reason"],
    "delivery": ["id", "number", "order_id", "delivery_date", "created_at"],
    "delivery_line": ["id", "delivery_id", "order_line_id", "product_id", "qty", "cost"],
    "layer_consumption": ["id", "layer_id", "qty", "unit_cost", "qty_returned",
                          "delivery_line_id", "adjustment_id", "disposal_line_id"],
    "stock_move": ["id", "product_id", "kind", "from_location", "to_location", "qty", "cost",
                   "receipt_line_id", "delivery_line_id", "return_line_id", "disposal_line_id",
                   "adjustment_id", "created_at"],
    "invoice": ["id", "number", "order_id", "delivery_id", "customer_id", "issue_date",
                "due_date", "currency", "tax_rounding", "net", "tax", "gross", "paid",
                "credited", "created_at"],
    "invoice_line": ["id", "invoice_id", "order_line_id", "delivery_line_id", "product_id",
                     "description", "qty", "unit_price", "discount", "tax_rate", "net", "tax"],
    "allocation": ["id", "order_line_id", "product_id", "qty", "trigger", "receipt_id",
                   "return_id", "delivery_line_id", "queue_position", "reason", "created_at"],
    "payment": ["id", "invoice_id", "amount", "paid_on", "method", "reference", "created_at"],
    "audit_log": ["id", "at", "user_name", "action", "document", "detail"],
}


def _plain_row(row: tuple | list) -> tuple:  # type: ignore[type-arg]
    return tuple(_cents(v) if isinstance(v, Decimal) else v for v in row)


def verify_loader(folder: Path, orders: int = 400) -> dict[str, object]:
    """Build the same small shop twice (services / loader) and compare every table's rows."""
    plan = Plan(orders)
    a = new_shop(folder, "verify-services")
    master_data(a, plan)
    a.dispose()
    copy_shop(a.path, folder / "verify-loader.sqlite")
    b = Database("sqlite:///" + str(folder / "verify-loader.sqlite"))
    clock = Clock(plan.at(0))
    set_clock(clock)
    due: Due = []
    try:
        for order in plan.orders():
            pay_due(a, plan, due, order.index, clock)
            result = order_through_services(a, order, clock)
            note_invoices(plan, due, order, result.invoices)
    finally:
        set_clock(None)
    left = bulk_load(b, plan, 0, orders)
    assert left == due, "the loader's payments to come differ from the services'"
    differences = {}
    ca, cb = sqlite3.connect(str(a.path)), sqlite3.connect(str(b.path))
    tables = [r[0] for r in ca.execute(
        "SELECT name FROM sqlite_master WHERE type='table' "
        "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
    for table in tables:
        ra = ca.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        rb = cb.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        if ra != rb:
            first = next(
                (x, y)
                for x, y in zip(ra + [None] * len(rb), rb + [None] * len(ra), strict=True)
                if x != y
            )
            differences[table] = {"services": len(ra), "loader": len(rb), "first": repr(first)}
    ca.close()
    cb.close()
    from app.queries.check import run_checks

    failed = [f"{r.name}: {r.detail}" for r in run_checks(b) if not r.ok]
    a.dispose()
    b.dispose()
    return {"orders": orders, "identical": not differences, "differences": differences,
            "checks_failed": failed}
