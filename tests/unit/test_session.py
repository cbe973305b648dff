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
