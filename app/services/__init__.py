"""Use cases: one function each, one transaction each, a small frozen result each.

The GUI and the CLI call these and nothing below them.
"""

from app.services.catalog import (
    add_customer,
    add_product,
    add_project,
    add_supplier,
    set_customer_ship_complete,
    set_product_price,
    set_setting,
)
from app.services.common import Changes
from app.services.invoicing import record_payment
from app.services.orders import LineInput, cancel_pending, create_order, deliver_order
from app.services.purchasing import (
    PurchaseLineInput,
    adjust_stock,
    cancel_purchase,
    create_purchase,
    receive_purchase,
    receive_stock,
)
from app.services.returns import create_return, dispose_defective, mark_defective

__all__ = [
    "Changes",
    "LineInput",
    "PurchaseLineInput",
    "add_customer",
    "add_product",
    "add_project",
    "add_supplier",
    "adjust_stock",
    "cancel_pending",
    "cancel_purchase",
    "create_order",
    "create_purchase",
    "create_return",
    "deliver_order",
    "dispose_defective",
    "mark_defective",
    "receive_purchase",
    "receive_stock",
    "record_payment",
    "set_customer_ship_complete",
    "set_product_price",
    "set_setting",
]
