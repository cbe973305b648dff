"""Migrations: data written at revision 0001 survives every upgrade; models and migrations agree."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app import services
from app.services import LineInput
from db.backup import CORE_TABLES
from db.base import Base
from db.migrate import current_revision, ensure_current, head_revision, known_revisions, upgrade
from db.session import Database


def _rich_shop(path: Path) -> None:
    database = Database("sqlite:///" + str(path))
    ensure_current(database)
    services.add_product(database, "A", "Äpfel ☂", "1.99")
    services.add_product(database, "B", "Bolts", "0.35", tax="7")
    services.add_customer(database, "ACME", "Acme & Söhne")
    services.add_supplier(database, "SUP", "Supplier")
    first = services.create_order(database, "ACME", [LineInput("A", 5), LineInput("B", 100)])
    services.create_order(database, "ACME", [LineInput("A", 3)], project="Roof")
    received = services.receive_stock(database, "A", 6, "0.90")
    services.receive_stock(database, "B", 150, "0.10")
    services.record_payment(database, received.invoices[0], "2.00")
    services.create_return(database, first.number, {"A": 1}, condition="defective",
                           reason="damaged")
    services.dispose_defective(database, "A", 1, "write_off")
    services.create_purchase(database, "SUP", [services.PurchaseLineInput("B", 10, "0.11")])
    database.dispose()


def _dump(path: Path, tables: list[str]) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
    finally:
        conn.close()


def test_data_written_at_0001_survives_every_upgrade_to_head(tmp_path):
    """A real shop's rows (made by the services, copied into a 0001 database with plain
    INSERTs, because today's services also write the audit log that 0001 lacks)."""
    source = tmp_path / "today.sqlite"
    _rich_shop(source)
    old = tmp_path / "old.sqlite"
    database = Database("sqlite:///" + str(old))
    upgrade(database, "0001")
    assert current_revision(database) == "0001"
    database.dispose()
    tables = sorted(CORE_TABLES | {"disposal", "disposal_line", "stock_adjustment", "project"})
    data = _dump(source, tables)
    assert sum(len(rows) for rows in data.values()) > 50
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA foreign_keys=ON")
    with conn:
        for table in ["setting", "doc_sequence", "customer", "supplier", "project", "product",
                      "sales_order", "sales_order_line", "purchase_order", "purchase_line",
                      "receipt", "receipt_line", "delivery", "delivery_line", "customer_return",
                      "return_line", "invoice", "invoice_line", "payment", "credit_note",
                      "credit_note_line", "stock_adjustment", "cost_layer", "disposal",
                      "disposal_line", "allocation", "layer_consumption", "stock_move"]:
            rows = data[table]
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    conn.close()

    database = Database("sqlite:///" + str(old))
    assert ensure_current(database) == "upgraded"
    assert current_revision(database) == head_revision()
    database.dispose()
    assert _dump(old, tables) == data
    database = Database("sqlite:///" + str(old))  # the upgraded shop still works
    assert services.receive_stock(database, "B", 5, "0.10").number.endswith("-00003")
    database.dispose()
    conn = sqlite3.connect(old)
    triggers = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    conn.close()
    assert "trg_invoice_frozen" in triggers and "trg_stock_move_no_update" in triggers


def test_every_revision_upgrades_and_downgrades_in_turn(tmp_path):
    database = Database("sqlite:///" + str(tmp_path / "walk.sqlite"))
    from alembic import command

    from db.migrate import alembic_config

    revisions = sorted(known_revisions())
    for revision in revisions:
        upgrade(database, revision)
        assert current_revision(database) == revision
    config = alembic_config(database.url)
    with database.write_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revisions[0])
    assert current_revision(database) == revisions[0]
    upgrade(database)
    assert current_revision(database) == head_revision()
    database.dispose()


def test_models_and_migrations_agree(tmp_path):
    database = Database("sqlite:///" + str(tmp_path / "head.sqlite"))
    upgrade(database)
    with database.write_engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, Base.metadata)
    database.dispose()
    assert differences == []
