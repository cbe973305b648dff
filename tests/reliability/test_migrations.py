"""Migrations: data written at revision 0001 survives every upgrade; models and migrations agree."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
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
    source_conn = sqlite3.connect(source)
    with conn:
        for table in ["setting", "doc_sequence", "customer", "supplier", "project", "product",
                      "sales_order", "sales_order_line", "purchase_order", "purchase_line",
                      "receipt", "receipt_line", "delivery", "delivery_line", "customer_return",
                      "return_line", "invoice", "invoice_line", "payment", "credit_note",
                      "credit_note_line", "stock_adjustment", "cost_layer", "disposal",
                      "disposal_line", "allocation", "layer_consumption", "stock_move"]:
            # Only the columns the table had at 0001 (later revisions add some, e.g. the
            # parties of 0003, which the upgrade must then backfill to the same values).
            columns = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
            rows = source_conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    source_conn.close()
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


PARTIES = ("customer_name", "customer_address", "customer_tax_id", "shop_name", "shop_address",
           "shop_tax_id")


def test_documents_issued_at_0002_get_their_parties_backfilled_and_stay_frozen(tmp_path):
    """Invoices, credit notes and deliveries copied into a 0002 shop (which has the triggers):
    the upgrade to 0003 fills their customer and shop from today's records, and afterwards
    the database still refuses to change them."""
    source = tmp_path / "today.sqlite"
    database = Database("sqlite:///" + str(source))
    ensure_current(database)
    services.set_setting(database, "shop_name", "Eisenwaren & Söhne")
    services.set_setting(database, "shop_address", "Hauptstraße 12")
    services.set_setting(database, "shop_tax_id", "DE123456789")
    services.add_product(database, "A", "Apples", "2.00")
    services.add_customer(database, "ACME", "Acme & Söhne", address="1 Road", tax_id="GB1")
    services.add_customer(database, "BOLT", "Bolt Ltd")
    first = services.create_order(database, "ACME", [LineInput("A", 3)])
    services.create_order(database, "BOLT", [LineInput("A", 2)])
    services.receive_stock(database, "A", 5, "1.00")
    services.create_return(database, first.number, {"A": 1}, condition="sellable",
                           reason="other")
    database.dispose()

    old = tmp_path / "old.sqlite"
    database = Database("sqlite:///" + str(old))
    upgrade(database, "0002")
    database.dispose()
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA foreign_keys=ON")
    source_conn = sqlite3.connect(source)
    with conn:
        for table in ["setting", "doc_sequence", "customer", "product", "sales_order",
                      "sales_order_line", "receipt", "receipt_line", "delivery",
                      "delivery_line", "customer_return", "return_line", "invoice",
                      "invoice_line", "credit_note", "credit_note_line", "cost_layer",
                      "allocation", "layer_consumption", "stock_move"]:
            columns = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
            assert "customer_name" not in columns
            rows = source_conn.execute(f"SELECT {columns} FROM {table}").fetchall()
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        # Renamed after issue but before the upgrade: the backfill can only know today's name.
        conn.execute("UPDATE customer SET name = 'Bolt & Nut Ltd' WHERE code = 'BOLT'")
    source_conn.close()
    conn.close()

    database = Database("sqlite:///" + str(old))
    assert ensure_current(database) == "upgraded"
    assert current_revision(database) == head_revision()
    database.dispose()

    conn = sqlite3.connect(old)
    try:
        shop = ("Eisenwaren & Söhne", "Hauptstraße 12", "DE123456789")
        expected = {"ACME": ("Acme & Söhne", "1 Road", "GB1") + shop,
                    "BOLT": ("Bolt & Nut Ltd", "", "") + shop}
        found = {}
        for table, customer_of in [
            ("invoice", "t.customer_id"),
            ("credit_note", "t.customer_id"),
            ("delivery", "(SELECT customer_id FROM sales_order WHERE id = t.order_id)"),
        ]:
            rows = conn.execute(
                f"SELECT c.code, {', '.join('t.' + p for p in PARTIES)} FROM {table} t"
                f" JOIN customer c ON c.id = {customer_of}"
            ).fetchall()
            found[table] = {code for code, *_ in rows}
            for code, *parties in rows:
                assert tuple(parties) == expected[code], (table, code)
        assert found == {"invoice": {"ACME", "BOLT"}, "credit_note": {"ACME"},
                         "delivery": {"ACME", "BOLT"}}

        triggers = {n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='trigger'")}
        assert {"trg_invoice_frozen", "trg_invoice_no_delete", "trg_credit_note_no_update",
                "trg_credit_note_no_delete", "trg_delivery_parties_frozen",
                "trg_invoice_line_no_update"} <= triggers
        for statement in [
            "UPDATE invoice SET customer_name = 'x'",
            "UPDATE invoice SET shop_tax_id = 'x'",
            "UPDATE invoice SET gross = gross + 100",
            "UPDATE credit_note SET customer_address = 'x'",
            "UPDATE credit_note SET net = 0",
            "UPDATE delivery SET shop_name = 'x'",
            "DELETE FROM invoice",
        ]:
            with pytest.raises(sqlite3.IntegrityError, match="append-only|cannot change"):
                with conn:
                    conn.execute(statement)
        with conn:  # the running totals still move
            conn.execute("UPDATE invoice SET paid = paid, credited = credited")
    finally:
        conn.close()


def test_the_schema_head_constant_is_the_scripts_head() -> None:
    """Opening a current shop skips Alembic by comparing with SCHEMA_HEAD: it must be true."""
    from db.migrate import SCHEMA_HEAD, head_revision

    assert SCHEMA_HEAD == head_revision()


def test_order_profit_totals_are_backfilled_from_the_documents(tmp_path):
    """Revision 0006 adds the orders' profit totals and fills them from the documents: a shop
    taken back to 0005 (the totals dropped) and upgraded again has the very totals the
    services kept, for every component (a supplier return's recovery included)."""
    from alembic import command

    from db.migrate import alembic_config

    path = tmp_path / "totals.sqlite"
    _rich_shop(path)
    database = Database("sqlite:///" + str(path))
    services.receive_stock(database, "A", 4, "0.95")  # 2 still wait on SO-2, then 2 more
    order = services.create_order(database, "ACME", [LineInput("A", 2)]).number
    services.create_return(database, order, {"A": 2}, condition="defective", reason="faulty")
    services.dispose_defective(database, "A", 2, "supplier_return", supplier="SUP")
    database.dispose()
    kept = _dump(path, ["sales_order"])["sales_order"]
    assert {row[-1] for row in kept} != {0}  # some recovery was kept

    database = Database("sqlite:///" + str(path))
    config = alembic_config(database.url)
    with database.write_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
    assert current_revision(database) == "0005"
    conn = sqlite3.connect(path)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(sales_order)")]
    conn.close()
    assert "invoiced_net" not in columns
    upgrade(database)
    database.dispose()
    assert _dump(path, ["sales_order"])["sales_order"] == kept
