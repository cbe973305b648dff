"""The automatic execution: allocate pending lines, deliver them from FIFO layers, invoice them.

These functions run inside a caller's transaction and never commit. They read what they need
in a few set-based queries, decide in pure Python (app.domain), and write with bulk
insert/update statements, so serving 10,000 pending lines is one pass, not 10,000 round trips.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, func, insert, literal_column, select, text
from sqlalchemy.orm import Session

from app.bulk import Bulk, processed_once
from app.collector import collector_paused
from app.domain.allocation import Grant, QueueLine, allocate_product
from app.domain.fifo import Layer, LayersExhausted, Take, consume
from app.money import document_tax, line_net, line_tax
from app.services import order_totals
from app.services.common import InList, conn, next_numbers_and_top_ids
from app.settings import ShopSettings
from db.models import (
    Allocation,
    CostLayer,
    Customer,
    Delivery,
    DeliveryLine,
    Invoice,
    InvoiceLine,
    LayerConsumption,
    Product,
    SalesOrder,
    SalesOrderLine,
    StockMove,
)

CHUNK = 500  # ids per IN (...) list: well below every database's parameter limit


def chunks(values: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class ServedLine:
    order_number: str
    sku: str
    qty: int
    delivery: str | None
    invoice: str | None


@dataclass
class Outcome:
    """What one pass did: lines served, documents issued, orders touched."""

    served: list[ServedLine] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    orders: set[int] = field(default_factory=set)
    # serve_pending(only_order_id=...): the order's profit totals (order_totals), left for its
    # creator to add in the UPDATE that stores its status
    totals: list[tuple[int, order_totals.Amounts]] = field(default_factory=list)

    def merge(self, other: Outcome) -> None:
        self.served.extend(other.served)
        self.deliveries.extend(other.deliveries)
        self.invoices.extend(other.invoices)
        self.orders |= other.orders
        self.totals.extend(other.totals)


_AVAILABLE = (
    select(Product.id, Product.on_hand - Product.allocated)
    .where(Product.id.in_(bindparam("ids", expanding=True)))
    .with_for_update()
)


class _Available(dict[int, int]):
    """Free stock per product (on hand - allocated), loaded and locked on first use."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session

    def load(self, product_ids: Iterable[int]) -> None:
        missing = sorted(set(product_ids) - set(self))
        for part in chunks(missing):
            rows = conn(self._session).execute(_AVAILABLE, {"ids": list(part)}).tuples().all()
            self.update(dict(rows))

    def __missing__(self, product_id: int) -> int:
        self.load([product_id])
        return self.get(product_id, 0)


def _build_queue_stmt(priority: bool):  # type: ignore[no-untyped-def]
    line = SalesOrderLine
    stmt = (
        select(
            line.id,
            line.order_id,
            SalesOrder.number,
            line.product_id,
            line.due_date,
            (line.qty_pending - line.qty_allocated).label("need"),
            SalesOrder.ship_complete,
        )
        .join(SalesOrder, SalesOrder.id == line.order_id)
        .where(line.product_id == bindparam("pid"), line.qty_pending > line.qty_allocated)
    )
    order_by = [line.due_date, line.order_id, line.id]
    if priority:
        order_by.insert(0, case((line.order_id == bindparam("prio"), 0), else_=1))
    return stmt.order_by(*order_by)


# Which of these products have any unserved line (the queue index's own condition).
_WAITING = (
    select(SalesOrderLine.product_id)
    .distinct()
    .where(
        SalesOrderLine.product_id.in_(bindparam("ids", expanding=True)),
        SalesOrderLine.qty_pending > SalesOrderLine.qty_allocated,
    )
)

# The pending queue of one product in service order (back-to-back order first when given).
_QUEUE = {p: _build_queue_stmt(p) for p in (False, True)}

_WHOLE_ORDERS = (
    select(
        SalesOrderLine.order_id,
        SalesOrderLine.id,
        SalesOrderLine.product_id,
        SalesOrderLine.due_date,
        (SalesOrderLine.qty_pending - SalesOrderLine.qty_allocated).label("need"),
    )
    .where(
        SalesOrderLine.order_id.in_(bindparam("oids", expanding=True)),
        SalesOrderLine.qty_pending > SalesOrderLine.qty_allocated,
    )
    .order_by(SalesOrderLine.order_id, SalesOrderLine.id)
)


