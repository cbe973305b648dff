"""Has anything changed since the GUI last looked? A cheap fingerprint of the shop to poll.

Another seat (PostgreSQL) or another window (SQLite) may write at any time; the GUI polls
`data_version` every few seconds and re-queries its tabs only when the tuple differs. Every
write that matters appends a row somewhere (a move, an order, an invoice, a payment, a return,
an audit entry), and ids only grow, so the highest ids of those tables say "something new".
SQLite's PRAGMA data_version would be cheaper but only tells one connection about *other*
connections' commits, and the GUI's reader connections come and go from a pool; the same
tuple serves both databases.

Each part is one index look-up (MAX over a primary key), so a poll costs well under a
millisecond even with a million moves.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import (
    AuditLog,
    CustomerReturn,
    Invoice,
    Payment,
    Product,
    PurchaseOrder,
    SalesOrder,
    Setting,
    StockMove,
)

# Appended by the use cases: a new row means new data.
_GROWING = (StockMove, SalesOrder, Invoice, Payment, CustomerReturn, PurchaseOrder, AuditLog)


def _fingerprint():  # type: ignore[no-untyped-def]
    parts = [select(func.coalesce(func.max(model.id), 0)).scalar_subquery() for model in _GROWING]
    # Edits that append nothing of the above (a price change without audit, a new product,
    # a setting) still move these counts.
    parts.append(select(func.count()).select_from(Setting).scalar_subquery())
    parts.append(select(func.coalesce(func.max(Product.id), 0)).scalar_subquery())
    return select(*parts)


_DATA_VERSION = _fingerprint()


def data_version(session: Session) -> tuple[int, ...]:
    """A tuple that changes whenever another seat or window commits a change (one query).

    Compare it with the previous poll's tuple; equal means nothing new to show."""
    return tuple(int(v) for v in session.execute(_DATA_VERSION).one())
