"""`shopdesk check`: recompute every kept-in-step figure from its source and compare.

Each check is one or two set-based queries (GROUP BY over the ledger and the documents) that
return only the rows that disagree, so a healthy shop with a million moves checks in seconds.
Money is compared in integer cents, as stored, so the sums are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, text, type_coerce
from sqlalchemy.orm import Session

from app.domain.states import order_status
from app.money import document_tax
from app.queries._sql import driver_rows, money_from_cents
from app.services.common import PREFIX
from app.settings import load as load_settings
from db.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, SalesOrder
from db.session import Database

SHOWN = 5  # offenders named in a check's detail; `problems` counts them all


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    problems: int


def _result(name: str, offenders: list[str], count: int | None = None) -> CheckResult:
    """`count` when one offender line stands for several records."""
    if not offenders:
        return CheckResult(name, True, "", 0)
    shown = "; ".join(offenders[:SHOWN])
    more = len(offenders) - SHOWN
    if more > 0:
        shown += f"; and {more} more"
    return CheckResult(name, False, shown, len(offenders) if count is None else count)


def _rows(session: Session, sql: str, **params: Any) -> list[Any]:
    return list(session.execute(text(sql), params).all())


def _money(value: Any) -> Decimal:
    return money_from_cents(value)


# -- the database file ---------------------------------------------------------------------


def check_integrity(session: Session, quick: bool = False) -> list[CheckResult]:
    """SQLite's own checks: the file's structure and every foreign key. The full
    integrity_check also verifies every index entry (minutes on a million moves);
    quick_check skips that."""
    pragma = "quick_check" if quick else "integrity_check"
    messages = [r[0] for r in session.execute(text(f"PRAGMA {pragma}")).all()]
    integrity = _result("database file is sound", [] if messages == ["ok"] else messages)
    broken = [
        f"{table} row {rowid} points to a missing {parent}"
        for table, rowid, parent, _ in session.execute(text("PRAGMA foreign_key_check")).all()
    ]
    return [integrity, _result("every reference points to a record", broken)]


# -- stock ---------------------------------------------------------------------------------

LEDGER_SQL = """
SELECT p.sku, p.on_hand, p.defective, COALESCE(m.sellable, 0), COALESCE(m.defective, 0)
FROM product p
LEFT JOIN (
    SELECT product_id,
           SUM(CASE WHEN to_location = 'sellable' THEN qty ELSE 0 END)
         - SUM(CASE WHEN from_location = 'sellable' THEN qty ELSE 0 END) AS sellable,
           SUM(CASE WHEN to_location = 'defective' THEN qty ELSE 0 END)
         - SUM(CASE WHEN from_location = 'defective' THEN qty ELSE 0 END) AS defective
    FROM stock_move GROUP BY +product_id  -- "+": one table scan, not a million index look-ups
) m ON m.product_id = p.id
WHERE p.on_hand <> COALESCE(m.sellable, 0) OR p.defective <> COALESCE(m.defective, 0)
ORDER BY p.sku
"""

LAYER_STOCK_SQL = """
SELECT p.sku, p.on_hand, p.defective, COALESCE(l.sellable, 0), COALESCE(l.defective, 0)
FROM product p
LEFT JOIN (
    SELECT product_id,
           SUM(CASE WHEN location = 'sellable' THEN qty_remaining ELSE 0 END) AS sellable,
           SUM(CASE WHEN location = 'defective' THEN qty_remaining ELSE 0 END) AS defective
    FROM cost_layer GROUP BY product_id
) l ON l.product_id = p.id
WHERE p.on_hand <> COALESCE(l.sellable, 0) OR p.defective <> COALESCE(l.defective, 0)
ORDER BY p.sku
"""

LAYER_CONSUMPTION_SQL = """
SELECT l.id, p.sku, l.qty_in, l.qty_remaining, COALESCE(c.taken, 0)
FROM cost_layer l
JOIN product p ON p.id = l.product_id
LEFT JOIN (
    SELECT layer_id, SUM(qty) AS taken FROM layer_consumption GROUP BY layer_id
) c ON c.layer_id = l.id
WHERE l.qty_in - l.qty_remaining <> COALESCE(c.taken, 0)
ORDER BY l.id
"""

ALLOCATED_SQL = """
SELECT p.sku, p.allocated, COALESCE(a.allocated, 0)
FROM product p
LEFT JOIN (
    SELECT product_id, SUM(qty_allocated) AS allocated
    FROM sales_order_line GROUP BY product_id
) a ON a.product_id = p.id
WHERE p.allocated <> COALESCE(a.allocated, 0)
ORDER BY p.sku
"""

DELIVERY_COST_SQL = """
SELECT d.number, p.sku, dl.cost, COALESCE(c.cost, 0)
FROM delivery_line dl
JOIN delivery d ON d.id = dl.delivery_id
JOIN product p ON p.id = dl.product_id
LEFT JOIN (
    SELECT delivery_line_id, SUM(qty * unit_cost) AS cost
    FROM layer_consumption WHERE delivery_line_id IS NOT NULL GROUP BY delivery_line_id
) c ON c.delivery_line_id = dl.id
WHERE dl.cost <> COALESCE(c.cost, 0)
ORDER BY dl.id
"""


def _for_dialect(session: Session, sql: str) -> str:
    """The "+" that keeps SQLite off an index is a GROUP BY expression PostgreSQL refuses."""
    if session.get_bind().dialect.name == "sqlite":
        return sql
    return sql.replace("GROUP BY +", "GROUP BY ")


def check_stock(session: Session) -> list[CheckResult]:
    ledger = [
        f"{sku}: counters say {on_hand} sellable / {bad} defective, "
        f"moves say {moved} / {moved_bad}"
        for sku, on_hand, bad, moved, moved_bad in _rows(session, _for_dialect(session, LEDGER_SQL))
    ]
    layers = [
        f"{sku}: counters say {on_hand} sellable / {bad} defective, "
        f"cost layers hold {held} / {held_bad}"
        for sku, on_hand, bad, held, held_bad in _rows(session, LAYER_STOCK_SQL)
    ]
    consumed = [
        f"layer {layer_id} ({sku}): {qty_in} in, {left} left, but {taken} taken"
        for layer_id, sku, qty_in, left, taken in _rows(session, LAYER_CONSUMPTION_SQL)
    ]
    allocated = [
        f"{sku}: {kept} allocated, order lines reserve {reserved}"
        for sku, kept, reserved in _rows(session, ALLOCATED_SQL)
    ]
    cost = [
        f"{number} {sku}: cost {_money(kept)}, its FIFO layers say {_money(layers_cost)}"
        for number, sku, kept, layers_cost in _rows(session, DELIVERY_COST_SQL)
    ]
    return [
        _result("stock counters equal the moves", ledger),
        _result("cost layers hold the stock on hand", layers),
        _result("every cost layer's consumptions add up", consumed),
        _result("allocated stock equals the order lines' reservations", allocated),
        _result("delivery costs equal their FIFO consumptions", cost),
    ]


# -- order lines ---------------------------------------------------------------------------

ORDER_LINE_SQL = """
SELECT o.number, l.line_no, l.qty_ordered, l.qty_delivered, l.qty_pending, l.qty_cancelled,
       l.qty_allocated, l.qty_invoiced, l.qty_returned,
       COALESCE(d.qty, 0), COALESCE(i.qty, 0), COALESCE(r.qty, 0), COALESCE(u.qty, 0)