class _WholeOrders:
    """All open lines (any product) of the ship-complete orders met in the queues of a pass.

    Called with a queue line, returns its order's lines. They are read for a batch of orders
    at a time: the one asked for and the ship-complete orders already read from the queue
    but not loaded yet (a long queue has a thousand of them: one query, not a thousand)."""

    def __init__(self, session: Session, available: _Available) -> None:
        self._session = session
        self._available = available
        # SQLite: the pass holds the only write lock (BEGIN IMMEDIATE), so no other seat can
        # serve these lines between two reads: a second read would return the same rows
        # (it was most of the whole-order reads of a demo's small receipts)
        self._rereads = session.get_bind().dialect.name != "sqlite"
        self._loaded: dict[int, list[QueueLine]] = {}
        self._upcoming: dict[int, str] = {}  # ship-complete orders seen, not loaded: number

    def queue(self, rows: Any) -> Iterator[QueueLine]:
        """The queue's rows as QueueLines (their columns are its fields), in batches."""
        for part in rows.tuples().partitions():
            lines = list(map(QueueLine._make, part))
            for line in lines:
                if line.ship_complete and line.order_id not in self._loaded:
                    self._upcoming[line.order_id] = line.order_number
            yield from lines

    def __call__(self, first: QueueLine) -> list[QueueLine]:
        if first.order_id not in self._loaded:
            self._upcoming.pop(first.order_id, None)
            batch = {first.order_id: first.order_number}
            for order_id in list(self._upcoming)[: CHUNK - 1]:
                batch[order_id] = self._upcoming.pop(order_id)
            self._load(batch)
        return self._loaded[first.order_id]

    def known(self, order_id: int, lines: list[QueueLine]) -> None:
        """An order's open lines the caller has read (in _WHOLE_ORDERS's order)."""
        self._loaded[order_id] = lines

    def _load(self, numbers: dict[int, str]) -> None:
        rows = self._read(numbers)
        if self._rereads and any(r.product_id not in self._available for r in rows):
            # Lock the other products first, then read the lines again: another seat may
            # have served them between the read and the lock (PostgreSQL).
            self._available.load(r.product_id for r in rows)
            rows = self._read(numbers)
        for order_id in numbers:
            self._loaded[order_id] = []
        for r in rows:
            self._loaded[r.order_id].append(
                QueueLine(r.id, r.order_id, numbers[r.order_id], r.product_id, r.due_date,
                          r.need, True)
            )
        self._available.load(r.product_id for r in rows)

    def _read(self, numbers: dict[int, str]) -> list[Any]:
        return list(conn(self._session).execute(_WHOLE_ORDERS, {"oids": list(numbers)}))


@collector_paused()
def serve_pending(
    session: Session,
    settings: ShopSettings,
    product_ids: Iterable[int],
    trigger: str,
    *,
    at: datetime,
    receipt_id: int | None = None,
    return_id: int | None = None,
    priority_order_id: int | None = None,
    only_order_id: int | None = None,
    free: Mapping[int, int] | None = None,
) -> Outcome:
    """Give free stock of `product_ids` to their pending lines, in service order.

    In "deliver" mode the granted quantities are delivered and invoiced at once; in "reserve"
    mode they are only allocated. Every grant is recorded in `allocation` with its reason.
    `only_order_id`: serve that order's lines only (a new order; its creator then stores its
    status, which it knows without reading the lines back, and adds the outcome's `totals`
    to the order in the same UPDATE). `free`: the free stock
    (on hand - allocated) of some of the products, just read and locked by the caller.
    """
    product_ids = sorted(set(product_ids))
    available = _Available(session)
    if free is not None:
        available.update(free)
    available.load(product_ids)
    whole_order = _WholeOrders(session, available)
    grants: list[Grant] = []
    served_whole: set[int] = set()  # ship-complete orders served in this pass
    order_lines: dict[int, _Line] | None = None
    if only_order_id is not None:
        # One order's queue is its own open lines: one read, with what delivery needs
        order_lines, queues = _order_queues(session, only_order_id, whole_order)
        for product_id in product_ids:
            if available[product_id] > 0 and product_id in queues:
                grants.extend(allocate_product(
                    product_id, queues[product_id], available, whole_order, served_whole
                ))
        product_ids = []
    elif len(product_ids) > 8:  # a big receipt or import: one query finds who is waiting at all
        waiting: set[int] = set()
        for part in chunks(product_ids):
            waiting.update(conn(session).execute(_WAITING, {"ids": list(part)}).scalars())
        product_ids = [pid for pid in product_ids if pid in waiting]
    for product_id in product_ids:
        if available[product_id] <= 0:
            continue
        params = {"pid": product_id}
        if priority_order_id is not None:
            params["prio"] = priority_order_id
        rows = conn(session).execute(
            _QUEUE[priority_order_id is not None], params, execution_options={"yield_per": 1000},
        )
        queue = whole_order.queue(rows)
        grants.extend(allocate_product(product_id, queue, available, whole_order, served_whole))
        rows.close()
    if not grants:
        return Outcome()

    delivery_line_of: dict[int, int] = {}
    if settings.fulfilment_mode == "deliver":
        outcome = deliver_lines(
            session, settings, [(g.line_id, g.qty) for g in grants], from_allocation=False, at=at,
            loaded=order_lines, add_totals=only_order_id is None,
        )
        delivery_line_of = outcome.delivery_line_of
    else:
        outcome = _reserve(session, grants, order_lines)
    _INSERT_ALLOCATION.run(conn(session), [
        (g.line_id, g.product_id, g.qty, trigger, receipt_id, return_id,
         delivery_line_of.get(g.line_id), g.position, g.reason, at)
        for g in grants
    ])
    if only_order_id is None:  # a new order's status is its creator's (create_order)
        refresh_status(session, outcome.orders)
    return outcome


