"""Covering indexes for the reports at 100,000 orders.

Plain CREATE INDEX (no batch rebuild), so revision 0002's append-only triggers stay.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _partial(where: str) -> dict[str, sa.TextClause]:
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}


def upgrade() -> None:
    op.create_index("ix_invoice_order_net", "invoice", ["order_id", "net"])
    op.create_index("ix_delivery_line_delivery_cost", "delivery_line", ["delivery_id", "cost"])
    op.create_index("ix_invoice_line_product_net", "invoice_line", ["product_id", "net"])
    op.create_index("ix_delivery_line_product_cost", "delivery_line", ["product_id", "cost"])
    op.create_index(
        "ix_sales_order_line_pending", "sales_order_line", ["order_id", "qty_pending"],
        **_partial("qty_pending > 0"),
    )
    op.create_index(
        "ix_sales_order_line_not_invoiced", "sales_order_line", ["order_id"],
        **_partial("qty_delivered > qty_invoiced"),
    )


def downgrade() -> None:
    for name, table in (
        ("ix_sales_order_line_not_invoiced", "sales_order_line"),
        ("ix_sales_order_line_pending", "sales_order_line"),
        ("ix_delivery_line_product_cost", "delivery_line"),
        ("ix_invoice_line_product_net", "invoice_line"),
        ("ix_delivery_line_delivery_cost", "delivery_line"),
        ("ix_invoice_order_net", "invoice"),
    ):
        op.drop_index(name, table_name=table)
