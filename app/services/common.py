"""What every use case shares: the clock, change flags, look-ups that refuse with a sentence,
gapless document numbers, and the results handed back to the GUI and the CLI."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, bindparam, func, literal_column, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.bulk import Bulk
from app.errors import Conflict, DatabaseBusy, InvalidInput, NotFound, ShopError
from app.settings import ShopSettings
from app.settings import load as load_settings
from db.models import (
    Customer,
    DocSequence,
    Invoice,
    Product,
    Project,
    PurchaseOrder,
    SalesOrder,
    Supplier,
)
from db.session import Database

log = logging.getLogger(__name__)

# Document number prefixes: INV-2026-00001.
PREFIX = {
    "order": "SO",
    "purchase": "PO",
    "receipt": "GR",
    "delivery": "DN",
    "invoice": "INV",
    "return": "RT",
    "credit_note": "CN",
    "disposal": "DS",
    "adjustment": "ADJ",
}


_clock: Callable[[], datetime] | None = None


def now() -> datetime:
    """The one clock of the services (the demo and tests may set another, see set_clock)."""
    if _clock is not None:
        return _clock()
    return datetime.now().replace(microsecond=0)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Make the services see another time (None: the real clock again)."""
    global _clock
    _clock = clock


def today() -> date:
    return now().date()


@dataclass(frozen=True)
class Changes:
    """Which kinds of data a write touched, so each screen decides whether to re-query."""

    orders: bool = False
    stock: bool = False
    invoices: bool = False
    purchases: bool = False
    returns: bool = False
    catalog: bool = False
    settings: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            **{k: getattr(self, k) or getattr(other, k) for k in self.__dataclass_fields__}
        )


EVERYTHING = Changes(True, True, True, True, True, True, True)


class InList:
    """A statement with an `IN (...)` list, built once per list length for short lists.

    SQLAlchemy renders an expanding parameter (`bindparam(expanding=True)`) anew on every
    execution: about 60 microseconds for a 3-id list (measured), on statements every order
    runs (its products, their FIFO layers). A list of at most SHORT values gets a statement of its
    own length instead, compiled once and then found in the engine's compile cache; longer
    lists (a big receipt) keep the expanding parameter, so at most SHORT variants exist.

    `build(values)` returns the statement for `values`, the right side of `column.in_()`."""

    SHORT = 8

    def __init__(self, name: str, build: Callable[[Any], Any]) -> None:
        self.name = name
        self._build = build
        self._expanding = build(bindparam(name, expanding=True))
        self._short: dict[int, tuple[Any, list[str]]] = {}  # by length: statement, names

    def __call__(self, values: Sequence[Any], **params: Any) -> tuple[Any, dict[str, Any]]:
        """The statement for these values and its parameters (with `params`)."""
        count = len(values)
        if count > self.SHORT:
            return self._expanding, {self.name: list(values), **params}
        found = self._short.get(count)
        if found is None:
            names = [f"{self.name}_{i}" for i in range(count)]
            found = self._short[count] = (self._build([bindparam(n) for n in names]), names)
        stmt, names = found
        return stmt, {**dict(zip(names, values, strict=True)), **params}


_SEQ = DocSequence.__table__
_BUMP = (
    _SEQ.update()
    .where(_SEQ.c.prefix == bindparam("b_prefix"), _SEQ.c.year == bindparam("b_year"))
    .values(last_value=_SEQ.c.last_value + bindparam("b_count"))
    .returning(_SEQ.c.last_value)
)
# Bulk.one: a Core execute of this UPDATE ... RETURNING costs about twice as much
_BUMP_ONE = Bulk(_BUMP, ("b_prefix", "b_year", "b_count"))


def conn(session: Session) -> Connection:
    """The session's connection, with pending ORM changes flushed first.

    The hot path runs prebuilt Core statements on it: an ORM `session.execute` of the same
    statement costs about five times as much (measured: 178 vs 32 microseconds).
    flush() itself returns at once when nothing is pending; asking first (session.new,
    .dirty, .deleted each build a set) cost ~1 us more per call, and an order calls this
    ~15 times (callgrind, GC and ASLR off: -1.7% per order)."""
    session.flush()
    return session.connection()


