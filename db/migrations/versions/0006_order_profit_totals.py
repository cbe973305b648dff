"""Each order keeps its profit components: six running totals on sales_order, and an index of
the orders losing money.

The profit by order, customer and project over all dates, and the exceptions' losing orders,
summed every invoice, credit note, delivery line, return line and recovery of the shop on
every run (0.5-0.7 s at 100,000 orders, three scans). The services now add each document's
amounts to its order in the same transaction (app.services.order_totals) and `shopdesk
check` compares the totals with the documents; reports limited to dates still read the
documents, each dated by its own date.

The backfill below sums the documents exactly as app.queries.profit does (integer cents).
Plain ADD COLUMN with a default and CREATE INDEX (no batch rebuild), so revision 0002's
triggers stay.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOTALS = ("invoiced_net", "credited_net", "delivered_cost", "returned_cost", "defective_loss",
          "recovered_cost")
LOSING = sa.text(
    "invoiced_net - credited_net - delivered_cost + returned_cost - defective_loss"
    " + recovered_cost < 0"
)
RETURNED = """
    (SELECT SUM(rl.cost) FROM return_line rl JOIN customer_return r ON r.id = rl.return_id
     WHERE r.order_id = sales_order.id{defective})"""
BACKFILL = f"""
UPDATE sales_order SET
  invoiced_net = COALESCE(
    (SELECT SUM(net) FROM invoice WHERE invoice.order_id = sales_order.id), 0),
  credited_net = COALESCE(
    (SELECT SUM(net) FROM credit_note WHERE credit_note.order_id = sales_order.id), 0),
  delivered_cost = COALESCE(
    (SELECT SUM(dl.cost) FROM delivery_line dl JOIN delivery d ON d.id = dl.delivery_id
     WHERE d.order_id = sales_order.id), 0),
  returned_cost = COALESCE({RETURNED.format(defective="")}, 0),
  defective_loss = COALESCE({RETURNED.format(defective=" AND rl.condition = 'defective'")}, 0),
  recovered_cost = COALESCE(
    (SELECT SUM(lc.qty * lc.unit_cost)
     FROM layer_consumption lc
     JOIN disposal_line xl ON xl.id = lc.disposal_line_id
     JOIN disposal x ON x.id = xl.disposal_id
     JOIN cost_layer cl ON cl.id = lc.layer_id
     JOIN return_line rl ON rl.id = cl.return_line_id
     JOIN customer_return r ON r.id = rl.return_id
     WHERE x.kind = 'supplier_return' AND r.order_id = sales_order.id), 0)
WHERE EXISTS (SELECT 1 FROM delivery WHERE delivery.order_id = sales_order.id)
"""


def upgrade() -> None:
    for name in TOTALS:
        op.add_column("sales_order", sa.Column(name, sa.BigInteger(), nullable=False,
                                               server_default=sa.text("0")))
    # every document of an order follows a delivery: orders never delivered keep 0
    op.execute(BACKFILL)
    op.create_index("ix_sales_order_losing", "sales_order", ["id"],
                    sqlite_where=LOSING, postgresql_where=LOSING)


def downgrade() -> None:
    op.drop_index("ix_sales_order_losing", table_name="sales_order")
    for name in TOTALS:  # plain DROP COLUMN (SQLite 3.35+): no table rebuild
        op.drop_column("sales_order", name)
