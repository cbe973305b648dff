"""Declarative base, the naming convention and the exact column types (money, percent)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Money is stored as an integer count of hundredths (cents): SQLite's NUMERIC is a float
# with 15 significant digits, an integer is exact. Currencies with 0 or 2 decimals fit.
MONEY_SCALE = 2
_MONEY_FACTOR = Decimal(10) ** MONEY_SCALE


class MoneyType(TypeDecorator[Decimal]):
    """Decimal in Python, integer minor units in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * _MONEY_FACTOR
        if scaled != scaled.to_integral_value():
            raise ValueError(f"money value {value} has more than {MONEY_SCALE} decimals")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        # scaleb keeps it exact and gives the right exponent: 1234 -> Decimal("12.34")
        return Decimal(int(value)).scaleb(-MONEY_SCALE)


class PercentType(TypeDecorator[Decimal]):
    """A percentage with two decimals (19.00 %, 7.50 %), stored as integer basis points."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * 100
        if scaled != scaled.to_integral_value():
            raise ValueError(f"percentage {value} has more than 2 decimals")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-2)


Money = Annotated[Decimal, mapped_column(MoneyType(), nullable=False, default=Decimal(0))]
Percent = Annotated[Decimal, mapped_column(PercentType(), nullable=False, default=Decimal(0))]
Qty = Annotated[int, mapped_column(Integer, nullable=False, default=0)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