def next_numbers(session: Session, kind: str, count: int, on: date) -> list[str]:
    """`count` consecutive numbers for `kind` in `on`'s year, taken inside the caller's
    transaction: a rollback gives them back, so numbering stays gapless.

    One UPDATE ... RETURNING: the row lock it takes serializes concurrent issuers (SQLite
    already holds the write lock from BEGIN IMMEDIATE). The year's first number creates the
    row with INSERT ... ON CONFLICT DO NOTHING, so two first issuers cannot both insert."""
    if count <= 0:
        return []
    prefix, year = PREFIX[kind], on.year
    connection = conn(session)
    last = _BUMP_ONE.one(connection, (prefix, year, count)).scalar_one_or_none()
    if last is None:
        _first_of_year(session, prefix, year)
        last = _BUMP_ONE.one(connection, (prefix, year, count)).scalar_one()
    return _numbers(prefix, year, last, count)


@functools.cache
def _bump_each(kinds: int, top_ids_of: tuple[Any, ...] = ()) -> Bulk:
    """_BUMP for `kinds` prefixes at once (Bulk.one, as _BUMP_ONE); each row also hands back
    the highest id of each table of `top_ids_of` (0 if empty)."""
    names = [f"b_prefix_{i}" for i in range(kinds)]
    tops = [
        select(func.coalesce(func.max(table.c.id), literal_column("0"))).scalar_subquery()
        for table in top_ids_of
    ]
    return Bulk(
        _SEQ.update()
        .where(_SEQ.c.prefix.in_([bindparam(n) for n in names]),
               _SEQ.c.year == bindparam("b_year"))
        .values(last_value=_SEQ.c.last_value + bindparam("b_count"))
        .returning(_SEQ.c.prefix, _SEQ.c.last_value, *tops),
        (*names, "b_year", "b_count"),
    )


def next_numbers_each(
    session: Session, kinds: Sequence[str], count: int, on: date
) -> list[list[str]]:
    """next_numbers for several kinds at once, `count` of each (a pass's deliveries and
    their invoices): one UPDATE ... RETURNING instead of one per kind, the same numbers."""
    return next_numbers_and_top_ids(session, kinds, count, on, ())[0]


def next_numbers_and_top_ids(
    session: Session, kinds: Sequence[str], count: int, on: date, tables: Sequence[Any]
) -> tuple[list[list[str]], list[int] | None]:
    """next_numbers_each, and the highest id of each of `tables` as the same UPDATE ...
    RETURNING reads it (SQLite only: the writer lock is held, see reserve_ids in
    app.services.fulfilment), or None when it returned no row (the year's first numbers)
    or no tables are named.
    One statement instead of two for every delivery pass."""
    prefixes = [PREFIX[kind] for kind in kinds]
    if len(set(prefixes)) != len(prefixes):
        raise ValueError(f"next_numbers_each: a kind named twice in {kinds}")
    if count <= 0:
        return [[] for _ in prefixes], None
    year = on.year
    connection = conn(session)
    if tables and connection.dialect.name != "sqlite":
        raise ValueError("next_numbers_and_top_ids: the top ids are SQLite's only")
    bumped = _bump_each(len(prefixes), tuple(tables)).one(
        connection, (*prefixes, year, count)
    ).all()
    last = {row[0]: row[1] for row in bumped}
    tops = list(bumped[0][2:]) if bumped and tables else None
    for prefix in prefixes:
        if prefix not in last:
            _first_of_year(session, prefix, year)
            last[prefix] = _BUMP_ONE.one(connection, (prefix, year, count)).scalar_one()
    return [_numbers(prefix, year, last[prefix], count) for prefix in prefixes], tops


def _first_of_year(session: Session, prefix: str, year: int) -> None:
    """The year's sequence row for `prefix` (INSERT ... ON CONFLICT DO NOTHING: two first
    issuers cannot both insert it)."""
    session.execute(
        _dialect_insert(session, _SEQ)
        .values(prefix=prefix, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["prefix", "year"])
    )


def _numbers(prefix: str, year: int, last: int, count: int) -> list[str]:
    return [f"{prefix}-{year}-{n:05d}" for n in range(last - count + 1, last + 1)]