FROM sales_order_line l
JOIN sales_order o ON o.id = l.order_id
LEFT JOIN (SELECT order_line_id, SUM(qty) AS qty FROM delivery_line GROUP BY order_line_id) d
       ON d.order_line_id = l.id
LEFT JOIN (SELECT order_line_id, SUM(qty) AS qty FROM invoice_line GROUP BY order_line_id) i
       ON i.order_line_id = l.id
LEFT JOIN (SELECT order_line_id, SUM(qty) AS qty FROM return_line GROUP BY order_line_id) r
       ON r.order_line_id = l.id
LEFT JOIN (SELECT dl.order_line_id, SUM(c.qty_returned) AS qty
           FROM layer_consumption c JOIN delivery_line dl ON dl.id = c.delivery_line_id
           GROUP BY dl.order_line_id) u
       ON u.order_line_id = l.id
WHERE l.qty_ordered <> l.qty_delivered + l.qty_pending + l.qty_cancelled
   OR l.qty_delivered <> COALESCE(d.qty, 0)
   OR l.qty_invoiced <> COALESCE(i.qty, 0)
   OR l.qty_returned <> COALESCE(r.qty, 0)
   OR l.qty_returned <> COALESCE(u.qty, 0)
   OR l.qty_allocated > l.qty_pending
   OR (:deliver_mode AND l.qty_invoiced < l.qty_delivered)