def _reserve(session: Session, grants: list[Grant], loaded: dict[int, _Line] | None) -> Outcome:
    by_line: dict[int, int] = defaultdict(int)
    by_product: dict[int, int] = defaultdict(int)
    for g in grants:
        by_line[g.line_id] += g.qty
        by_product[g.product_id] += g.qty
    lines = _lines(session, list(by_line), loaded)
    _BULK_RESERVE.run(conn(session), list(by_line.items()))
    _bump_products(session, by_product, allocated=+1)
    outcome = Outcome(orders={lines[lid].order_id for lid in by_line})
    outcome.served = [
        ServedLine(lines[g.line_id].order_number, lines[g.line_id].sku, g.qty, None, None)
        for g in grants
    ]
    session.expire_all()
    return outcome


_LINE_COLUMNS = (
    select(
        SalesOrderLine.id,
        SalesOrderLine.order_id,
        SalesOrderLine.product_id,
        SalesOrderLine.description,
        SalesOrderLine.unit_price,
        SalesOrderLine.discount,
        SalesOrderLine.tax_rate,
        SalesOrderLine.qty_delivered,
        SalesOrderLine.qty_pending,
        SalesOrderLine.qty_allocated,
        SalesOrderLine.qty_invoiced,
        SalesOrder.number.label("order_number"),
        SalesOrder.customer_id,
        Product.sku,
        Customer.payment_terms_days,
        Customer.name.label("customer_name"),
        Customer.address.label("customer_address"),
        Customer.tax_id.label("customer_tax_id"),
    )
    .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
    .join(Customer, Customer.id == SalesOrder.customer_id)
    .join(Product, Product.id == SalesOrderLine.product_id)
)
_LOAD_LINES = _LINE_COLUMNS.where(
    SalesOrderLine.id.in_(bindparam("ids", expanding=True))
).with_for_update(of=SalesOrderLine)
# One order's open lines, for its queue and its delivery: _Line's columns, then the queue's.
_ORDER_LINES = (
    _LINE_COLUMNS.add_columns(
        SalesOrderLine.due_date,
        (SalesOrderLine.qty_pending - SalesOrderLine.qty_allocated).label("need"),
        SalesOrder.ship_complete,
    )
    .where(
        SalesOrderLine.order_id == bindparam("oid"),
        SalesOrderLine.qty_pending > SalesOrderLine.qty_allocated,
    )
    .order_by(SalesOrderLine.id)
    .with_for_update(of=SalesOrderLine)
)


def parties(customer: Any, settings: ShopSettings) -> dict[str, str]:
    """The party columns of an issued document: customer and shop as printed today, stored
    on the document so that a later rename never changes its reprint."""
    return dict(zip(PARTY_KEYS, party_values(customer, settings), strict=True))


