"""the parties on issued documents: customer and shop as printed at issue

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Invoices, credit notes and deliveries keep the customer's name, address and tax id and the
shop's name, address and tax id as they were when the document was issued, so renaming a
customer or changing the letterhead does not change how an old document reprints.

The columns are added with plain ALTER TABLE ADD COLUMN (NOT NULL DEFAULT ''), never a SQLite
batch rebuild, which would drop 0002's triggers on these tables.

Backfill of existing documents (best effort): history was not recorded, so they get today's
customer record (an invoice's and a credit note's `customer_id`, a delivery's order's
customer) and today's shop settings (a missing `shop_name` row is the settings default
"My Shop", which is what those documents printed). The triggers that refuse such UPDATEs are
set aside for the backfill only: on SQLite 0002's `trg_invoice_frozen` and
`trg_credit_note_no_update` are dropped and created again, on PostgreSQL
`trg_invoice_frozen` and `trg_credit_note_append_only` are disabled and enabled again.

Afterwards the new columns are frozen like the rest of the document: the invoice trigger on
SQLite lists them among the frozen columns (on PostgreSQL it already compares every column but
paid and credited), credit notes stay fully append-only, and a new trigger refuses changes of
a delivery's party columns.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("invoice", "credit_note", "delivery")
PARTY_COLUMNS = (
    "customer_name", "customer_address", "customer_tax_id",
    "shop_name", "shop_address", "shop_tax_id",
)
# Settings defaults at the time of this revision (app.settings.SPECS), frozen here.
SHOP_DEFAULTS = {"shop_name": "My Shop", "shop_address": "", "shop_tax_id": ""}

# 0002's frozen invoice columns (copied: a migration must not change when 0002's file does).
INVOICE_FROZEN_0002 = (
    "id", "number", "order_id", "delivery_id", "customer_id", "issue_date", "due_date",
    "currency", "tax_rounding", "net", "tax", "gross", "created_at",
)
_INVOICE_MESSAGE = "an issued invoice cannot change; only paid and credited are updated"
_CREDIT_NOTE_NO_UPDATE = (
    "CREATE TRIGGER trg_credit_note_no_update BEFORE UPDATE ON credit_note "
    "BEGIN SELECT RAISE(ABORT, 'credit_note rows are append-only: issue a correcting document "
    "instead'); END"
)
_DELIVERY_MESSAGE = "an issued delivery cannot change its customer or shop"


def _columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column('customer_name', sa.String(length=200), server_default='', nullable=False),
        sa.Column('customer_address', sa.Text(), server_default='', nullable=False),
        sa.Column('customer_tax_id', sa.String(length=40), server_default='', nullable=False),
        sa.Column('shop_name', sa.Text(), server_default='', nullable=False),
        sa.Column('shop_address', sa.Text(), server_default='', nullable=False),
        sa.Column('shop_tax_id', sa.Text(), server_default='', nullable=False),
    ]


def _sqlite_invoice_frozen(columns: Sequence[str]) -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    return (
        f"CREATE TRIGGER trg_invoice_frozen BEFORE UPDATE ON invoice WHEN {changed} "
        f"BEGIN SELECT RAISE(ABORT, '{_INVOICE_MESSAGE}'); END"
    )


def _sqlite_delivery_frozen() -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in PARTY_COLUMNS)
    return (
        f"CREATE TRIGGER trg_delivery_parties_frozen BEFORE UPDATE ON delivery WHEN {changed} "
        f"BEGIN SELECT RAISE(ABORT, '{_DELIVERY_MESSAGE}'); END"
    )


def _postgresql_delivery_frozen() -> list[str]:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in PARTY_COLUMNS)
    return [
        f"""
        CREATE OR REPLACE FUNCTION shopdesk_delivery_parties_frozen() RETURNS trigger AS $$
        BEGIN
            IF {changed} THEN
                RAISE EXCEPTION '{_DELIVERY_MESSAGE}'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
        """,
        "CREATE TRIGGER trg_delivery_parties_frozen BEFORE UPDATE ON delivery "
        "FOR EACH ROW EXECUTE FUNCTION shopdesk_delivery_parties_frozen()",
    ]


def _customer_of(table: str, field: str) -> str:
    """A correlated subquery: today's customer `field` of each row (portable SQL)."""
    if table == "delivery":
        found = (
            f"SELECT c.{field} FROM sales_order o JOIN customer c ON c.id = o.customer_id "
            "WHERE o.id = delivery.order_id"
        )
    else:
        found = f"SELECT c.{field} FROM customer c WHERE c.id = {table}.customer_id"
    return f"COALESCE(({found}), '')"


def _backfill(bind: sa.Connection) -> None:
    stored = dict(
        bind.execute(
            sa.text("SELECT key, value FROM setting WHERE key IN :keys").bindparams(
                sa.bindparam("keys", expanding=True)
            ),
            {"keys": list(SHOP_DEFAULTS)},
        ).tuples().all()
    )
    shop = {key: stored.get(key, default) for key, default in SHOP_DEFAULTS.items()}
    for table in TABLES:
        bind.execute(
            sa.text(
                f"UPDATE {table} SET "
                f"customer_name = {_customer_of(table, 'name')}, "
                f"customer_address = {_customer_of(table, 'address')}, "
                f"customer_tax_id = {_customer_of(table, 'tax_id')}, "
                "shop_name = :shop_name, shop_address = :shop_address, "
                "shop_tax_id = :shop_tax_id"
            ),
            shop,
        )


def upgrade() -> None:
    for table in TABLES:
        for column in _columns():
            op.add_column(table, column)  # no batch: 0002's triggers stay in place

    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS trg_invoice_frozen")
        op.execute("DROP TRIGGER IF EXISTS trg_credit_note_no_update")
        _backfill(bind)
        op.execute(_sqlite_invoice_frozen(INVOICE_FROZEN_0002 + PARTY_COLUMNS))
        op.execute(_CREDIT_NOTE_NO_UPDATE)
        op.execute(_sqlite_delivery_frozen())
    elif dialect == "postgresql":
        op.execute("ALTER TABLE invoice DISABLE TRIGGER trg_invoice_frozen")
        op.execute("ALTER TABLE credit_note DISABLE TRIGGER trg_credit_note_append_only")
        _backfill(bind)
        op.execute("ALTER TABLE invoice ENABLE TRIGGER trg_invoice_frozen")
        op.execute("ALTER TABLE credit_note ENABLE TRIGGER trg_credit_note_append_only")
        for statement in _postgresql_delivery_frozen():
            op.execute(statement)
    else:
        _backfill(bind)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS trg_delivery_parties_frozen")
        op.execute("DROP TRIGGER IF EXISTS trg_invoice_frozen")
        op.execute(_sqlite_invoice_frozen(INVOICE_FROZEN_0002))
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_delivery_parties_frozen ON delivery")
        op.execute("DROP FUNCTION IF EXISTS shopdesk_delivery_parties_frozen()")
    # Plain ALTER TABLE DROP COLUMN (SQLite 3.35+): no batch rebuild, so 0002's triggers stay.
    for table in TABLES:
        for column in reversed(PARTY_COLUMNS):
            op.drop_column(table, column)
