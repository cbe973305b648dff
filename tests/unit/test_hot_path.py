"""The order path's shortcuts give what the plain statements give: InList (an IN list per
length) and reserve_ids_each (several tables' ids in one statement)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select

from app.services.common import InList
from app.services.fulfilment import reserve_ids, reserve_ids_each
from db.models import Delivery, DeliveryLine, Invoice, Supplier
from db.session import Database

SUPPLIER = Supplier.__table__


def test_in_list_reads_what_an_expanding_parameter_reads(db: Database) -> None:
    expanding = select(SUPPLIER.c.code).where(
        SUPPLIER.c.code.in_(bindparam("codes", expanding=True))
    ).order_by(SUPPLIER.c.code)
    by_length = InList("codes", lambda codes: select(SUPPLIER.c.code).where(
        SUPPLIER.c.code.in_(codes)).order_by(SUPPLIER.c.code))
    codes = [f"S{n:02d}" for n in range(20)]
    with db.write() as session:
        connection = session.connection()
        connection.execute(insert(SUPPLIER), [
            {"code": c, "name": c, "created_at": datetime(2026, 1, 1)} for c in codes
        ])
        for count in (1, 2, 3, InList.SHORT, InList.SHORT + 1, 20):
            wanted = codes[:count] + ["none"]
            plain = connection.execute(expanding, {"codes": wanted}).scalars().all()
            stmt, params = by_length(wanted)
            assert connection.execute(stmt, params).scalars().all() == plain == codes[:count]
        session.rollback()


def test_reserve_ids_each_gives_what_one_reserve_ids_per_table_gives(db: Database) -> None:
    tables = [Delivery.__table__, DeliveryLine.__table__, Invoice.__table__]
    with db.write() as session:
        one_by_one = [reserve_ids(session, t, n) for t, n in zip(tables, (2, 0, 3), strict=True)]
        together = reserve_ids_each(session, list(zip(tables, (2, 0, 3), strict=True)))
        session.rollback()
    assert together == one_by_one == [[1, 2], [], [1, 2, 3]]


def test_bulk_one_sends_what_core_sends_and_returns_the_row(db: Database) -> None:
    from sqlalchemy import event

    from app.bulk import Bulk

    keys = ("code", "name", "address", "email", "created_at")
    stmt = insert(SUPPLIER).returning(SUPPLIER.c.id)
    sent: list[tuple[str, tuple[object, ...]]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append((statement, tuple(parameters)))

    event.listen(db.write_engine, "before_cursor_execute", capture)
    try:
        with db.write() as session:
            connection = session.connection()
            at = datetime(2026, 3, 2, 10, 0, 5)
            core_id = connection.execute(
                stmt, dict(zip(keys, ("A", "Ann", "", "", at), strict=True))
            ).scalar_one()
            bulk_id = Bulk(stmt, keys).one(connection, ("B", "Ann", "", "", at)).scalar_one()
            session.rollback()
    finally:
        event.remove(db.write_engine, "before_cursor_execute", capture)
    (core_sql, core_params), (bulk_sql, bulk_params) = sent[-2:]
    assert bulk_sql == core_sql and bulk_params[1:] == core_params[1:]
    assert (core_id, bulk_id) == (1, 2)


def test_bulk_one_refuses_a_returned_column_core_would_convert(db: Database) -> None:
    import pytest

    from app.bulk import Bulk

    keys = ("code", "name", "address", "email", "created_at")
    bulk = Bulk(insert(SUPPLIER).returning(SUPPLIER.c.created_at), keys)
    with db.write() as session, pytest.raises(TypeError, match="needs conversion"):
        bulk.one(session.connection(), ("A", "Ann", "", "", datetime(2026, 1, 1)))