def party_values(customer: Any, settings: ShopSettings) -> tuple[str, ...]:
    """parties() as a tuple in PARTY_KEYS order."""
    return (
        customer.customer_name,
        customer.customer_address or "",
        customer.customer_tax_id or "",
        settings.shop_name,
        settings.shop_address,
        settings.shop_tax_id,
    )


class _Line(NamedTuple):
    """A row of _LOAD_LINES. A named tuple's fields read about ten times faster than a Row's
    attributes, and deliver_lines reads each a few times per line."""

    id: int
    order_id: int
    product_id: int
    description: str
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    qty_delivered: int
    qty_pending: int
    qty_allocated: int
    qty_invoiced: int
    order_number: str
    customer_id: int
    sku: str
    payment_terms_days: int | None
    customer_name: str
    customer_address: str | None
    customer_tax_id: str | None


assert tuple(_LOAD_LINES.selected_columns.keys()) == _Line._fields


def _order_queues(
    session: Session, order_id: int, whole_order: _WholeOrders
) -> tuple[dict[int, _Line], dict[int, list[QueueLine]]]:
    """One order's open lines (one read): as _Lines by id, and as each product's queue in
    service order (that of _QUEUE: one order's lines share their due date, so by line id).
    A ship-complete order's lines are handed to `whole_order`, which need not read them."""
    lines: dict[int, _Line] = {}
    queues: dict[int, list[QueueLine]] = defaultdict(list)
    everything: list[QueueLine] = []
    width = len(_Line._fields)
    for row in conn(session).execute(_ORDER_LINES, {"oid": order_id}).tuples():
        line = lines[row[0]] = _Line._make(row[:width])
        due_date, need, ship_complete = row[width:]
        queued = QueueLine(line.id, order_id, line.order_number, line.product_id, due_date,
                           need, ship_complete)
        queues[line.product_id].append(queued)
        everything.append(queued)
    if everything and everything[0].ship_complete:
        whole_order.known(order_id, everything)
    return lines, queues


def _lines(
    session: Session, line_ids: Sequence[int], loaded: dict[int, _Line] | None
) -> dict[int, _Line]:
    """These lines as `loaded` already holds them, else read (_load_lines)."""
    if loaded is None:
        return _load_lines(session, line_ids)
    return {line_id: loaded[line_id] for line_id in line_ids}


def _load_lines(session: Session, line_ids: Sequence[int]) -> dict[int, _Line]:
    """The order lines to serve, with what invoicing needs, locked (PostgreSQL).

    The rows are taken from the driver's cursor as it returns them, and each column Core
    would convert (price, discount, tax rate: stored integers to Decimal) is converted once
    per distinct value, as Bulk does for writes: Core's per-row conversion was about half of
    reading a big receipt's 10,588 lines (measured: ~100 -> ~50 ms)."""
    connection = conn(session)
    converters = _line_converters(connection.dialect)
    result: dict[int, _Line] = {}
    for part in chunks(sorted(line_ids)):
        found = connection.execute(_LOAD_LINES, {"ids": list(part)})
        rows = found.cursor.fetchall()
        found.close()
        if not rows:
            continue
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for i, process in converters:
            columns[i] = processed_once(columns[i], process)
        result.update((line.id, line) for line in map(_Line._make, zip(*columns, strict=True)))
    return result


_LINE_CONVERTERS: dict[type, list[tuple[int, Any]]] = {}


def _line_converters(dialect: Any) -> list[tuple[int, Any]]:
    """(column index, Core's result processor) of _LOAD_LINES's columns that have one."""
    found = _LINE_CONVERTERS.get(type(dialect))
    if found is None:
        found = _LINE_CONVERTERS[type(dialect)] = [
            (i, process)
            for i, column in enumerate(_LOAD_LINES.selected_columns)
            if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
        ]
    return found


_PRODUCT = Product.__table__
_BUMP = (
    _PRODUCT.update()
    .where(_PRODUCT.c.id == bindparam("pid"))
    .values(
        on_hand=_PRODUCT.c.on_hand + bindparam("d_on_hand"),
        allocated=_PRODUCT.c.allocated + bindparam("d_allocated"),
        defective=_PRODUCT.c.defective + bindparam("d_defective"),
    )
)

_BULK_BUMP = Bulk(_BUMP, ("pid", "d_on_hand", "d_allocated", "d_defective"))


