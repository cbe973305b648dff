"""Small SQL helpers shared by the read models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, type_coerce

CENT = Decimal("0.01")


def cents(column: Any) -> Any:
    """The stored integer cents of a Money column, so SUM(qty * cost) stays exact in SQL."""
    return type_coerce(column, BigInteger)


def money_from_cents(value: Any) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(CENT)


def like(text: str) -> str:
    """A LIKE pattern that matches `text` anywhere, with % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