ORDER BY l.id
"""


def _line_problem(row: Any, deliver_mode: bool) -> str:
    (number, line_no, ordered, delivered, pending, cancelled, allocated, invoiced, returned,
     shipped, billed, taken_back, uncosted) = row
    where = f"{number} line {line_no}"
    if ordered != delivered + pending + cancelled:
        return (f"{where}: ordered {ordered} but delivered {delivered} + pending {pending}"
                f" + cancelled {cancelled}")
    if delivered != shipped:
        return f"{where}: {delivered} delivered, delivery notes say {shipped}"
    if invoiced != billed:
        return f"{where}: {invoiced} invoiced, invoices say {billed}"
    if returned != taken_back:
        return f"{where}: {returned} returned, returns say {taken_back}"
    if returned != uncosted:  # a return takes its cost back from the delivery's consumptions
        return f"{where}: {returned} returned, cost records say {uncosted} came back"
    if allocated > pending:
        return f"{where}: {allocated} reserved but only {pending} pending"
    assert deliver_mode
    return f"{where}: {delivered - invoiced} delivered but not invoiced"


STATUS_SQL = """
SELECT o.status,
       COALESCE(t.delivered, 0) > 0, COALESCE(t.pending, 0) = 0,
       COALESCE(t.allocated, 0) = COALESCE(t.pending, 0),
       COUNT(*), MIN(o.number)
FROM sales_order o
LEFT JOIN (
    SELECT order_id, SUM(qty_delivered) AS delivered, SUM(qty_pending) AS pending,
           SUM(qty_allocated) AS allocated
    FROM sales_order_line GROUP BY order_id
) t ON t.order_id = o.id
GROUP BY 1, 2, 3, 4
"""


def check_orders(session: Session, deliver_mode: bool) -> list[CheckResult]:
    lines = [
        _line_problem(row, deliver_mode)
        for row in _rows(session, ORDER_LINE_SQL, deliver_mode=deliver_mode)
    ]
    # order_status depends only on three facts (anything delivered, nothing pending, all
    # pending reserved), so the orders are grouped by those in SQL and the rule is asked once
    # per group with stand-in quantities: the Python rule stays the one rule, yet no per-order loop.
    statuses = []
    for stored, any_delivered, none_pending, all_reserved, count, first in _rows(
        session, STATUS_SQL
    ):
        pending = 0 if none_pending else 2
        allocated = pending if all_reserved else (1 if pending == 0 else 0)
        expected = order_status(1 if any_delivered else 0, pending, allocated)
        if stored != expected:
            statuses.append(
                (count, f"{count} order(s) stored as {stored} should be {expected} (e.g. {first})")
            )
    return [
        _result("order line quantities add up", lines),
        _result("order status follows its lines", [m for _, m in statuses],
                count=sum(n for n, _ in statuses)),
    ]


# -- invoices, credit notes, payments --------------------------------------------------------

INVOICE_TOTALS_SQL = """
SELECT h.number, h.tax_rounding, h.net, h.tax, h.gross, COALESCE(t.net, 0), COALESCE(t.tax, 0)
FROM {doc} h
LEFT JOIN (SELECT {fk} AS doc_id, SUM(net) AS net, SUM(tax) AS tax FROM {lines} GROUP BY {fk}) t
       ON t.doc_id = h.id
