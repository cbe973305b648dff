"""A realistic demo shop, reproducible by seed, built through the same services a clerk uses
(no shortcut that skips a rule): a hardware store's last months of orders, purchases,
receipts that serve the pending queue, returns, write-offs and payments."""

from __future__ import annotations

import functools
import random
import zlib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from app import services
from app.errors import ShopError
from app.services.common import set_clock
from db.session import Database

PRODUCTS = [
    ("HAM-450", "Claw hammer 450 g", "14.90", "19"),
    ("SCR-PH2", "Screwdriver PH2", "4.50", "19"),
    ("SCR-SET", "Screwdriver set, 12 pieces", "24.90", "19"),
    ("DRL-18V", "Cordless drill 18 V", "129.00", "19"),
    ("BIT-HSS", "HSS drill bits, 19 pieces", "19.90", "19"),
    ("SAW-HND", "Hand saw 550 mm", "17.50", "19"),
    ("TAP-5M", "Tape measure 5 m", "8.90", "19"),
    ("LVL-60", "Spirit level 60 cm", "21.00", "19"),
    ("GLV-L", "Work gloves, size L", "3.90", "19"),
    ("GOG-CLR", "Safety goggles", "6.50", "19"),
    ("NAI-50", "Nails 50 mm, 1 kg", "5.20", "19"),
    ("SCW-4X40", "Wood screws 4x40, 200 pcs", "7.80", "19"),
    ("DOW-8", "Wall plugs 8 mm, 100 pcs", "4.20", "19"),
    ("SIL-WHT", "Silicone sealant, white", "6.90", "19"),
    ("GLU-WOOD", "Wood glue 750 g", "9.40", "19"),
    ("PNT-WHT10", "Wall paint white 10 l", "49.00", "19"),
    ("BRU-50", "Paint brush 50 mm", "3.60", "19"),
    ("ROL-25", "Paint roller 25 cm", "8.50", "19"),
    ("TRP-4X5", "Drop sheet 4x5 m", "4.90", "19"),
    ("LAD-3", "Step ladder, 3 steps", "59.00", "19"),
    ("EXT-10M", "Extension cord 10 m", "18.90", "19"),
    ("LED-E27", "LED bulb E27 9 W", "3.99", "19"),
    ("SWT-1G", "Light switch, single", "5.90", "19"),
    ("CAB-3X15", "Cable 3x1.5 mm², per 10 m", "12.40", "19"),
    ("PIP-15", "Copper pipe 15 mm, 2 m", "16.80", "19"),
    ("VLV-BALL", "Ball valve 1/2\"", "11.20", "19"),
    ("TAP-MIX", "Kitchen mixer tap", "89.00", "19"),
    ("SEAL-TPE", "PTFE thread seal tape", "1.50", "19"),
    ("WRN-ADJ", "Adjustable wrench 250 mm", "15.90", "19"),
    ("PLR-COMB", "Combination pliers", "12.90", "19"),
    ("SND-120", "Sanding paper P120, 10 sheets", "5.50", "19"),
    ("CHS-WOOD", "Wood chisel set, 4 pieces", "27.50", "19"),
    ("BOX-TOOL", "Tool box 19\"", "22.90", "19"),
    ("LCK-PAD", "Padlock 40 mm", "9.90", "19"),
    ("HNG-BRS", "Brass hinges, pair", "4.80", "19"),
    ("BOOK-DIY", "DIY handbook", "24.00", "7"),
    ("MAG-WOOD", "Woodworking magazine", "6.50", "7"),
    ("SEED-LAWN", "Lawn seed 1 kg", "11.90", "7"),
    ("HOSE-20", "Garden hose 20 m", "29.90", "19"),
    ("WBR-100", "Wheelbarrow 100 l", "79.00", "19"),
]

