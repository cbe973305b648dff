"""Several seats at once: worker processes hammer the same products and pending queue
through the services, then `invariant_problems` says what (if anything) broke.

Used by the PostgreSQL test (4 processes) and the SQLite test (2 processes on one file)."""

from __future__ import annotations

import multiprocessing
import random
import re
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from app import services
from app.errors import ShopError
from app.services import LineInput
from db.session import Database

SKUS = ("A", "B", "C", "D", "E")
CUSTOMERS = ("ACME", "BOLT", "CORE")  # CORE wants ship-complete orders


def setup_shop(db: Database) -> None:
    for n, sku in enumerate(SKUS):
        services.add_product(db, sku, f"Product {sku}", f"{10 + n}.50", "19")
    for code in CUSTOMERS:
        services.add_customer(db, code, f"Customer {code}", ship_complete=code == "CORE")
    for sku in SKUS:
        services.receive_stock(db, sku, 6, "4.00")


@dataclass
class WorkerReport:
    worker: int
    orders: int = 0
    receipts: int = 0
    returns: int = 0
    cancels: int = 0
    payments: int = 0
    refusals: dict[str, int] = field(default_factory=dict)  # expected sentences, by kind
    failures: list[str] = field(default_factory=list)  # anything else: a bug
    seconds: float = 0.0


def _is_rule_break(exc: BaseException) -> bool:
    """A refusal that came from a CHECK/UNIQUE constraint, not from the service's own rules."""
    from sqlalchemy.exc import IntegrityError

    return isinstance(exc.__cause__, IntegrityError)


def worker(url: str, number: int, operations: int, seed: int, start: Any, out: Any) -> None:
    report = WorkerReport(number)
    rng = random.Random(seed * 1000 + number)
    db = Database(url)
    mine: list[str] = []
    invoices: list[str] = []
    try:
        start.wait()
        began = time.perf_counter()
        for _ in range(operations):
            roll = rng.random()
            try:
                if roll < 0.62:
                    skus = rng.sample(SKUS, rng.randint(1, 3))
                    result = services.create_order(
                        db, rng.choice(CUSTOMERS),
                        [LineInput(sku, rng.randint(1, 4)) for sku in skus],
                    )
                    mine.append(result.number)
                    invoices.extend(result.invoices)
                    report.orders += 1
                elif roll < 0.87:
                    result = services.receive_stock(db, rng.choice(SKUS), rng.randint(1, 8), "4.25")
                    invoices.extend(result.invoices)
                    report.receipts += 1
                elif roll < 0.92 and mine:
                    services.cancel_pending(db, rng.choice(mine), "customer changed mind")
                    report.cancels += 1
                elif roll < 0.96 and invoices:
                    services.record_payment(db, rng.choice(invoices), "1.00")
                    report.payments += 1
                elif mine:
                    order = rng.choice(mine)
                    sku = rng.choice(SKUS)
                    services.create_return(
                        db, order, {sku: 1}, condition=rng.choice(("sellable", "defective")),
                        reason="damaged",
                    )
                    report.returns += 1
            except ShopError as exc:
                if _is_rule_break(exc) or type(exc).__name__ == "ConcurrentChange":
                    report.failures.append(f"{type(exc).__name__}: {exc}")
                else:
                    kind = re.sub(r"[A-Z]+-\d{4}-\d+|\d+", "#", str(exc))[:60]
                    report.refusals[kind] = report.refusals.get(kind, 0) + 1
        report.seconds = time.perf_counter() - began
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails the test
        report.failures.append(traceback.format_exc())
    finally:
        db.dispose()
        out.put(report)


def run_workers(
    url: str, workers: int, operations: int, seed: int = 1
) -> tuple[list[WorkerReport], float]:
    """Start `workers` processes together; wait for them; (reports, wall-clock seconds)."""
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(url, n, operations, seed, start, out), daemon=True)
        for n in range(workers)
    ]
    for proc in procs:
        proc.start()
    time.sleep(1.5)  # let every process import the app before the gun
    began = time.perf_counter()
    start.set()
    reports = [out.get(timeout=600) for _ in procs]
    seconds = time.perf_counter() - began
    for proc in procs:
        proc.join(timeout=60)
    return sorted(reports, key=lambda r: r.worker), seconds


def _rows(db: Database, sql: str) -> list[Any]:
    with db.read() as session:
        return list(session.execute(text(sql)).all())


SELLABLE_BALANCE = """
SELECT p.sku, p.on_hand, p.defective, p.allocated,
       COALESCE((SELECT SUM(CASE WHEN m.to_location = 'sellable' THEN m.qty ELSE 0 END)
                      - SUM(CASE WHEN m.from_location = 'sellable' THEN m.qty ELSE 0 END)
                 FROM stock_move m WHERE m.product_id = p.id), 0) AS sellable_moves,
       COALESCE((SELECT SUM(CASE WHEN m.to_location = 'defective' THEN m.qty ELSE 0 END)
                      - SUM(CASE WHEN m.from_location = 'defective' THEN m.qty ELSE 0 END)
                 FROM stock_move m WHERE m.product_id = p.id), 0) AS defective_moves,
       COALESCE((SELECT SUM(c.qty_remaining) FROM cost_layer c
                 WHERE c.product_id = p.id AND c.location = 'sellable'), 0) AS layers
FROM product p ORDER BY p.sku
"""

