"""Move a shop to PostgreSQL (several seats): an exact copy into an empty database, verified.

Everything happens in one target transaction: the schema (Alembic, to head), every table in
foreign-key order with its ids, and the id sequences moved past the copied ids. A failure
leaves the target as empty as it was. The source is read in one transaction too, so a seat
still working on it cannot make the copy half old, half new. Afterwards each table is read
back from the target and compared with the source: row count and a checksum over its rows in
primary-key order.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

import db.models  # noqa: F401  (registers every table on the metadata)
from app.errors import ShopError
from db.base import Base
from db.migrate import current_revision, head_revision
from db.session import Database

BATCH = 5000  # rows per executemany: few round trips, bounded memory


@dataclass(frozen=True)
class TableFigures:
    table: str
    rows: int
    checksum: str  # sha256 over the rows in primary-key order, the same on both sides


@dataclass(frozen=True)
class MigrationReport:
    source: str
    target: str
    tables: list[TableFigures]
    rows: int
    seconds: float


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)  # parents before children


def _ordered(table: Table):  # type: ignore[no-untyped-def]
    return select(table).order_by(*table.primary_key.columns)


class _Checksum:
    def __init__(self) -> None:
        self.rows = 0
        self._hash = hashlib.sha256()

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows += 1
        self._hash.update(repr(tuple(row)).encode("utf-8"))
        self._hash.update(b"\n")

    @property
    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _batches(conn: Connection, table: Table) -> Iterator[list[Any]]:
    result = conn.execution_options(yield_per=BATCH).execute(_ordered(table))
    try:
        for part in result.partitions(BATCH):
            yield list(part)
    finally:
        result.close()


def table_figures(conn: Connection, table: Table) -> TableFigures:
    """Row count and checksum of one table, read in primary-key order."""
    checksum = _Checksum()
    for part in _batches(conn, table):
        for row in part:
            checksum.add(tuple(row))
    return TableFigures(table.name, checksum.rows, checksum.hexdigest)


def _refuse_unless_empty(target: Database) -> None:
    try:
        with target.write_engine.connect() as conn:
            tables = sorted(inspect(conn).get_table_names())
    except OperationalError as exc:
        raise ShopError(
            f"Cannot connect to the database at {_shown(target.url)}: "
            f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}."
        ) from exc
    if tables:
        named = ", ".join(tables[:5]) + (" ..." if len(tables) > 5 else "")
        raise ShopError(
            f"The database at {_shown(target.url)} is not empty ({len(tables)} tables: {named}); "
            "a shop is copied only into a new, empty database."
        )


def _upgrade(conn: Connection, url: str) -> None:
    """Alembic to head on this connection, inside the caller's transaction."""
    from alembic import command

    from db.migrate import alembic_config

    config = alembic_config(url)
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def _reset_sequences(conn: Connection) -> None:
    """Each serial id continues after the highest copied id."""
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if sequence is None:
            continue
        top = conn.execute(select(func.max(pk[0]))).scalar()
        conn.execute(
            text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
            {"s": sequence, "v": top if top else 1, "called": bool(top)},
        )


def migrate_to(
    source: Database,
    target_url: str,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> MigrationReport:
    """Copy the shop in `source` into the empty PostgreSQL database at `target_url`.

    Refuses (ShopError) a target that is not PostgreSQL or not empty, and a source that is not
    at this ShopDesk's schema. `progress(table, rows copied so far)` is called per batch.
    """
    started = time.perf_counter()
    if make_url(target_url).get_backend_name() != "postgresql":
        raise ShopError(
            f"{_shown(target_url)} is not a PostgreSQL database URL "
            "(postgresql+psycopg://user@host/database)."
        )
    head = head_revision()
    if current_revision(source) != head:
        raise ShopError(
            "The shop to copy is not at this ShopDesk's schema; open it once with this "
            "version (it upgrades itself), then copy it."
        )
    target = Database(target_url)
    try:
        _refuse_unless_empty(target)
        copied: dict[str, TableFigures] = {}
        try:
            with source.read_engine.connect() as src, target.write_engine.begin() as dst:
                if source.is_sqlite:  # one read snapshot for every table
                    src.exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1").all()
                _upgrade(dst, target_url)
                for table in _tables():
                    checksum = _Checksum()
                    for part in _batches(src, table):
                        for row in part:
                            checksum.add(tuple(row))
                        # executemany: psycopg pipelines the batch (measured faster here
                        # than multi-row VALUES with RETURNING)
                        dst.execute(insert(table), [dict(row._mapping) for row in part])
                        if progress is not None:
                            progress(table.name, checksum.rows)
                    copied[table.name] = TableFigures(table.name, checksum.rows, checksum.hexdigest)
                _reset_sequences(dst)
        except DBAPIError as exc:
            raise ShopError(
                f"Copying to {_shown(target_url)} failed and was undone "
                f"({str(exc.orig).strip().splitlines()[0] if exc.orig else exc}). "
                "The target database is empty again."
            ) from exc

        with target.read_engine.connect() as conn:
            found = {t.name: table_figures(conn, t) for t in _tables()}
        differ = [name for name in copied if copied[name] != found[name]]
        if differ:
            raise ShopError(
                f"The copy at {_shown(target_url)} differs from the shop in "
                f"{', '.join(differ)}; do not use it (drop that database and copy again)."
            )
    finally:
        target.dispose()
    tables = list(copied.values())
    return MigrationReport(
        source=_shown(source.url),
        target=_shown(target_url),
        tables=tables,
        rows=sum(t.rows for t in tables),
        seconds=round(time.perf_counter() - started, 2),
    )