CUSTOMER_NAMES = [
    "Becker Bau GmbH", "Müller & Söhne", "Garden Friends e.V.", "Hausverwaltung Nord",
    "Schreinerei Holzwurm", "Elektro Blitz", "Café Ecke", "Jansen Renovations",
    "Ølsen Interiors", "Dupont Plomberie", "Studio Łukasz", "Malerbetrieb Weiß",
    "City Facility Services", "Kindergarten Sonnenschein", "Fitness Point", "Hotel Adler",
    "Bäckerei Krume", "Autohaus Stern", "Praxis Dr. Nguyen", "Tischlerei Eiche",
    "Wohnbau Süd", "Sportverein 1899", "Schule am Park", "Kirchengemeinde St. Anna",
    "Private: A. Schmidt", "Private: K. Yilmaz", "Private: M. Rossi", "Private: J. Novák",
    "Private: S. Andersson", "Private: L. García",
]
SUPPLIERS = [
    ("TOOLCO", "ToolCo Wholesale"), ("FIXIT", "FixIt Fasteners"), ("COLOR", "Color & Co"),
    ("VOLT", "Volt Electric Supply"), ("AQUA", "Aqua Sanitär"), ("GREEN", "Green Garden Ltd"),
]
PROJECTS = ["Hotel Adler refit", "School roof 2026", "Kindergarten garden", "Office move Nord"]


@dataclass(frozen=True)
class DemoSummary:
    orders: int
    purchases: int
    receipts: int
    returns: int
    payments: int
    seconds: float


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current


