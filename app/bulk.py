"""Bulk: one prebuilt INSERT or UPDATE run by the driver's executemany, rows as tuples
(on SQLite, a big INSERT as multi-row VALUES statements).

Shared by the fulfilment pass (thousands of rows) and the one-row writes every use case
makes (its audit row, a payment): a Core `execute` of a one-row INSERT costs about three
times as much (measured: 85 vs 27 microseconds), mostly for primary-key and default handling
these rows do not need. The statement still goes through the Connection (exec_driver_sql):
events fire, errors are wrapped as SQLAlchemy's, as for any statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import Connection, CursorResult

# SQLite: values per multi-row INSERT statement, at most. Each statement that may fail
# half-way keeps a statement journal (the first change of each page it touches), so fewer,
# longer statements cost less: the benchmark receipt's 90,000 inserted rows took ~0.05-0.1 s
# less with ~3,000 values per statement than with ~1,000 (3 alternating runs, noisy).
SQLITE_VALUES_PER_STATEMENT = 3000


def sqlite_values_per_statement(dialect: Any) -> int:
    """SQLITE_VALUES_PER_STATEMENT, or fewer if this SQLite allows fewer bound values in a
    statement (32,766 by default since 3.32; 999 before; a build may set its own)."""
    dbapi = dialect.dbapi
    limit = getattr(dbapi, "SQLITE_LIMIT_VARIABLE_NUMBER", None)
    if limit is None:
        return min(SQLITE_VALUES_PER_STATEMENT, 999)
    with closing(dbapi.connect(":memory:")) as probe:
        return min(SQLITE_VALUES_PER_STATEMENT, probe.getlimit(limit))


class _Compiled(NamedTuple):
    sql: str
    order: list[int]  # positional: the row's value for each placeholder
    processors: list[Any]
    names: list[str] | None  # named paramstyle: the placeholder of each value
    # SQLite INSERT: the same statement with `per_statement` rows in its VALUES, or None
    many_sql: str | None
    per_statement: int


class Bulk:
    """One INSERT or UPDATE run for many rows by the driver's executemany, rows as tuples.

    A Core executemany builds a parameter dict per row and calls each column's type processor
    on every value (MoneyType: Decimal -> cents; on SQLite, dates -> text): for a receipt that
    serves 10,000 lines that was most of its time. Here the statement is compiled once per
    dialect, each processor runs once per distinct value of its column (a pass repeats its
    timestamp, dates, prices and texts), and the driver receives the values Core would send
    (tests/unit/test_bulk.py compares them).

    `keys` name the row's values in order: column keys of an INSERT (each column with a
    Python-side default must be among them), bind parameter names of an UPDATE.

    `one` runs it for a single row and hands back its RETURNING row: a new id, a counter
    (or a SELECT's first row, of such values).

    On SQLite an INSERT of many rows sends them as multi-row VALUES statements (as many rows
    as sqlite_values_per_statement allows), the last few by executemany: SQLite runs each
    statement's setup once per execution, and an executemany executes once per row. For the
    10,588 lines of a big receipt that setup was a third of SQLite's instructions for the
    pass's writes (callgrind): opening a cursor on the table and each index, and rebuilding
    the lookup table of every CHECK `x IN (...)` list of more than two values (stock_move has
    three). The same rows, in the same order, get the same ids."""

    def __init__(self, stmt: Any, keys: Sequence[str]) -> None:
        self.stmt = stmt
        self.keys = tuple(keys)
        self._compiled: dict[Any, _Compiled] = {}

    def _compile(self, dialect: Any) -> _Compiled:
        cache_key = (type(dialect), dialect.paramstyle)
        found = self._compiled.get(cache_key)
        if found is not None:
            return found
        column_keys = list(self.keys) if self.stmt.is_insert else None
        compiled = self.stmt.compile(dialect=dialect, column_keys=column_keys)
        if getattr(compiled, "insert_prefetch", None) or set(compiled.binds) != set(self.keys):
            raise TypeError(
                f"Bulk {self.keys}: the statement needs the values {sorted(compiled.binds)}"
            )
        processors = [
            compiled.binds[key].type.dialect_impl(dialect).bind_processor(dialect)
            for key in self.keys
        ]
        # `one` hands back what the driver returns: only columns Core would not convert
        if self.stmt.is_select:
            returned = self.stmt.selected_columns
        else:
            returned = self.stmt.exported_columns if self.stmt._returning else ()
        converted = [c.name for c in returned
                     if c.type.dialect_impl(dialect).result_processor(dialect, None)]
        if converted:
            raise TypeError(f"Bulk {self.keys}: RETURNING {converted} needs conversion")
        if dialect.positional:
            order, names = [self.keys.index(name) for name in compiled.positiontup or ()], None
        else:
            escaped = compiled.escaped_bind_names
            order, names = [], [escaped.get(key, key) for key in self.keys]
        sql = compiled.string
        many_sql, per_statement = None, 1
        if dialect.name == "sqlite" and self.stmt.is_insert and not self.stmt._returning:
            head, found_values, group = sql.rpartition(" VALUES ")
            if found_values and group == "(" + ", ".join(["?"] * len(order)) + ")":
                per_statement = sqlite_values_per_statement(dialect) // max(1, len(order))
                many_sql = head + " VALUES " + ", ".join([group] * per_statement)
        found = self._compiled[cache_key] = _Compiled(
            sql, order, processors, names, many_sql if per_statement > 1 else None, per_statement
        )
        return found

    def one(self, connection: Connection, row: Sequence[Any]) -> CursorResult[Any]:
        """Run the statement for one row; its result (RETURNING rows), values as the driver
        gives them."""
        compiled = self._compile(connection.dialect)
        return connection.exec_driver_sql(compiled.sql, self._params(compiled, row))

    def _params(self, compiled: _Compiled, row: Sequence[Any]) -> Any:
        """One row's parameters as the driver takes them."""
        values = [v if process is None else process(v)
                  for v, process in zip(row, compiled.processors, strict=True)]
        if compiled.names is None:
            return tuple(values[i] for i in compiled.order)
        return dict(zip(compiled.names, values, strict=True))

    def run(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        compiled = self._compile(connection.dialect)
        if len(rows) == 1:
            # most of an order's writes (its delivery, invoice, audit row...): the row's values
            # straight to the driver, without the per-column pass below (callgrind, GC and ASLR
            # off: -1.0% per order, 69k of 7.15M instructions)
            if len(rows[0]) != len(self.keys):
                raise ValueError(f"Bulk {self.keys}: rows of {len(rows[0])} values")
            connection.exec_driver_sql(compiled.sql, [self._params(compiled, rows[0])])
            return
        sql, order, processors, names, many_sql, per_statement = compiled
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        if len(columns) != len(self.keys):
            raise ValueError(f"Bulk {self.keys}: rows of {len(columns)} values")
        for i, process in enumerate(processors):
            if process is not None:
                columns[i] = processed_once(columns[i], process)
        params: list[Any]
        if names is None:
            params = list(zip(*(columns[i] for i in order), strict=True))
        else:
            rows_out = zip(*columns, strict=True)
            params = [dict(zip(names, values, strict=True)) for values in rows_out]
        if many_sql is not None and len(params) >= per_statement:
            whole = len(params) - len(params) % per_statement
            for start in range(0, whole, per_statement):
                batch = params[start : start + per_statement]
                connection.exec_driver_sql(many_sql, tuple(chain.from_iterable(batch)))
            params = params[whole:]
            if not params:
                return
        connection.exec_driver_sql(sql, params)


def processed_once(values: Sequence[Any], process: Any) -> list[Any]:
    """`process` applied to each value, once per distinct (type, value)."""
    if len(values) == 1:  # a new order's delivery, invoice...: nothing to share
        return [process(values[0])]
    if len(set(map(type, values))) == 1:
        # one type (a column usually is): the values are their own keys, no (type, value)
        # pair to build per row (measured: 1.5 -> 0.9 ms for 10,000 amounts)
        done = {value: process(value) for value in set(values)}
        return list(map(done.__getitem__, values))
    keys = list(zip(map(type, values), values, strict=True))
    done = {key: process(key[1]) for key in set(keys)}
    return [done[key] for key in keys]