LINES = """
SELECT l.id, o.number, o.ship_complete, l.product_id, l.qty_ordered, l.qty_delivered,
       l.qty_pending, l.qty_cancelled, l.qty_allocated, l.qty_invoiced, l.qty_returned,
       COALESCE((SELECT SUM(d.qty) FROM delivery_line d WHERE d.order_line_id = l.id), 0) AS dl,
       COALESCE((SELECT SUM(i.qty) FROM invoice_line i WHERE i.order_line_id = l.id), 0) AS il,
       COALESCE((SELECT SUM(a.qty) FROM allocation a WHERE a.order_line_id = l.id), 0) AS al,
       COALESCE((SELECT SUM(r.qty) FROM return_line r WHERE r.order_line_id = l.id), 0) AS rl
FROM sales_order_line l JOIN sales_order o ON o.id = l.order_id
"""

NUMBERED = ("sales_order", "receipt", "delivery", "invoice", "customer_return", "credit_note")


def invariant_problems(db: Database) -> list[str]:
    """Every rule that concurrent seats must not break; an empty list means all hold."""
    problems: list[str] = []
    free: dict[int, int] = {}
    for r in _rows(db, SELLABLE_BALANCE):
        if r.on_hand < 0 or r.allocated < 0 or r.defective < 0:
            problems.append(f"{r.sku}: negative stock {r.on_hand}/{r.allocated}/{r.defective}")
        if r.on_hand != r.sellable_moves:
            problems.append(f"{r.sku}: on hand {r.on_hand} but moves say {r.sellable_moves}")
        if r.defective != r.defective_moves:
            problems.append(f"{r.sku}: defective {r.defective} but moves say {r.defective_moves}")
        if r.on_hand != r.layers:
            problems.append(f"{r.sku}: on hand {r.on_hand} but FIFO layers hold {r.layers}")
    for pid, on_hand, allocated in _rows(db, "SELECT id, on_hand, allocated FROM product"):
        free[pid] = on_hand - allocated
    waiting: dict[int, int] = defaultdict(int)
    for r in _rows(db, LINES):
        where = f"{r.number} line {r.id}"
        if r.qty_ordered != r.qty_delivered + r.qty_pending + r.qty_cancelled:
            problems.append(f"{where}: ordered != delivered + pending + cancelled")
        if r.dl != r.qty_delivered:
            problems.append(f"{where}: delivery lines {r.dl} but delivered {r.qty_delivered}")
        if r.il != r.qty_invoiced or r.il != r.qty_delivered:
            problems.append(
                f"{where}: invoiced {r.il}/{r.qty_invoiced}, delivered {r.qty_delivered}"
            )
        if r.al != r.qty_delivered + r.qty_allocated:
            problems.append(f"{where}: allocations {r.al} but served {r.qty_delivered}")
        if r.rl != r.qty_returned:
            problems.append(f"{where}: return lines {r.rl} but returned {r.qty_returned}")
        if r.qty_pending > r.qty_allocated and not r.ship_complete:
            waiting[r.product_id] += r.qty_pending - r.qty_allocated
    for pid, need in waiting.items():
        if free.get(pid, 0) > 0:  # stock on the shelf while a line waits: a lost wake-up
            problems.append(f"product {pid}: {free[pid]} free while {need} pending")
    for table in NUMBERED:
        numbers = [row[0] for row in _rows(db, f"SELECT number FROM {table}")]
        if len(numbers) != len(set(numbers)):
            problems.append(f"{table}: duplicate numbers")
        by_series: dict[str, list[int]] = defaultdict(list)
        for number in numbers:
            series, _, n = number.rpartition("-")
            by_series[series].append(int(n))
        for series, values in by_series.items():
            if sorted(values) != list(range(1, len(values) + 1)):
                problems.append(f"{table} {series}: numbers are not 1..{len(values)} without gaps")
    for number, gross, paid, credited, payments, notes in _rows(
        db,
        "SELECT i.number, i.gross, i.paid, i.credited, "
        "COALESCE((SELECT SUM(p.amount) FROM payment p WHERE p.invoice_id = i.id), 0), "
        "COALESCE((SELECT SUM(c.gross) FROM credit_note c WHERE c.invoice_id = i.id), 0) "
        "FROM invoice i",
    ):
        if paid != payments or paid > gross or credited != notes:
            problems.append(
                f"{number}: paid {paid}, payments {payments}, credited {credited}, notes {notes}"
            )
    return problems


def totals(reports: list[WorkerReport]) -> dict[str, Any]:
    result: dict[str, Any] = defaultdict(int)
    for r in reports:
        for key in ("orders", "receipts", "returns", "cancels", "payments"):
            result[key] += getattr(r, key)
    return dict(result)


__all__ = ["Decimal", "invariant_problems", "run_workers", "setup_shop", "totals"]