WHERE h.net <> COALESCE(t.net, 0) OR h.gross <> h.net + h.tax
   OR (h.tax_rounding = 'line' AND h.tax <> COALESCE(t.tax, 0))
ORDER BY h.id
"""

PAID_CREDITED_SQL = """
SELECT i.number, i.paid, COALESCE(p.amount, 0), i.credited, COALESCE(c.gross, 0)
FROM invoice i
LEFT JOIN (SELECT invoice_id, SUM(amount) AS amount FROM payment GROUP BY invoice_id) p
       ON p.invoice_id = i.id
LEFT JOIN (SELECT invoice_id, SUM(gross) AS gross FROM credit_note GROUP BY invoice_id) c
       ON c.invoice_id = i.id
WHERE i.paid <> COALESCE(p.amount, 0) OR i.credited <> COALESCE(c.gross, 0)
ORDER BY i.id
"""


def _document_mode_taxes(session: Session, header: Any, line: Any, fk: Any) -> list[str]:
    """Documents rounded per rate: the stored tax against app.money.document_tax of the
    lines' net per rate (one grouped query; Python only does the rounding rule)."""
    rows = session.execute(
        select(header.number, header.tax, line.tax_rate, func.sum(line.net))
        .join(line, fk == header.id)
        .where(header.tax_rounding == "document")
        .group_by(header.id, header.number, header.tax, line.tax_rate)
        .order_by(header.id),
        execution_options={"yield_per": 5000},
    )
    per_doc: dict[str, tuple[Decimal, list[tuple[Decimal, Decimal]]]] = {}
    for number, tax, rate, net in rows:
        per_doc.setdefault(number, (tax, []))[1].append((net, rate))
    problems = []
    for number, (tax, parts) in per_doc.items():
        expected = document_tax(parts, "document")
        if tax != expected:
            problems.append(f"{number}: tax {tax}, per-rate rounding of its lines gives {expected}")
    return problems


def check_documents(session: Session) -> list[CheckResult]:
    results = []
    for title, doc, lines, fk, header_model, line_model, line_fk in (
        ("invoice", "invoice", "invoice_line", "invoice_id", Invoice, InvoiceLine,
         InvoiceLine.invoice_id),
        ("credit note", "credit_note", "credit_note_line", "credit_note_id", CreditNote,
         CreditNoteLine, CreditNoteLine.credit_note_id),
    ):
        totals = [
            f"{number} ({mode}): net {_money(net)} tax {_money(tax)} gross {_money(gross)}, "
            f"lines say net {_money(line_net)} tax {_money(line_tax)}"
            for number, mode, net, tax, gross, line_net, line_tax in _rows(
                session, INVOICE_TOTALS_SQL.format(doc=doc, lines=lines, fk=fk)
            )
        ]
        totals += _document_mode_taxes(session, header_model, line_model, line_fk)
        results.append(_result(f"{title} totals equal their lines", totals))
    money = [
        f"{number}: paid {_money(paid)} vs payments {_money(payments)}, "
        f"credited {_money(credited)} vs credit notes {_money(notes)}"
        for number, paid, payments, credited, notes in _rows(session, PAID_CREDITED_SQL)
    ]
    results.append(_result("invoices' paid and credited equal payments and credit notes", money))
    return results


# -- gapless numbers -----------------------------------------------------------------------

NUMBERED_TABLES = {
    "order": "sales_order",
    "purchase": "purchase_order",
    "receipt": "receipt",
    "delivery": "delivery",
    "invoice": "invoice",
    "return": "customer_return",
    "credit_note": "credit_note",
    "disposal": "disposal",
    "adjustment": "stock_adjustment",
}

