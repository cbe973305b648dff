"""Migration 0003 on PostgreSQL: documents of a 0002 shop get their parties backfilled behind
the disabled triggers, which refuse changes again afterwards (skipped without a server: set
SHOPDESK_TEST_PG_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres)."""

from __future__ import annotations

import os

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app import services
from app.services import LineInput
from db.migrate import alembic_config, current_revision, ensure_current, head_revision, upgrade
from db.session import Database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("SHOPDESK_TEST_PG_URL"),
                       reason="SHOPDESK_TEST_PG_URL is not set (no PostgreSQL server)"),
]

PARTIES = "customer_name, customer_address, customer_tax_id, shop_name, shop_address, shop_tax_id"


def test_postgresql_backfills_the_parties_of_0002_documents_and_keeps_them_frozen():
    from tests.pg.conftest import create_database, drop_database

    url = create_database()
    database = Database(url)
    try:
        ensure_current(database)
        services.set_setting(database, "shop_name", "Eisenwaren & Söhne")
        services.set_setting(database, "shop_tax_id", "DE123456789")
        services.add_product(database, "A", "Apple", "2.00")
        services.add_customer(database, "C1", "Customer", address="1 Road", tax_id="GB1")
        services.receive_stock(database, "A", 10, "1.00")
        order = services.create_order(database, "C1", [LineInput("A", 4)])
        services.create_return(database, order.number, {"A": 1}, condition="sellable",
                               reason="other")
        # Back to 0002 (the party columns go), rename, and upgrade again: the backfill.
        config = alembic_config(database.url)
        with database.write_engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0002")
        assert current_revision(database) == "0002"
        with database.write() as session:
            session.execute(text("UPDATE customer SET name = 'Customer Two'"))
        upgrade(database)
        assert current_revision(database) == head_revision()

        expected = ("Customer Two", "1 Road", "GB1", "Eisenwaren & Söhne", "", "DE123456789")
        with database.read() as session:
            for table in ("invoice", "credit_note", "delivery"):
                rows = session.execute(text(f"SELECT {PARTIES} FROM {table}")).all()
                assert rows and all(tuple(r) == expected for r in rows), table
        for statement in [
            "UPDATE invoice SET customer_name = 'x'", "UPDATE invoice SET gross = gross + 1",
            "UPDATE credit_note SET shop_name = 'x'", "UPDATE delivery SET customer_tax_id = 'x'",
        ]:
            with pytest.raises(IntegrityError, match="append-only|cannot change"):
                with database.write() as session:
                    session.execute(text(statement))
        paid = services.record_payment(database, order.invoices[0], "1.00").paid
        assert str(paid) == "1.00"  # the running totals still move
    finally:
        database.dispose()
        drop_database(url)
