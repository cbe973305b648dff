"""`migrate_to`: a SQLite shop copied into an empty PostgreSQL database, exactly."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from app import services
from app.cli import main
from app.demo import build_demo
from app.errors import ShopError
from app.migrate_to import migrate_to, table_figures
from app.queries.check import run_checks
from app.services import LineInput
from db.base import Base
from db.migrate import ensure_current
from db.session import Database


@pytest.fixture(scope="module")
def sqlite_shop(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path = tmp_path_factory.mktemp("source") / "shop.sqlite"
    database = Database("sqlite:///" + str(path))
    ensure_current(database)
    build_demo(database, orders=300, seed=5)
    return database


def test_a_sqlite_shop_arrives_whole_and_keeps_working(
    sqlite_shop: Database, pg_factory: Callable[[], str]
) -> None:
    url = pg_factory()
    report = migrate_to(sqlite_shop, url)
    print(f"\nmigrate-to: {report.rows:,} rows in {len(report.tables)} tables, {report.seconds} s")

    target = Database(url)
    try:
        with sqlite_shop.read_engine.connect() as src, target.read_engine.connect() as dst:
            for table in Base.metadata.sorted_tables:
                expected = table_figures(src, table)
                assert table_figures(dst, table) == expected
                assert next(t for t in report.tables if t.table == table.name) == expected
        assert report.rows > 5000
        assert [c for c in run_checks(target) if not c.ok] == []
        assert ensure_current(target) == "current"

        with target.read() as s:
            top = s.execute(text("SELECT max(id) FROM sales_order")).scalar()
        result = services.create_order(target, "C0001", [LineInput("HAM-450", 1)])
        with target.read() as s:  # the id sequence continues after the copied ids
            new_id = s.execute(
                text("SELECT id FROM sales_order WHERE number = :n"), {"n": result.number}
            ).scalar()
        assert new_id == top + 1
    finally:
        target.dispose()


def test_a_database_with_tables_is_refused(sqlite_shop: Database, pg_url: str) -> None:
    with pytest.raises(ShopError, match="is not empty .* only into a new, empty database"):
        migrate_to(sqlite_shop, pg_url)


def test_only_postgresql_is_a_target(sqlite_shop: Database, tmp_path: Path) -> None:
    with pytest.raises(ShopError, match="is not a PostgreSQL database URL"):
        migrate_to(sqlite_shop, "sqlite:///" + str(tmp_path / "other.sqlite"))


def test_the_command(sqlite_shop: Database, pg_factory: Callable[[], str], capsys) -> None:  # type: ignore[no-untyped-def]
    url = pg_factory()
    assert main(["--db", sqlite_shop.url, "--json", "migrate-to", url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] > 5000 and {t["table"] for t in out["tables"]} >= {"invoice", "stock_move"}
    assert main(["--db", sqlite_shop.url, "migrate-to", url]) != 0
    assert "is not empty" in capsys.readouterr().err
