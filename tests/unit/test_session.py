"""The write transaction's BEGIN IMMEDIATE (sent straight to the driver): a file another
writer holds is refused as busy, with nothing changed, and the seat works again afterwards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

import db.session as session_module
from app.errors import DatabaseBusy
from app.services.common import writing
from db.session import Database


def test_a_write_while_another_writer_holds_the_file_is_busy(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "BUSY_TIMEOUT_MS", 50)
    db = Database("sqlite:///" + str(db_path))
    try:
        with db.write() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
        other = sqlite3.connect(db_path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(DatabaseBusy), writing(db) as session:
                session.execute(text("INSERT INTO t VALUES (1)"))
            other.execute("ROLLBACK")
        finally:
            other.close()
        with writing(db) as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
        with db.read() as session:
            assert session.execute(text("SELECT x FROM t")).scalars().all() == [2]
    finally:
        db.dispose()


def test_the_statements_of_a_demo_build_fit_the_drivers_statement_cache(db: Database) -> None:
    """Every connection keeps STATEMENT_CACHE prepared statements, well more than a demo build
    runs, so none is parsed and planned again. The driver's default keeps 128; a build runs
    ~120 distinct statements at 300 orders, ~210 at 1,000, ~370 at 20,000 (IN lists of each
    length are statements of their own)."""
    from sqlalchemy import event

    from app.demo import build_demo
    from db.migrate import ensure_current

    ensure_current(db, create=True)
    db.dispose()
    opened: list[dict[str, object]] = []
    distinct: set[str] = set()
    for engine in (db.write_engine, db.read_engine):
        event.listen(engine, "do_connect",
                     lambda dialect, record, cargs, cparams: opened.append(dict(cparams)))
        event.listen(engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: distinct.add(statement))
    build_demo(db, orders=300, seed=2)
    assert opened and all(
        p["cached_statements"] == session_module.STATEMENT_CACHE for p in opened
    )
    assert len(distinct) < session_module.STATEMENT_CACHE // 4, len(distinct)


def test_a_write_on_a_connection_refuses_and_rolls_back_as_a_session_write(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """writing_connection (a payment's transaction, without an ORM session): a held file is
    busy, a broken rule is a conflict, and either way nothing of the block is kept."""
    from app.errors import Conflict
    from app.services.common import writing_connection

    monkeypatch.setattr(session_module, "BUSY_TIMEOUT_MS", 50)
    db = Database("sqlite:///" + str(db_path))
    try:
        with writing_connection(db) as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER UNIQUE)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(Conflict), writing_connection(db) as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        other = sqlite3.connect(db_path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(DatabaseBusy), writing_connection(db) as connection:
                connection.execute(text("INSERT INTO t VALUES (3)"))
            other.execute("ROLLBACK")
        finally:
            other.close()
        with db.read() as session:
            assert session.execute(text("SELECT x FROM t")).scalars().all() == [1]
    finally:
        db.dispose()


def test_every_connection_keeps_sqlites_scratch_space_in_memory_and_its_safety_on(
    db: Database,
) -> None:
    """temp_store=MEMORY on the writer and the readers (statement journals of multi-row
    INSERTs and sorts need no temporary files), with foreign keys, WAL and FULL sync kept."""
    for engine in (db.write_engine, db.read_engine):
        with engine.connect() as conn:
            pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                      for name in ("temp_store", "foreign_keys", "journal_mode", "synchronous")}
        assert pragma == {"temp_store": 2, "foreign_keys": 1, "journal_mode": "wal",
                          "synchronous": 2}


def test_the_log_is_copied_back_after_a_write_on_a_thread_of_its_own(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's commit leaves the WAL alone (wal_autocheckpoint=0); the Checkpointer
    copies the committed pages into the file shortly afterwards; it ends when idle and
    starts again with the next write; dispose() stops it."""
    import time

    from db.session import Checkpointer

    monkeypatch.setattr(Checkpointer, "IDLE_S", 1.0)

    def until(condition: object) -> None:
        deadline = time.monotonic() + 10
        while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
            time.sleep(0.05)

    db = Database("sqlite:///" + str(db_path))
    checkpointer = db._checkpointer
    assert checkpointer is not None
    try:
        with db.write_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        with db.write() as session:
            session.execute(text("CREATE TABLE t (x BLOB)"))
        for round_ in (1, 2):  # the second after the thread ended, idle
            size = db_path.stat().st_size
            with db.write() as session:  # ~2 MB: 500 pages, under SQLite's own threshold
                session.execute(text("INSERT INTO t VALUES (randomblob(2000000))"))
            assert db_path.stat().st_size == size  # the commit only wrote the log
            thread = checkpointer.running()
            assert thread is not None and thread.is_alive()
            until(lambda size=size: db_path.stat().st_size > size + 1_900_000)
            assert db_path.stat().st_size > size + 1_900_000  # copied back into the file
            until(lambda: checkpointer.running() is None)
            assert checkpointer.running() is None and not thread.is_alive(), round_
        with db.read() as session:
            assert session.execute(text("SELECT count(*) FROM t")).scalar() == 2
        with db.write() as session:
            session.execute(text("DELETE FROM t"))
        thread = checkpointer.running()
        assert thread is not None
    finally:
        db.dispose()
    assert checkpointer.running() is None and not thread.is_alive()
    assert not Path(str(db_path) + "-wal").exists()  # the last connection closed: log removed


def test_a_shop_whose_writer_was_killed_before_the_copy_opens_with_every_commit(
    tmp_path: Path,
) -> None:
    """A process killed after its commits but before any copy leaves them in the log only;
    the next open reads them back (SQLite's WAL recovery): nothing committed is lost."""
    import subprocess
    import sys

    path = tmp_path / "killed.sqlite"
    child = (
        "import os, sys\n"
        "from sqlalchemy import text\n"
        "from db.session import Database\n"
        f"db = Database('sqlite:///{path}')\n"
        "with db.write() as s:\n"
        "    s.execute(text('CREATE TABLE t (x INTEGER)'))\n"
        "for i in range(50):\n"
        "    with db.write() as s:\n"
        "        s.execute(text('INSERT INTO t VALUES (:i)'), {'i': i})\n"
        "os._exit(0)  # at once: no copy, no close\n"
    )
    subprocess.run([sys.executable, "-c", child], check=True, cwd=Path(__file__).parents[2])
    assert Path(str(path) + "-wal").exists()
    db = Database("sqlite:///" + str(path))
    try:
        with db.read() as session:
            assert session.execute(text("SELECT count(*), sum(x) FROM t")).one() == (50, 1225)
    finally:
        db.dispose()
