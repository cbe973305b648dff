"""Order status comes from the quantities, never from a field a user can edit."""

from __future__ import annotations

STATUSES = ("open", "pending", "partial", "done", "cancelled")
STATUS_LABELS = {
    "open": "Open",
    "pending": "Pending",
    "partial": "Partly delivered",
    "done": "Done",
    "cancelled": "Cancelled",
}


def order_status(delivered: int, pending: int, allocated: int) -> str:
    """open: all still to deliver is reserved; pending: waiting for stock;
    partial: some delivered, some pending; done: nothing pending; cancelled: nothing sent."""
    if pending == 0:
        return "done" if delivered > 0 else "cancelled"
    if delivered > 0:
        return "partial"
    return "open" if allocated == pending else "pending"