def _bump_products(
    session: Session, deltas: dict[int, int], *, on_hand: int = 0, allocated: int = 0,
    defective: int = 0,
) -> None:
    """Add `delta * sign` to the named counters of each product: one UPDATE, executemany.

    The counters' CHECK constraints refuse anything that would go negative."""
    if not deltas:
        return
    _BULK_BUMP.run(conn(session), [
        (pid, on_hand * d, allocated * d, defective * d) for pid, d in sorted(deltas.items())
    ])


_LINE = SalesOrderLine.__table__
_MOVE_LINES = (
    _LINE.update()
    .where(_LINE.c.id == bindparam("lid"))
    .values(
        qty_delivered=_LINE.c.qty_delivered + bindparam("q"),
        qty_pending=_LINE.c.qty_pending - bindparam("q"),
        qty_invoiced=_LINE.c.qty_invoiced + bindparam("q"),
        qty_allocated=_LINE.c.qty_allocated - bindparam("r"),
    )
)
_RESERVE = (
    _LINE.update()
    .where(_LINE.c.id == bindparam("lid"))
    .values(qty_allocated=_LINE.c.qty_allocated + bindparam("q"))
)


_BULK_MOVE_LINES = Bulk(_MOVE_LINES, ("lid", "q", "r"))
_BULK_RESERVE = Bulk(_RESERVE, ("lid", "q"))


def _move_line_quantities(session: Session, items: list[tuple[int, int, int]]) -> None:
    """(line, delivered qty, of which was reserved): pending -> delivered and invoiced."""
    _BULK_MOVE_LINES.run(conn(session), items)


_LOAD_LAYERS = InList("ids", lambda ids: (
    select(CostLayer.id, CostLayer.product_id, CostLayer.qty_remaining, CostLayer.unit_cost,
           CostLayer.for_order_id)
    .where(
        CostLayer.product_id.in_(ids),
        CostLayer.location == bindparam("loc"),
        # 0 written into the SQL, not bound: SQLite plans a statement whose bound value
        # decides whether a partial index (ix_cost_layer_open: qty_remaining > 0) applies
        # again on every run (measured: 136 -> 30 us per read)
        CostLayer.qty_remaining > literal_column("0"),
    )
    .order_by(CostLayer.product_id, CostLayer.id)
    .with_for_update()
))


def load_layers(
    session: Session, product_ids: Iterable[int], location: str
) -> dict[int, list[Layer]]:
    """Open FIFO layers of these products at a location, oldest first (locked)."""
    layers: dict[int, list[Layer]] = defaultdict(list)
    for part in chunks(sorted(set(product_ids))):
        for r in conn(session).execute(*_LOAD_LAYERS(part, loc=location)):
            layers[r.product_id].append(Layer(r.id, r.qty_remaining, r.unit_cost, r.for_order_id))
    return layers


_SAVE_LAYER = (
    CostLayer.__table__.update()
    .where(CostLayer.__table__.c.id == bindparam("lid"))
    .values(qty_remaining=bindparam("left"))
)


_BULK_SAVE_LAYER = Bulk(_SAVE_LAYER, ("lid", "left"))


def save_layers(session: Session, layers: dict[int, list[Layer]], touched: set[int]) -> None:
    _BULK_SAVE_LAYER.run(conn(session), [
        (layer.id, layer.remaining)
        for product_layers in layers.values()
        for layer in product_layers
        if layer.id in touched
    ])


def take_from_layers(
    layers: dict[int, list[Layer]], product_id: int, qty: int, order_id: int | None, what: str
) -> list[Take]:
    try:
        return consume(layers[product_id], qty, order_id)
    except LayersExhausted as exc:
        raise RuntimeError(f"stock ledger broken for product {product_id} ({what}): {exc}") from exc


# prebuilt per set of tables: building a statement costs more than running it
_MAX_IDS: dict[tuple[str, ...], Any] = {}


def reserve_ids(session: Session, table: Any, count: int) -> list[int]:
    """`count` new primary keys for `table`, taken inside the write transaction.

    Inserting with known ids lets a 10,000-row pass be one executemany: SQLite cannot
    return generated ids in parameter order for a multi-row INSERT, so SQLAlchemy would
    fall back to one statement per row. SQLite: the writer lock (BEGIN IMMEDIATE) is held and
    these tables are append-only, so max(id) + 1 onwards is free. PostgreSQL: nextval."""
    return reserve_ids_each(session, [(table, count)])[0]


