"""users, audit log, append-only documents enforced by the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Issued documents and the stock ledger are append-only: triggers refuse UPDATE and DELETE on
their rows (on invoices, only the running totals `paid` and `credited` may change), so not even
a stray SQL statement or a future bug can rewrite history. The audit log is append-only too.

Note for later migrations: a SQLite "batch" table rebuild drops the triggers of that table;
such a migration must create them again (see TRIGGER_SQL below).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = (
    "invoice_line", "credit_note", "credit_note_line", "stock_move", "delivery_line", "payment",
    "audit_log",
)
INVOICE_FROZEN = (
    "id", "number", "order_id", "delivery_id", "customer_id", "issue_date", "due_date",
    "currency", "tax_rounding", "net", "tax", "gross", "created_at",
)


def _message(table: str) -> str:
    return f"{table} rows are append-only: issue a correcting document instead"


def _sqlite_triggers() -> list[tuple[str, str]]:
    """(name, CREATE TRIGGER statement) pairs."""
    triggers = []
    for table in APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            name = f"trg_{table}_no_{event.lower()}"
            triggers.append((name, (
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{_message(table)}'); END"
            )))
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in INVOICE_FROZEN)
    triggers.append(("trg_invoice_no_delete", (
        "CREATE TRIGGER trg_invoice_no_delete BEFORE DELETE ON invoice "
        f"BEGIN SELECT RAISE(ABORT, '{_message('invoice')}'); END"
    )))
    triggers.append(("trg_invoice_frozen", (
        f"CREATE TRIGGER trg_invoice_frozen BEFORE UPDATE ON invoice WHEN {changed} "
        "BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot change; only paid and credited "
        "are updated'); END"
    )))
    return triggers


def _postgresql_statements() -> tuple[list[str], list[str]]:
    """(create, drop) statements: two trigger functions and their triggers."""
    create = [
        """
        CREATE OR REPLACE FUNCTION shopdesk_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% rows are append-only: issue a correcting document instead',
                TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
        END
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE OR REPLACE FUNCTION shopdesk_invoice_frozen() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION
                    'invoice rows are append-only: issue a correcting document instead'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF (to_jsonb(NEW) - 'paid' - 'credited') IS DISTINCT FROM
               (to_jsonb(OLD) - 'paid' - 'credited') THEN
                RAISE EXCEPTION
                    'an issued invoice cannot change; only paid and credited are updated'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
        """,
    ]
    drop = []
    for table in APPEND_ONLY:
        create.append(
            f"CREATE TRIGGER trg_{table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION shopdesk_append_only()"
        )
        drop.append(f"DROP TRIGGER IF EXISTS trg_{table}_append_only ON {table}")
    create.append(
        "CREATE TRIGGER trg_invoice_frozen BEFORE UPDATE OR DELETE ON invoice "
        "FOR EACH ROW EXECUTE FUNCTION shopdesk_invoice_frozen()"
    )
    drop.append("DROP TRIGGER IF EXISTS trg_invoice_frozen ON invoice")
    drop.append("DROP FUNCTION IF EXISTS shopdesk_append_only()")
    drop.append("DROP FUNCTION IF EXISTS shopdesk_invoice_frozen()")
    return create, drop


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('pin_hash', sa.String(length=128), nullable=False),
    sa.Column('pin_salt', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(
        "role IN ('owner', 'clerk', 'accountant')", name=op.f('ck_app_user_role_known')
    ),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_app_user_name_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('name', name=op.f('uq_app_user_name'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_name', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('document', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_document'), ['document'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for _, statement in _sqlite_triggers():
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _postgresql_statements()[0]:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, _ in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for statement in _postgresql_statements()[1]:
            op.execute(statement)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_document'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
    op.drop_table('audit_log')
    op.drop_table('app_user')
