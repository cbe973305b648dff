"""Engines and transactions: where the shop's database is, and how it is opened safely.

SQLite (the default) is opened with foreign keys on every connection, WAL, synchronous=FULL
(an issued invoice number must survive a power cut), a busy timeout, and BEGIN IMMEDIATE for
every write transaction, so two writers never both read stock and then both write it.
Reads use a second engine with a plain (deferred) BEGIN: in WAL mode they never wait.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

APP_NAME = "ShopDesk"
BUSY_TIMEOUT_MS = 10_000
STATEMENT_CACHE = 1024


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def resolve_url(db: str | None = None) -> str:
    """--db PATH or URL, else $SHOPDESK_DB, else shop.sqlite in the user data folder."""
    target = db or os.environ.get("SHOPDESK_DB") or str(default_data_dir() / "shop.sqlite")
    if "://" in target:
        return target
    return "sqlite:///" + str(Path(target).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _sqlite_engine(
    url: str, *, immediate: bool, building: Callable[[], bool] = lambda: False
) -> Engine:
    # The driver keeps this many prepared statements per connection (its default, 128, is
    # fewer than the ~370 distinct statements a demo build runs: every evicted one is parsed
    # and planned again, ~2 s of a 20,000-order build's SQLite time, measured by replay).
    engine = create_engine(url, connect_args={
        "timeout": BUSY_TIMEOUT_MS / 1000, "cached_statements": STATEMENT_CACHE,
    })

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we send BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # SQLite's own scratch space (statement journals of multi-row writes, sorts) in
        # memory, not in temporary files: nothing durable lives there. The 10,588-line
        # receipt: system time 0.37-0.41 -> 0.28 s, alternating runs.
        cursor.execute("PRAGMA temp_store=MEMORY")
        if not building():
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            if immediate:  # the writer: the WAL is copied back by the Checkpointer instead
                cursor.execute("PRAGMA wal_autocheckpoint=0")
        elif immediate:  # the builder (see Database.building); a reader leaves the mode alone
            cursor.execute("PRAGMA busy_timeout=0")
            try:
                mode = cursor.execute("PRAGMA journal_mode=MEMORY").fetchone()[0]
            except sqlite3.OperationalError:  # the file is open elsewhere after all: stay WAL
                mode = "wal"
            if mode == "memory":  # and keep the file locked between transactions
                cursor.execute("PRAGMA locking_mode=EXCLUSIVE")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=OFF")
        else:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight to the driver: through exec_driver_sql this cost ~11 us more, on every
        # write transaction. A refusal (locked, busy) is wrapped as SQLAlchemy wraps errors.
        try:
            conn.connection.driver_connection.execute(begin)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(begin, (), exc, sqlite3.Error) from exc

    return engine


class Checkpointer:
    """Copies the write-ahead log back into the shop's file on a thread of its own, shortly
    after writes, so that no use case waits for it.

    SQLite's default copies it inside the commit that takes the log past 1,000 pages: that
    commit (a clerk's order, every thirtieth or so; a big receipt, always) also writes those
    pages into the file and syncs it (measured: 0.17 s of a 1.15 s receipt serving 10,588
    lines). Durability is unchanged: a commit is safe once the log is synced
    (synchronous=FULL); the copy only keeps the log short. PASSIVE: it never blocks a reader
    or the writer, and what it cannot copy now it copies next time. A log left behind (a
    process killed meanwhile) is read back on the next open, as always; closing the last
    connection copies and removes it."""

    PAUSE_S = 0.5  # after a write, wait for more: one copy covers a burst's pages once
    IDLE_S = 60.0  # no write for this long: the thread ends (the next write starts another)

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        # the running thread and its two signals (new ones for each thread started)
        self._running: tuple[threading.Thread, threading.Event, threading.Event] | None = None

    def wrote(self) -> None:
        """A write transaction committed: copy its pages back soon."""
        with self._lock:
            running = self._running
            if running is None:
                wake, stop = threading.Event(), threading.Event()
                thread = threading.Thread(target=self._run, args=(wake, stop),
                                          name="shopdesk-checkpoint", daemon=True)
                running = self._running = (thread, wake, stop)
                thread.start()
            running[1].set()

    def _run(self, wake: threading.Event, stop: threading.Event) -> None:
        connection = sqlite3.connect(str(self._path), isolation_level=None,
                                     check_same_thread=False)
        try:
            while True:
                if not wake.wait(self.IDLE_S):
                    with self._lock:  # idle: end, unless a write came meanwhile
                        if not wake.is_set():
                            if self._running is not None and self._running[1] is wake:
                                self._running = None
                            return
                wake.clear()
                if stop.wait(self.PAUSE_S):  # stopped meanwhile
                    return
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    pass  # the file is busy or gone: the next write asks again
        finally:
            connection.close()

    def running(self) -> threading.Thread | None:
        return None if self._running is None else self._running[0]

    def stop(self) -> None:
        """Stop the thread (it finishes a copy under way) and close its connection."""
        with self._lock:
            running, self._running = self._running, None
        if running is not None:
            thread, wake, stop = running
            stop.set()
            wake.set()
            thread.join()


class Database:
    """One shop database: a writer engine and a reader engine over the same URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self._building = False
        self._checkpointer: Checkpointer | None = None
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(url, immediate=True, building=self._is_building)
            self.read_engine = _sqlite_engine(url, immediate=False, building=self._is_building)
            if self.path is not None:
                checkpointer = self._checkpointer = Checkpointer(self.path)

                @event.listens_for(self.write_engine, "commit")
                def _committed(_conn: Any) -> None:
                    if not self._building:  # no log while building (journal in memory)
                        checkpointer.wrote()
        else:
            self.write_engine = create_engine(url, pool_pre_ping=True)
            self.read_engine = self.write_engine
        self._write_sessions = sessionmaker(self.write_engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        with self._write_sessions() as session:
            with session.begin():
                yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """write() without an ORM session, for a use case of Core statements only: the same
        BEGIN (IMMEDIATE on SQLite), commit and rollback, without the session's bookkeeping
        (~60 us of a ~250 us payment)."""
        with self.write_engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Session]:
        # while building, the builder holds the file: reads go through its connection
        sessions = self._write_sessions if self._building else self._read_sessions
        with sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def building(self) -> Iterator[None]:
        """Fill a brand-new SQLite file that nobody uses yet (the demo shop) without waiting
        for the disk on every commit. Only for a file that is simply built again if the build
        is interrupted: a power cut meanwhile may lose or damage it.

        Meanwhile the writer keeps its rollback journal in memory (journal_mode=MEMORY) and
        does not sync (synchronous=OFF): a commit writes its pages into the file once, instead
        of into the WAL and again at each checkpoint (sqlite's commit: 135 -> 70 us, demo of
        2,000 orders). It also holds the file between transactions (locking_mode=EXCLUSIVE:
        no locks taken and no cache checked per transaction), so reads meanwhile go through
        its connection too. No rule is skipped: the same transactions, rollbacks, constraints
        and triggers run.
        On leaving, the connections are reopened in WAL mode with synchronous=FULL and the
        file is synced: the finished file is an ordinary, durable shop."""
        if not self.is_sqlite:
            yield
            return
        self.dispose()  # leaving WAL mode needs the file to be open nowhere else
        self._building = True
        try:
            yield
        finally:
            self._building = False
            self.dispose()
        # finished (a failed build is built again, so only a finished one is made durable)
        raw = self.write_engine.raw_connection()  # WAL, synchronous=FULL again
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        if self.path is not None:  # the pages written unsynced while building
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _is_building(self) -> bool:
        return self._building

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"