def reserve_ids_each(session: Session, wanted: Sequence[tuple[Any, int]]) -> list[list[int]]:
    """reserve_ids for several (table, count) pairs in one statement (a delivery, its lines
    and its invoice): the same ids as one reserve_ids per table."""
    result: list[list[int]] = [[] for _ in wanted]
    asked = [(i, table, count) for i, (table, count) in enumerate(wanted) if count > 0]
    if not asked:
        return result
    connection = conn(session)
    if connection.dialect.name == "postgresql":
        # each table's sequence is its own: drawing them in one statement changes no value
        sql = " UNION ALL ".join(
            f"SELECT {k}, nextval(pg_get_serial_sequence(:t{k}, 'id')) "
            f"FROM generate_series(1, :n{k})"
            for k in range(len(asked))
        )
        params: dict[str, Any] = {}
        for k, (_, table, count) in enumerate(asked):
            params[f"t{k}"], params[f"n{k}"] = table.name, count
        for k, value in connection.execute(text(sql), params):
            result[asked[k][0]].append(value)
        for ids in result:
            ids.sort()
        return result
    names = tuple(table.name for _, table, _ in asked)
    stmt = _MAX_IDS.get(names)
    if stmt is None:  # Bulk.one: plain integers back, without Core's result handling
        stmt = _MAX_IDS[names] = Bulk(select(*(
            select(func.coalesce(func.max(table.c.id), literal_column("0"))).scalar_subquery()
            for _, table, _ in asked
        )), ())
    tops = stmt.one(connection, ()).one()
    for (i, _, count), top in zip(asked, tops, strict=True):
        result[i] = list(range(top + 1, top + 1 + count))
    return result