NUMBERS_SQL = """
SELECT substr(number, :year_at, 4) AS year, COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq),
       SUM(CASE WHEN number LIKE :pattern THEN 0 ELSE 1 END)
FROM (SELECT number, CAST(substr(number, :seq_at) AS INTEGER) AS seq FROM {table}) n
GROUP BY substr(number, :year_at, 4)
"""


def check_numbers(session: Session) -> list[CheckResult]:
    """Per prefix and year: numbers 1..N, each once, and the sequence's last value is N."""
    sequences = {
        (prefix, int(year)): last
        for prefix, year, last in _rows(
            session, "SELECT prefix, year, last_value FROM doc_sequence"
        )
    }
    problems = []
    seen: set[tuple[str, int]] = set()
    for kind, table in NUMBERED_TABLES.items():
        prefix = PREFIX[kind]
        rows = _rows(
            session, NUMBERS_SQL.format(table=table), year_at=len(prefix) + 2,
            seq_at=len(prefix) + 7, pattern=f"{prefix}-____-%",
        )
        for year, count, distinct, low, high, foreign in rows:
            key = (prefix, int(year) if str(year).isdigit() else -1)
            seen.add(key)
            where = f"{prefix}-{year}"
            if foreign:
                problems.append(f"{table}: {foreign} number(s) not of the form {prefix}-YYYY-N")
            if distinct != count:
                problems.append(f"{where}: {count - distinct} number(s) used twice")
            if low != 1 or high != count:
                problems.append(f"{where}: {count} documents numbered {low}..{high} (a gap)")
            last = sequences.get(key)
            if last != high:
                problems.append(
                    f"{where}: the sequence stands at {last}, the last number is {high}"
                )
    for (prefix, year), last in sorted(sequences.items()):
        if (prefix, year) not in seen and last != 0 and prefix in PREFIX.values():
            problems.append(
                f"{prefix}-{year}: the sequence stands at {last} but no document exists"
            )
    return [_result("document numbers are gapless and unique", problems)]


# -- each order's profit totals ---------------------------------------------------------------

_TOTALS = ("invoiced_net", "credited_net", "delivered_cost", "returned_cost", "defective_loss",
           "recovered_cost")


def check_order_totals(session: Session) -> list[CheckResult]:
    """The totals each order keeps (app.services.order_totals) equal the sums of its
    documents, as the profit report over dates computes them."""
    from app.queries.profit import document_order_sums

    from_documents = document_order_sums(session)
    nothing = [0] * len(_TOTALS)
    order = SalesOrder.__table__
    offenders = []
    for order_id, number, *kept in driver_rows(session.connection(), (
        select(order.c.id, order.c.number, *[type_coerce(order.c[n], BigInteger) for n in _TOTALS])
        .order_by(order.c.id)
    )):
        expected = from_documents.pop(order_id, nothing)
        if kept != expected:
            wrong = [f"{name} {_money(k)} should be {_money(e)}"
                     for name, k, e in zip(_TOTALS, kept, expected, strict=True) if k != e]
            offenders.append(f"{number}: {', '.join(wrong)}")
    offenders += [f"documents of an unknown order {oid}" for oid in sorted(from_documents)]
    return [_result("order profit totals follow their documents", offenders)]


# -- all of them ---------------------------------------------------------------------------


def run_checks(db: Database, *, quick: bool = False) -> list[CheckResult]:
    """Every check, in one read transaction (one consistent picture of the shop).
    `quick`: SQLite's quick_check instead of the full integrity_check."""
    with db.read() as session:
        settings = load_settings(session)
        steps: list[Callable[[], Iterable[CheckResult]]] = []
        if db.is_sqlite:
            steps.append(lambda: check_integrity(session, quick))
        steps += [
            lambda: check_stock(session),
            lambda: check_orders(session, settings.fulfilment_mode == "deliver"),
            lambda: check_documents(session),
            lambda: check_order_totals(session),
            lambda: check_numbers(session),
        ]
        results: list[CheckResult] = []
        for step in steps:
            results.extend(step())
        return results


__all__ = ["CheckResult", "run_checks"]