def build_demo(
    db: Database,
    orders: int = 300,
    seed: int = 1,
    days: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    new_file: bool = False,
) -> DemoSummary:
    """Fill an empty shop with `orders` sales orders over the last `days` days (default:
    about 25 orders a day, at least 60 days), through the services.

    `new_file`: the shop's file was created for this demo and nobody uses it yet, so commits
    need not wait for the disk while it is built (Database.building: an interrupted build is
    simply built again; the finished file is an ordinary, durable shop)."""
    import time as _time

    started = _time.perf_counter()
    rng = random.Random(seed)
    days = days or max(60, min(730, orders // 25))
    today = date.today()
    start_day = today - timedelta(days=days)
    clock = _Clock(datetime.combine(start_day, time(8, 0)))
    set_clock(clock)
    try:
        with db.building() if new_file else nullcontext():
            counts = _fill(db, rng, orders, days, start_day, clock, progress)
    finally:
        set_clock(None)
    return DemoSummary(*counts, seconds=round(_time.perf_counter() - started, 2))


def build_demo_file(
    path: Path,
    orders: int = 300,
    seed: int = 1,
    days: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    shop_name: str | None = None,
) -> DemoSummary:
    """build_demo into a new SQLite file at `path`, written beside it
    (`<name>-building.sqlite`, fast: Database.building) and renamed into place only when
    complete: an interrupted build, even a killed process, leaves no half shop at `path`,
    and the next build removes its leftover first."""
    from db.migrate import ensure_current

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.stem + "-building.sqlite")
    companions = [Path(str(partial) + suffix) for suffix in ("-wal", "-shm", "-journal")]
    for leftover in (partial, *companions):
        leftover.unlink(missing_ok=True)
    db = Database("sqlite:///" + str(partial))
    try:
        ensure_current(db, create=True)
        summary = build_demo(db, orders, seed, days, progress, new_file=True)
        if shop_name:
            services.set_setting(db, "shop_name", shop_name)
    finally:
        db.dispose()
    for companion in companions:  # a closed, checkpointed shop has none left
        companion.unlink(missing_ok=True)
    partial.replace(path)
    return summary


def _fill(db, rng, orders, days, start_day, clock, progress):  # type: ignore[no-untyped-def]
    services.set_setting(db, "shop_name", "Demo Hardware Store")
    services.set_setting(db, "shop_address", "Hauptstraße 12\n10115 Berlin")
    services.set_setting(db, "shop_tax_id", "DE123456789")
    n_products = min(len(PRODUCTS), max(12, orders // 8))
    products = PRODUCTS[:n_products]
    cost_of: dict[str, Decimal] = {}
    for sku, name, price, tax in products:
        services.add_product(db, sku, name, price, tax, reorder_level=rng.choice([0, 5, 10]))
        cost_of[sku] = (Decimal(price) * Decimal(rng.randint(50, 70)) / 100).quantize(
            Decimal("0.01"))
    customers = []
    for n, name in enumerate(CUSTOMER_NAMES, start=1):
        code = f"C{n:04d}"
        services.add_customer(
            db, code, name, address=f"{rng.randint(1, 99)} Market Street\n{10000 + n} Berlin",
            ship_complete=(n % 9 == 0), payment_terms_days=rng.choice([None, 14, 30]),
        )
        customers.append(code)
    for code, name in SUPPLIERS:
        services.add_supplier(db, code, name)
    # opening stock for most products; some start empty so orders queue
    for sku, *_ in products:
        if rng.random() < 0.8:
            services.receive_stock(db, sku, rng.randint(10, 60), cost_of[sku], note="Opening stock")

    per_day = max(1, round(orders / days))
    made = purchases = receipts = returns = payments = 0
    open_purchases: list[tuple[str, date]] = []
    recent_orders: list[str] = []
    invoices_due: list[tuple[date, str, Decimal]] = []
    day_no = 0
    while made < orders:
        day = start_day + timedelta(days=day_no)
        day_no += 1
        if day > date.today():
            day = date.today()
        clock.current = datetime.combine(day, time(9, 0))
        # goods arrive for purchases whose day has come
        for number, arrival in list(open_purchases):
            if arrival <= day:
                result = services.receive_purchase(db, number)
                receipts += 1
                open_purchases.remove((number, arrival))
                for inv in result.invoices:
                    invoices_due.append((day, inv, Decimal(0)))
        for _ in range(per_day if day_no > 1 else per_day // 2 + 1):
            if made >= orders:
                break
            clock.current += timedelta(minutes=rng.randint(3, 40))
            chosen = rng.sample(products, k=rng.choice([1, 2, 2, 3, 3, 4]))
            lines = [
                services.LineInput(sku, rng.choice([1, 1, 2, 2, 3, 5, 10]),
                                   discount=rng.choice([0, 0, 0, 5, 10]))
                for sku, *_ in chosen
            ]
            promised = day + timedelta(days=rng.randint(3, 21)) if rng.random() < 0.3 else None
            project = rng.choice(PROJECTS) if rng.random() < 0.2 else None
            result = services.create_order(
                db, rng.choice(customers), lines, project=project, promised=promised,
                order_date=day,
            )
            made += 1
            recent_orders.append(result.number)
            for inv in result.invoices:
                invoices_due.append((day, inv, Decimal(0)))
            if progress:
                progress(made, orders)
        # the buyer orders what the queue and the shelf need, most arriving within a week
        if day_no % 3 == 0:
            purchases += _reorder(db, rng, day, cost_of, open_purchases)
        # a few returns on recent orders
        if recent_orders and rng.random() < 0.03 * per_day:
            returns += _maybe_return(db, rng, rng.choice(recent_orders[-200:]))
        # customers pay most invoices after a while
        still_due, paying = [], []
        for issued, inv, _ in invoices_due:
            if (day - issued).days >= rng.randint(7, 40) and rng.random() < 0.9:
                paying.append(inv)
            else:
                still_due.append((issued, inv, Decimal(0)))
        invoices_due = still_due
        for inv, amount in _open_amounts(db, paying):
            if amount <= 0:  # credited in full by a return: nothing to pay
                continue
            try:
                services.record_payment(db, inv, amount, paid_on=day)
                payments += 1
            except ShopError:
                pass
    # decide on some defective stock
    _dispose_some(db, rng)
    return made, purchases, receipts, returns, payments


def _reorder(db, rng, day, cost_of, open_purchases) -> int:  # type: ignore[no-untyped-def]
    made = 0
    by_supplier: dict[str, list[services.PurchaseLineInput]] = {}
    for sku, on_hand, available, incoming, reorder_level, need in _shelf(db):
        short = need - available - incoming
        low = on_hand + incoming <= reorder_level
        if short > 0 or low or (incoming == 0 and rng.random() < 0.05):
            qty = max(short, 0) + rng.randint(10, 40)
            supplier = SUPPLIERS[zlib.crc32(sku.encode()) % len(SUPPLIERS)][0]
            by_supplier.setdefault(supplier, []).append(
                services.PurchaseLineInput(sku, qty, cost_of[sku]))
    for supplier, lines in by_supplier.items():
        expected = day + timedelta(days=rng.randint(2, 9))
        result = services.create_purchase(db, supplier, lines, expected=expected, order_date=day)
        # most arrive on time, some late
        arrival = expected + timedelta(days=rng.choice([0, 0, 0, 1, 3, 12]))
        open_purchases.append((result.number, arrival))
        made += 1
    return made


@functools.cache  # built once: building the statement costs more than running it
def _shelf_query():  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from db.models import Product, PurchaseLine, PurchaseOrder, SalesOrderLine

    incoming = (
        select(PurchaseLine.product_id.label("pid"),
               func.sum(PurchaseLine.qty_ordered - PurchaseLine.qty_received).label("qty"))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseLine.purchase_order_id)
        .where(PurchaseOrder.cancelled.is_(False),
               PurchaseLine.qty_received < PurchaseLine.qty_ordered)
        .group_by(PurchaseLine.product_id)
        .subquery()
    )
    need = (
        select(SalesOrderLine.product_id.label("pid"),
               func.sum(SalesOrderLine.qty_pending - SalesOrderLine.qty_allocated).label("qty"))
        .where(SalesOrderLine.qty_pending > SalesOrderLine.qty_allocated)
        .group_by(SalesOrderLine.product_id)
        .subquery()
    )
    return (
        select(Product.sku, Product.on_hand, Product.on_hand - Product.allocated,
               func.coalesce(incoming.c.qty, 0), Product.reorder_level,
               func.coalesce(need.c.qty, 0))
        .outerjoin(incoming, incoming.c.pid == Product.id)
        .outerjoin(need, need.c.pid == Product.id)
        .order_by(Product.sku)
    )


def _shelf(db: Database) -> list[tuple[str, int, int, int, int, int]]:
    """What the buyer looks at, per product in SKU order: on hand, available, incoming,
    reorder level, and what the pending queue still needs (unreserved). One read of just
    these (the stock overview also values every FIFO layer, which the buyer does not use)."""
    with db.read() as session:
        return [
            (sku, on_hand, available, int(incoming), reorder_level, int(need))
            for sku, on_hand, available, incoming, reorder_level, need
            in session.connection().execute(_shelf_query()).tuples()
        ]


def _maybe_return(db: Database, rng: random.Random, order_number: str) -> int:
    from sqlalchemy import select

    from db.models import Product, SalesOrder, SalesOrderLine

    with db.read() as session:
        lines = session.connection().execute(
            select(Product.sku, SalesOrderLine.qty_delivered, SalesOrderLine.qty_returned)
            .join(Product, Product.id == SalesOrderLine.product_id)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .where(SalesOrder.number == order_number)
            .order_by(SalesOrderLine.line_no)
        ).all()
    candidates = [ln for ln in lines if ln.qty_delivered - ln.qty_returned > 0]
    if not candidates:
        return 0
    line = rng.choice(candidates)
    qty = rng.randint(1, line.qty_delivered - line.qty_returned)
    condition = "defective" if rng.random() < 0.4 else "sellable"
    reason = rng.choice(["faulty", "damaged"] if condition == "defective"
                        else ["wrong item", "no longer needed", "not as described"])
    services.create_return(db, order_number, {line.sku: qty}, condition=condition, reason=reason)
    return 1


def _open_amounts(db: Database, invoices: list[str]) -> list[tuple[str, Decimal]]:
    """What is still open on each of these invoices, in their order: one read for a day."""
    if not invoices:
        return []
    from sqlalchemy import bindparam, select

    from db.models import Invoice

    # the columns, not gross - paid - credited in SQL: that expression would come back in cents
    stmt = select(Invoice.number, Invoice.gross, Invoice.paid, Invoice.credited).where(
        Invoice.number.in_(bindparam("numbers", expanding=True)))
    open_of: dict[str, Decimal] = {}
    with db.read() as session:
        for start in range(0, len(invoices), 500):
            part = invoices[start:start + 500]
            for number, gross, paid, credited in session.connection().execute(
                    stmt, {"numbers": part}).tuples():
                open_of[number] = gross - paid - credited
    return [(inv, open_of[inv]) for inv in invoices]


def _dispose_some(db: Database, rng: random.Random) -> None:
    from app.queries.stock import stock_overview

    with db.read() as session:
        rows = [r for r in stock_overview(session) if r.defective > 0]
    for row in rows[: len(rows) // 2]:
        if rng.random() < 0.5:
            services.dispose_defective(db, row.sku, row.defective, "write_off", note="Broken")
        else:
            supplier = SUPPLIERS[zlib.crc32(row.sku.encode()) % len(SUPPLIERS)][0]
            services.dispose_defective(db, row.sku, row.defective, "supplier_return",
                                       supplier=supplier, note="Warranty claim")