def insert_with_ids(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` with reserved ids (see reserve_ids); returns the ids in row order."""
    ids = reserve_ids(session, table, len(rows))
    if rows:
        conn(session).execute(
            insert(table), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
        )
    return ids


PARTY_KEYS = ("customer_name", "customer_address", "customer_tax_id",
              "shop_name", "shop_address", "shop_tax_id")
_DELIVERY = Delivery.__table__
_INSERT_DELIVERY = Bulk(
    insert(_DELIVERY), ("id", "number", "order_id", "delivery_date", "created_at", *PARTY_KEYS)
)
_INSERT_DELIVERY_LINE = Bulk(
    insert(DeliveryLine.__table__),
    ("id", "delivery_id", "order_line_id", "product_id", "qty", "cost"),
)
_INSERT_CONSUMPTION = Bulk(
    insert(LayerConsumption.__table__),
    ("layer_id", "qty", "unit_cost", "qty_returned", "delivery_line_id"),
)
_INSERT_MOVE = Bulk(
    insert(StockMove.__table__),
    ("product_id", "kind", "from_location", "to_location", "qty", "cost", "delivery_line_id",
     "created_at"),
)
_INSERT_INVOICE = Bulk(
    insert(Invoice.__table__),
    ("id", "number", "order_id", "delivery_id", "customer_id", "issue_date", "due_date",
     "currency", "tax_rounding", "net", "tax", "gross", "paid", "credited", "created_at",
     *PARTY_KEYS),
)
_INSERT_INVOICE_LINE = Bulk(
    insert(InvoiceLine.__table__),
    ("invoice_id", "order_line_id", "delivery_line_id", "product_id", "description", "qty",
     "unit_price", "discount", "tax_rate", "net", "tax"),
)
_INSERT_ALLOCATION = Bulk(
    insert(Allocation.__table__),
    ("order_line_id", "product_id", "qty", "trigger", "receipt_id", "return_id",
     "delivery_line_id", "queue_position", "reason", "created_at"),
)


@dataclass
class DeliveryOutcome(Outcome):
    delivery_line_of: dict[int, int] = field(default_factory=dict)  # order line -> delivery line


@collector_paused()
def deliver_lines(
    session: Session,
    settings: ShopSettings,
    items: list[tuple[int, int]],
    *,
    from_allocation: bool,
    at: datetime,
    loaded: dict[int, _Line] | None = None,
    add_totals: bool = True,
) -> DeliveryOutcome:
    """Deliver (order line id, qty) pairs: one delivery and one invoice per order.

    Goods leave sellable stock from FIFO layers (back-to-back layers of the order first); each
    delivery line freezes its cost. `from_allocation` says the goods were reserved before.
    Rows are built as tuples in column order and written by one executemany per table (Bulk).
    `loaded`: the lines as the caller has just read them (serve_pending of one order).
    `add_totals` False: the orders' totals are not written but handed back in the outcome's
    `totals`, for the caller's own UPDATE of the order (create_order).
    """
    on: date = at.date()
    qty_of: dict[int, int] = defaultdict(int)
    for line_id, qty in items:
        qty_of[line_id] += qty
    lines = _lines(session, list(qty_of), loaded)
    by_order: dict[int, list[Any]] = defaultdict(list)  # order -> its rows, in service order
    for line_id in qty_of:
        row = lines[line_id]
        by_order[row.order_id].append(row)
    order_ids = list(by_order)
    count = len(order_ids)
    party_of = {}  # order -> its parties, built once per customer (a receipt: 300 for 9,000)
    of_customer: dict[int, tuple[str, ...]] = {}
    for oid, rows in by_order.items():
        first = rows[0]
        party = of_customer.get(first.customer_id)
        if party is None:
            party = of_customer[first.customer_id] = party_values(first, settings)
        party_of[oid] = party

    # one UPDATE ... RETURNING for both sequences (a delivery always gets its invoice); on
    # SQLite it also reads the three tables' highest ids for the pass's new ids (reserve_ids),
    # one statement less per pass (callgrind: -1.0% per order)
    wanted = [(_DELIVERY, count), (DeliveryLine.__table__, len(qty_of)),
              (Invoice.__table__, count)]
    sqlite = session.get_bind().dialect.name == "sqlite"
    (delivery_numbers, invoice_numbers), tops = next_numbers_and_top_ids(
        session, ["delivery", "invoice"], count, on, [t for t, _ in wanted] if sqlite else []
    )
    if tops is None:  # PostgreSQL, or the year's first numbers: one statement for the three
        ids = reserve_ids_each(session, wanted)
    else:
        ids = [list(range(top + 1, top + 1 + n)) for top, (_, n) in zip(tops, wanted, strict=True)]
    delivery_ids, delivery_line_ids, invoice_ids = ids
    connection = conn(session)
    _INSERT_DELIVERY.run(connection, [
        (delivery_id, number, oid, on, at, *party_of[oid])
        for delivery_id, number, oid in zip(delivery_ids, delivery_numbers, order_ids, strict=True)
    ])

    # Every other row of the pass in one walk over the lines, order by order: delivery lines
    # (their cost frozen from the FIFO takes), layer consumptions, stock moves, invoice lines
    # and invoices. Each table's rows keep the order (and so the ids) of one pass per table.
    # Invoices: amounts rounded per line; the tax total follows the shop's rounding mode.
    # The money rules are pure, and a pass repeats their inputs (same price, quantity,
    # discount): each distinct input is computed once.
    net_of = lru_cache(maxsize=None)(line_net)
    tax_of = lru_cache(maxsize=None)(line_tax)
    document_tax_of = lru_cache(maxsize=None)(document_tax)
    layers = load_layers(session, {row.product_id for row in lines.values()}, "sellable")
    touched_layers: set[int] = set()
    delivery_line_rows = []
    consumption_rows = []
    move_rows = []
    invoice_rows = []
    invoice_line_rows = []
    delivery_line_of: dict[int, int] = {}  # order line -> delivery line
    totals = []  # (order, its invoice's net and delivery's cost): the order's profit so far
    dl_ids = iter(delivery_line_ids)  # one per line, in this walk's order
    zero = Decimal(0)
    for oid, delivery_id, invoice_id, number in zip(
        order_ids, delivery_ids, invoice_ids, invoice_numbers, strict=True
    ):
        rows = by_order[oid]
        amounts = []
        order_cost = zero
        for row in rows:
            line_id, product_id, qty = row.id, row.product_id, qty_of[row.id]
            dl_id = delivery_line_of[line_id] = next(dl_ids)
            takes = take_from_layers(layers, product_id, qty, oid, "delivery")
            for t in takes:
                touched_layers.add(t.layer_id)
                consumption_rows.append((t.layer_id, t.qty, t.unit_cost, 0, dl_id))
            cost = takes[0].cost if len(takes) == 1 else sum((t.cost for t in takes), zero)
            order_cost += cost
            delivery_line_rows.append((dl_id, delivery_id, line_id, product_id, qty, cost))
            move_rows.append(
                (product_id, "delivery", "sellable", "customer", qty, cost, dl_id, at)
            )
            net = net_of(qty, row.unit_price, row.discount)
            amounts.append((net, row.tax_rate))
            invoice_line_rows.append(
                (invoice_id, line_id, dl_id, product_id, row.description, qty, row.unit_price,
                 row.discount, row.tax_rate, net, tax_of(net, row.tax_rate))
            )
        net_total = amounts[0][0] if len(amounts) == 1 else sum((n for n, _ in amounts), zero)
        tax_total = document_tax_of(tuple(amounts), settings.tax_rounding)
        first = rows[0]
        terms = first.payment_terms_days
        terms = settings.payment_terms_days if terms is None else terms
        invoice_rows.append(
            (invoice_id, number, oid, delivery_id, first.customer_id, on,
             on + timedelta(days=terms), settings.currency, settings.tax_rounding,
             net_total, tax_total, net_total + tax_total, zero, zero, at, *party_of[oid])
        )
        totals.append((oid, order_totals.delivered(net_total, order_cost)))
    _INSERT_DELIVERY_LINE.run(connection, delivery_line_rows)
    save_layers(session, layers, touched_layers)
    _INSERT_CONSUMPTION.run(connection, consumption_rows)
    _INSERT_MOVE.run(connection, move_rows)
    _INSERT_INVOICE.run(connection, invoice_rows)
    _INSERT_INVOICE_LINE.run(connection, invoice_line_rows)
    if add_totals:
        order_totals.add_to_orders(session, totals)

    _move_line_quantities(
        session,
        [(lid, q, q if from_allocation else 0) for lid, q in qty_of.items()],
    )
    per_product: dict[int, int] = defaultdict(int)
    for lid, q in qty_of.items():
        per_product[lines[lid].product_id] += q
    _bump_products(session, per_product, on_hand=-1, allocated=-1 if from_allocation else 0)

    numbers = zip(delivery_numbers, invoice_numbers, strict=True)
    number_of = dict(zip(order_ids, numbers, strict=True))
    outcome = DeliveryOutcome(
        deliveries=delivery_numbers,
        invoices=invoice_numbers,
        orders=set(order_ids),
        totals=[] if add_totals else totals,
        delivery_line_of=delivery_line_of,
    )
    served = outcome.served
    for lid, q in qty_of.items():
        row = lines[lid]
        served.append(ServedLine(row.order_number, row.sku, q, *number_of[row.order_id]))
    session.expire_all()
    return outcome


def _status_update():  # type: ignore[no-untyped-def]
    line = SalesOrderLine.__table__
    order = SalesOrder.__table__

    pending, delivered, allocated = (
        func.coalesce(func.sum(column), 0)
        for column in (line.c.qty_pending, line.c.qty_delivered, line.c.qty_allocated)
    )
    # One subquery per order that sums its lines once: a subquery per sum in the CASE was
    # run once per use, up to five times (measured on 9,346 orders: 78 -> 66 ms).
    status = (
        select(case(
            (pending == 0, case((delivered > 0, "done"), else_="cancelled")),
            (delivered > 0, "partial"),
            (allocated == pending, "open"),
            else_="pending",
        ))
        .where(line.c.order_id == order.c.id)
        .scalar_subquery()
    )
    return InList("ids", lambda ids: order.update().where(order.c.id.in_(ids)).values(
        status=status
    ))


# Built once: the same rule as app.domain.states.order_status (the check compares them).
_STATUS_UPDATE = _status_update()


_LOCK_ORDERS = (
    select(SalesOrder.id)
    .where(SalesOrder.id.in_(bindparam("ids", expanding=True)))
    .order_by(SalesOrder.id)
    .with_for_update()
)


def refresh_status(session: Session, order_ids: Iterable[int]) -> None:
    """Recompute the stored status of these orders from their lines' quantities, in SQL."""
    ids = sorted(set(order_ids))
    connection = conn(session)
    for part in chunks(ids):
        if connection.dialect.name == "postgresql":
            # Lock first: an UPDATE that waited for another seat's lock on the order would
            # then compute the sums from its older snapshot, missing that seat's lines.
            connection.execute(_LOCK_ORDERS, {"ids": list(part)}).all()
        connection.execute(*_STATUS_UPDATE(part))
