"""Each order's profit so far, kept on the order (sales_order's six totals, revision 0006).

A document adds its amounts to its order in the same transaction that writes it: a delivery
its FIFO cost, an invoice its net, a return its goods' cost (and, if defective, the loss)
and its credit notes' net, a supplier return of defective goods the cost recovered. So the
profit by order, customer or project over all dates, and the losing orders, read one row per
order instead of every document line. `shopdesk check` compares the totals with the
documents (app.queries.check), and the property tests run that check after every step.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from app.bulk import Bulk
from app.services.common import conn
from db.base import MoneyType
from db.models import SalesOrder

TOTALS = ("invoiced_net", "credited_net", "delivered_cost", "returned_cost", "defective_loss",
          "recovered_cost")
Amounts = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]  # in TOTALS' order

_ORDER = SalesOrder.__table__
_ADD = Bulk(
    _ORDER.update()
    .where(_ORDER.c.id == bindparam("t_order"))
    .values({name: _ORDER.c[name] + bindparam(f"t_{name}", type_=MoneyType()) for name in TOTALS}),
    ("t_order", *(f"t_{name}" for name in TOTALS)),
)
_NONE = Decimal(0)


def add_to_orders(session: Session, amounts: Iterable[tuple[int, Amounts]]) -> None:
    """Add (order id, amounts in TOTALS' order) to the orders' totals: one executemany,
    in order id order (the order rows are locked as every seat locks them, by id).
    `column = column + amount` is exact on integer cents and safe under concurrent seats."""
    rows = sorted((order_id, *parts) for order_id, parts in amounts)
    if rows:
        _ADD.run(conn(session), rows)


def delivered(net: Decimal, cost: Decimal) -> Amounts:
    """A delivery and its invoice."""
    return (net, _NONE, cost, _NONE, _NONE, _NONE)


def returned(credited_net: Decimal, cost: Decimal, defective: bool) -> Amounts:
    """A customer return and its credit notes."""
    return (_NONE, credited_net, _NONE, cost, cost if defective else _NONE, _NONE)


def recovered(cost: Decimal) -> Amounts:
    """Defective goods of the order's return sent back to the supplier."""
    return (_NONE, _NONE, _NONE, _NONE, _NONE, cost)
