"""`shopdesk demo`: a new file is built without waiting for the disk on every commit, and is an
ordinary, consistent shop afterwards; an existing file is never written unsynced."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import main
from app.queries.check import run_checks
from db.session import Database


@pytest.fixture
def building_calls(monkeypatch: pytest.MonkeyPatch) -> list[Path | None]:
    calls: list[Path | None] = []
    original = Database.building

    def spy(self: Database):  # type: ignore[no-untyped-def]
        calls.append(self.path)
        return original(self)

    monkeypatch.setattr(Database, "building", spy)
    return calls


def test_a_demo_in_a_new_file_is_built_unsynced_and_left_an_ordinary_shop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], building_calls: list[Path | None]
) -> None:
    path = tmp_path / "demo.sqlite"
    assert main(["--db", str(path), "--json", "demo", "--orders", "60", "--seed", "2"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["orders"] == 60 and summary["payments"] > 0
    # built beside the target and renamed into place when complete
    assert building_calls == [path.resolve().with_name("demo-building.sqlite")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite"]
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert raw.execute("SELECT count(*) FROM sales_order").fetchone() == (60,)
    finally:
        raw.close()
    db = Database("sqlite:///" + str(path))
    try:
        with db.write() as session:  # the app's connections are synchronous=FULL (2) again
            assert session.execute(text("PRAGMA synchronous")).scalar() == 2
        assert [c.name for c in run_checks(db) if not c.ok] == []
    finally:
        db.dispose()


def test_an_interrupted_demo_build_leaves_no_shop_and_the_next_build_starts_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that stops halfway (here: the 40th order fails; a killed process is the same
    to the file) leaves nothing at the target; building again removes the leftover first."""
    from app import demo, services

    path = tmp_path / "demo.sqlite"
    real_create_order = services.create_order
    made = []

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(1)
        if len(made) == 40:
            raise KeyboardInterrupt  # as a user's Ctrl+C, past every error handler
        return real_create_order(*args, **kwargs)

    monkeypatch.setattr(demo.services, "create_order", failing)
    assert main(["--db", str(path), "--json", "demo", "--orders", "60", "--seed", "2"]) != 0
    assert len(made) == 40
    assert not path.exists()
    assert (tmp_path / "demo-building.sqlite").exists()  # the half shop, beside
    monkeypatch.setattr(demo.services, "create_order", real_create_order)
    capsys.readouterr()
    assert main(["--db", str(path), "--json", "demo", "--orders", "60", "--seed", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["orders"] == 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite"]


def test_a_demo_in_an_existing_empty_shop_keeps_every_commit_durable(
    db_path: Path, capsys: pytest.CaptureFixture[str], building_calls: list[Path | None]
) -> None:
    assert main(["--db", str(db_path), "--json", "demo", "--orders", "20"]) == 0
    assert json.loads(capsys.readouterr().out)["orders"] == 20
    assert building_calls == []


def test_building_switches_synchronous_off_only_inside(db: Database) -> None:
    def synchronous() -> int:
        with db.write() as session:
            return int(session.execute(text("PRAGMA synchronous")).scalar_one())

    assert synchronous() == 2
    with db.building():
        assert synchronous() == 0
        with db.write() as session:
            session.execute(text("INSERT INTO project (name) VALUES ('kept')"))
    assert synchronous() == 2
    with db.read() as session:
        assert session.execute(text("SELECT name FROM project")).scalars().all() == ["kept"]


def test_building_keeps_the_journal_in_memory_only_inside(db: Database) -> None:
    """Inside, a refused transaction still rolls back, reads still work (through the builder,
    which holds the file); afterwards the file is in WAL mode again, with what was committed
    and open to everyone."""

    def journal_mode(engine_session) -> str:  # type: ignore[no-untyped-def]
        with engine_session() as session:
            return str(session.execute(text("PRAGMA journal_mode")).scalar_one())

    with db.write() as session:
        session.execute(text("INSERT INTO project (name) VALUES ('before')"))
    assert journal_mode(db.write) == "wal"
    with db.building():
        assert journal_mode(db.write) == "memory"
        with db.write() as session:
            session.execute(text("INSERT INTO project (name) VALUES ('kept')"))
        with pytest.raises(KeyError), db.write() as session:
            session.execute(text("INSERT INTO project (name) VALUES ('rolled back')"))
            raise KeyError("refused")
        with db.read() as session:
            assert session.execute(text("SELECT count(*) FROM project")).scalar() == 2
        outside = sqlite3.connect(db.path, timeout=0)  # the builder holds the file meanwhile
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                outside.execute("SELECT count(*) FROM project").fetchall()
        finally:
            outside.close()
    assert journal_mode(db.write) == journal_mode(db.read) == "wal"
    other = sqlite3.connect(db.path)  # another process's view of the file
    try:
        names = [r[0] for r in other.execute("SELECT name FROM project ORDER BY id")]
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()
    assert names == ["before", "kept"]


def test_building_a_file_open_elsewhere_stays_in_wal_mode(db: Database) -> None:
    with db.write() as session:
        session.execute(text("INSERT INTO project (name) VALUES ('before')"))
    other = sqlite3.connect(db.path)  # another connection keeps the file in WAL mode
    try:
        other.execute("SELECT count(*) FROM project").fetchall()
        with db.building():
            with db.write() as session:
                assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert session.execute(text("PRAGMA synchronous")).scalar() == 0
                session.execute(text("INSERT INTO project (name) VALUES ('kept')"))
        assert other.execute("SELECT count(*) FROM project").fetchone() == (2,)
    finally:
        other.close()


def test_a_failed_build_leaves_its_own_error_and_synchronous_full(db: Database) -> None:
    with pytest.raises(KeyError, match="stopped"), db.building():
        raise KeyError("stopped")
    with db.write() as session:
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2


def test_the_buyers_shelf_read_is_the_stock_overview_and_the_queue(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's buyer reads only what it uses; every time, that must be what the stock
    overview and the pending queue (less what is reserved) say."""
    from sqlalchemy import func, select

    from app import demo
    from app.queries.stock import stock_overview
    from db.migrate import ensure_current
    from db.models import Product, SalesOrderLine

    ensure_current(db, create=True)
    shelf, compared = demo._shelf, []

    def checked(database: Database):  # type: ignore[no-untyped-def]
        rows = shelf(database)
        with database.read() as session:
            need = dict(session.execute(
                select(Product.sku,
                       func.sum(SalesOrderLine.qty_pending - SalesOrderLine.qty_allocated))
                .join(Product, Product.id == SalesOrderLine.product_id)
                .where(SalesOrderLine.qty_pending > SalesOrderLine.qty_allocated)
                .group_by(Product.sku)
            ).tuples().all())
            expected = [
                (r.sku, r.on_hand, r.available, r.incoming, r.reorder_level, need.get(r.sku, 0))
                for r in stock_overview(session)
            ]
        assert rows == expected
        compared.append(sum(row[5] for row in rows))
        return rows

    monkeypatch.setattr(demo, "_shelf", checked)
    demo.build_demo(db, orders=150, seed=4)
    assert len(compared) >= 10 and any(compared)  # the queue was not always empty
