"""The append-only triggers of migration 0002 on PostgreSQL (skipped without a server:
set SHOPDESK_TEST_PG_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app import services
from app.errors import Conflict
from app.services import LineInput
from db.migrate import ensure_current
from db.session import Database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("SHOPDESK_TEST_PG_URL"),
                       reason="SHOPDESK_TEST_PG_URL is not set (no PostgreSQL server)"),
]


@pytest.fixture(scope="module")
def pg_shop() -> Iterator[tuple[Database, str]]:
    from tests.pg.conftest import create_database, drop_database

    url = create_database()
    database = Database(url)
    try:
        ensure_current(database)
        services.add_product(database, "A", "Apple", "2.00")
        services.add_customer(database, "C1", "Customer")
        services.receive_stock(database, "A", 10, "1.00")
        order = services.create_order(database, "C1", [LineInput("A", 4)])
        services.record_payment(database, order.invoices[0], "1.00")
        services.create_return(database, order.number, {"A": 1}, condition="sellable",
                               reason="other")
        yield database, order.invoices[0]
    finally:
        database.dispose()
        drop_database(url)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE invoice_line SET qty = qty + 1", "DELETE FROM invoice_line",
        "UPDATE credit_note SET net = 0", "DELETE FROM credit_note_line",
        "UPDATE stock_move SET qty = qty + 1", "DELETE FROM stock_move",
        "UPDATE delivery_line SET cost = 0", "DELETE FROM payment",
        "UPDATE invoice SET gross = gross + 100", "UPDATE invoice SET number = 'INV-X'",
        "DELETE FROM invoice", "UPDATE audit_log SET user_name = 'x'", "DELETE FROM audit_log",
    ],
)
def test_postgresql_refuses_to_rewrite_history(pg_shop, statement):
    database, _ = pg_shop
    with pytest.raises(IntegrityError, match="append-only|cannot change"):
        with database.write() as session:
            session.execute(text(statement))


def test_postgresql_still_lets_payments_move_the_running_totals(pg_shop):
    database, invoice = pg_shop
    paid = services.record_payment(database, invoice, "0.50").paid
    assert str(paid) == "1.50"
    with pytest.raises(Conflict, match="rule of the shop"):  # through a use case: a sentence
        from app.services.common import transaction

        with transaction(database) as (session, _):
            session.execute(text("DELETE FROM payment"))