def check_text(value: str, what: str, *, max_len: int = 200, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{what} cannot be empty.")
    if len(value) > max_len:
        raise InvalidInput(f"{what} is too long ({len(value):,} characters; at most {max_len}).")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise InvalidInput(f"{what} contains control characters.")
    return value


def product_by_sku(session: Session, sku: str, *, lock: bool = False) -> Product:
    stmt = select(Product).where(Product.sku == sku)
    if lock:
        if session.get_bind().dialect.name != "sqlite":  # its ship-complete partners first
            found = session.execute(select(Product.id).where(Product.sku == sku)).scalar()
            lock_products(session, [] if found is None else [found])
        stmt = stmt.with_for_update()
    product = session.execute(stmt).scalar_one_or_none()
    if product is None:
        raise NotFound(f"There is no product with SKU {sku!r}.")
    return product


def products_by_sku(session: Session, skus: Iterable[str]) -> dict[str, Product]:
    wanted = set(skus)
    found = {
        p.sku: p
        for p in session.execute(
            select(Product)
            .where(Product.sku.in_(wanted))
            .order_by(Product.id)  # every use case locks products in id order: no deadlock
            .with_for_update()
        ).scalars()
    }
    missing = sorted(wanted - set(found))
    if missing:
        raise NotFound(f"There is no product with SKU {', '.join(map(repr, missing))}.")
    return found


def lock_products(session: Session, product_ids: Iterable[int]) -> None:
    """Lock these products, and those of ship-complete orders waiting for them, FOR UPDATE in
    id order, before reading stock or queues (PostgreSQL; a no-op on SQLite, where BEGIN
    IMMEDIATE already serialises writers).

    A use case that changes stock or pending lines takes these locks first, before document
    numbers or order lines, so two seats never wait for each other in a circle. Serving a
    ship-complete order needs all of its products: they are locked here too, in the same
    sorted pass, instead of in the middle of the queue."""
    if session.get_bind().dialect.name == "sqlite":
        return
    wanted = set(product_ids)
    connection = session.connection()

    def with_partners(ids: set[int]) -> set[int]:
        found = set(ids)
        for part in _parts(sorted(ids)):
            found.update(connection.execute(_SHIP_COMPLETE_PARTNERS, {"ids": part}).scalars())
        return found

    locked = with_partners(wanted)
    for part in _parts(sorted(locked)):
        connection.execute(_LOCK_PRODUCTS, {"ids": part}).all()
    # A seat that held one of these locks may just have committed a new ship-complete order
    # naming other products. Those are taken without waiting: if another seat holds one,
    # the use case runs again at once (ConcurrentChange) instead of risking a deadlock.
    late = with_partners(wanted) - locked
    for part in _parts(sorted(late)):
        connection.execute(_LOCK_PRODUCTS_NOWAIT, {"ids": part}).all()


def _parts(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _ship_complete_partners():  # type: ignore[no-untyped-def]
    from db.models import SalesOrderLine

    line, other = SalesOrderLine.__table__.alias("l"), SalesOrderLine.__table__.alias("o")
    order = SalesOrder.__table__
    return (
        select(other.c.product_id)
        .distinct()
        .select_from(line)
        .join(order, (order.c.id == line.c.order_id) & order.c.ship_complete)
        .join(other, other.c.order_id == line.c.order_id)
        .where(
            line.c.product_id.in_(bindparam("ids", expanding=True)),
            line.c.qty_pending > line.c.qty_allocated,
            other.c.qty_pending > other.c.qty_allocated,
        )
    )


_SHIP_COMPLETE_PARTNERS = _ship_complete_partners()
_LOCK_PRODUCTS = (
    select(Product.id)
    .where(Product.id.in_(bindparam("ids", expanding=True)))
    .order_by(Product.id)
    .with_for_update()
)
_LOCK_PRODUCTS_NOWAIT = (
    select(Product.id)
    .where(Product.id.in_(bindparam("ids", expanding=True)))
    .order_by(Product.id)
    .with_for_update(nowait=True)
)


def lock_order_products(session: Session, order_id: int) -> None:
    """lock_products for every product on a sales order's lines."""
    from db.models import SalesOrderLine

    if session.get_bind().dialect.name == "sqlite":
        return

    lock_products(session, session.scalars(
        select(SalesOrderLine.product_id).where(SalesOrderLine.order_id == order_id)
    ).all())


def customer_by_code(session: Session, code: str) -> Customer:
    customer = session.execute(select(Customer).where(Customer.code == code)).scalar_one_or_none()
    if customer is None:
        raise NotFound(f"There is no customer with code {code!r}.")
    return customer


def supplier_by_code(session: Session, code: str) -> Supplier:
    supplier = session.execute(select(Supplier).where(Supplier.code == code)).scalar_one_or_none()
    if supplier is None:
        raise NotFound(f"There is no supplier with code {code!r}.")
    return supplier


def order_by_number(session: Session, number: str) -> SalesOrder:
    order = session.execute(
        select(SalesOrder).where(SalesOrder.number == number)
    ).scalar_one_or_none()
    if order is None:
        raise NotFound(f"There is no sales order {number!r}.")
    return order


def purchase_by_number(session: Session, number: str) -> PurchaseOrder:
    po = session.execute(
        select(PurchaseOrder).where(PurchaseOrder.number == number)
    ).scalar_one_or_none()
    if po is None:
        raise NotFound(f"There is no purchase order {number!r}.")
    return po


def invoice_by_number(session: Session, number: str) -> Invoice:
    invoice = session.execute(select(Invoice).where(Invoice.number == number)).scalar_one_or_none()
    if invoice is None:
        raise NotFound(f"There is no invoice {number!r}.")
    return invoice


def project_id_for(session: Session, name: str | None) -> int | None:
    """Projects are tags: naming an unknown one creates it."""
    if name is None or not name.strip():
        return None
    name = check_text(name, "Project name")
    connection = conn(session)
    found = connection.execute(_PROJECT_ID, {"name": name}).scalar_one_or_none()
    if found is None:  # another seat may create the same tag at the same moment
        connection.execute(_dialect_insert(session, Project.__table__).values(name=name)
                           .on_conflict_do_nothing(index_elements=["name"]))
        found = connection.execute(_PROJECT_ID, {"name": name}).scalar_one()
    return found


_PROJECT_ID = select(Project.id).where(Project.name == bindparam("name"))


def _dialect_insert(session: Session, table):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


@contextmanager
def transaction(db: Database) -> Iterator[tuple[Session, ShopSettings]]:
    """One use case = one write transaction, with the shop's settings as they are now."""
    with writing(db) as session:
        yield session, load_settings(session)


@contextmanager
def writing(db: Database) -> Iterator[Session]:
    """One write transaction (for a use case that needs no setting). Any error rolls
    everything back; storage failures a user can act on (locked, read-only, full disk)
    become sentences."""
    with _refusals(), db.write() as session:
        yield session


@contextmanager
def writing_connection(db: Database) -> Iterator[Connection]:
    """writing() for a use case of Core statements only (a payment): one transaction on a
    connection, without an ORM session; the same refusals."""
    with _refusals(), db.write_connection() as connection:
        yield connection


@contextmanager
def _refusals() -> Iterator[None]:
    """A write's storage failures and broken data rules as sentences (after its rollback)."""
    try:
        yield
    except OperationalError as exc:
        raise storage_error(exc) from exc
    except IntegrityError as exc:
        log.exception("a database rule refused a write")
        raise Conflict(
            "The change was refused because it would break a rule of the shop's data "
            f"({_constraint_name(exc)}). Nothing was saved."
        ) from exc


@contextmanager
def reading(db: Database) -> Iterator[Session]:
    try:
        with db.read() as session:
            yield session
    except OperationalError as exc:
        raise storage_error(exc) from exc


# PostgreSQL's serialization_failure and deadlock_detected: the transaction was rolled back,
# and running the whole use case again is the documented cure.
# lock_not_available: a NOWAIT lock another seat holds (see lock_products).
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
RETRIES = 5


class ConcurrentChange(DatabaseBusy):
    """Another seat changed the same rows at the same moment; the use case may run again."""


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


P = ParamSpec("P")
R = TypeVar("R")


def retrying(use_case: Callable[P, R]) -> Callable[P, R]:
    """Run a whole use case again (a few times, after a short random pause) when the database
    aborted its transaction because of another seat (deadlock, serialization failure).

    Only for functions that are one transaction and nothing else (no file written, nothing
    shown), so that running them again is the same as running them once."""

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(RETRIES):
            try:
                return use_case(*args, **kwargs)
            except ConcurrentChange:
                log.info("%s: concurrent change, running it again", use_case.__name__)
                time.sleep(random.uniform(0.002, 0.02) * (attempt + 1))
        return use_case(*args, **kwargs)

    return run


def storage_error(exc: OperationalError) -> ShopError:
    if _sqlstate(exc) in RETRYABLE_SQLSTATES:
        return ConcurrentChange(
            "Another seat changed the same data at the same moment; try again. "
            "Nothing was saved."
        )
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseBusy(
            "The shop is busy in another window or on another seat; try again in a moment. "
            "Nothing was saved."
        )
    if "readonly" in text or "read-only" in text:
        return ShopError("The shop's file is read-only here; nothing can be saved to it.")
    if "disk is full" in text or "disk full" in text:
        return ShopError("The disk is full: free some space, then try again. Nothing was saved.")
    if "unable to open" in text:
        return ShopError("The shop's file cannot be opened (is its folder missing?).")
    if "no such table" in text:
        return ShopError("This file is not an initialised ShopDesk shop (run 'shopdesk init').")
    return ShopError(f"The database refused the request: {exc.orig}.")


def _constraint_name(exc: IntegrityError) -> str:
    return str(exc.orig).split("\n")[0]
