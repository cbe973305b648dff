"""Money and quantities: parsing user input strictly, and the one rounding rule.

Every amount is a Decimal. A document line's net is rounded once, half-up, to the currency's
minor unit; tax is rounded per line, or per document and rate when the shop says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.errors import InvalidInput

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_AMOUNT = Decimal("1000000000")  # a billion: above it is a typing mistake, not a sale
MAX_QTY = 1_000_000


def quantum(minor_digits: int = 2) -> Decimal:
    return Decimal(1).scaleb(-minor_digits)


def round_money(value: Decimal, minor_digits: int = 2) -> Decimal:
    """Half-up to the currency's minor unit: the single place money is rounded."""
    return value.quantize(quantum(minor_digits), rounding=ROUND_HALF_UP)


def line_net(qty: int, unit_price: Decimal, discount: Decimal, minor_digits: int = 2) -> Decimal:
    gross = Decimal(qty) * unit_price * (HUNDRED - discount) / HUNDRED
    return round_money(gross, minor_digits)


def line_net_cents(qty: int, price_cents: int, discount_bp: int) -> int:
    """line_net in integer cents, for reads of tens of thousands of stored lines (price as
    stored cents, discount as stored basis points): the same half-up rounding, no Decimal.
    Quantities, prices and discounts are never negative, so floor division rounds half-up."""
    return (qty * price_cents * (10_000 - discount_bp) + 5_000) // 10_000


def line_tax(net: Decimal, tax_rate: Decimal, minor_digits: int = 2) -> Decimal:
    return round_money(net * tax_rate / HUNDRED, minor_digits)


def document_tax(
    lines: Iterable[tuple[Decimal, Decimal]], mode: str, minor_digits: int = 2
) -> Decimal:
    """Tax of a document from (net, rate) pairs: the sum of rounded lines ("line"), or
    per rate, rounded once on the rate's total net ("document")."""
    if mode == "line":
        return sum((line_tax(net, rate, minor_digits) for net, rate in lines), Decimal(0))
    per_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for net, rate in lines:
        per_rate[rate] += net
    return sum((line_tax(net, rate, minor_digits) for rate, net in per_rate.items()), Decimal(0))


def _decimal(text: object, what: str) -> Decimal:
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int) and not isinstance(text, bool):
        value = Decimal(text)
    elif isinstance(text, str):
        cleaned = text.strip().replace(" ", "")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise InvalidInput(f"{what} must be a number, not {text!r}.") from None
    else:
        raise InvalidInput(f"{what} must be a number, not {text!r}.")
    if not value.is_finite():
        raise InvalidInput(f"{what} must be a finite number, not {text}.")
    return value


def parse_money(
    text: object, what: str = "Amount", *, allow_zero: bool = True, minor_digits: int = 2
) -> Decimal:
    """A non-negative amount with at most the currency's decimals, below a billion."""
    value = _decimal(text, what)
    if value < 0:
        raise InvalidInput(f"{what} cannot be negative ({text}).")
    if value == 0 and not allow_zero:
        raise InvalidInput(f"{what} must be more than zero.")
    if value >= MAX_AMOUNT:
        raise InvalidInput(f"{what} {text} is too large.")
    if value != value.quantize(quantum(minor_digits), rounding=ROUND_HALF_UP):
        raise InvalidInput(f"{what} {text} has more than {minor_digits} decimals.")
    return value.quantize(quantum(minor_digits))


def parse_percent(text: object, what: str = "Percentage") -> Decimal:
    value = _decimal(text, what)
    if value < 0 or value > 100:
        raise InvalidInput(f"{what} must be between 0 and 100, not {text}.")
    if value != value.quantize(CENT):
        raise InvalidInput(f"{what} {text} has more than 2 decimals.")
    return value.quantize(CENT)


def parse_qty(text: object, what: str = "Quantity", *, allow_zero: bool = False) -> int:
    """A whole number of units, more than zero (unless allowed), at most a million."""
    value = _decimal(text, what)
    if value != value.to_integral_value():
        raise InvalidInput(f"{what} must be a whole number, not {text}.")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(f"{what} must be more than zero, not {text}.")
    if value > MAX_QTY:
        raise InvalidInput(f"{what} {text} is too large (at most {MAX_QTY:,}).")
    return int(value)


def fmt_money(value: Decimal) -> str:
    """Machine-readable decimal string (JSON, CSV): '12.30'."""
    return f"{value:.2f}"
