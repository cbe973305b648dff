"""Money, numbers and dates for people, in the user's locale (Babel).

Machine output (JSON, CSV for scripts) never goes through here: it uses ISO dates and plain
decimal strings (`app.money.fmt_money`).
"""

from __future__ import annotations

import locale as _locale
import os
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import NumberFormatError, format_currency, format_decimal, format_percent
from babel.numbers import parse_decimal as _parse_decimal

from app.errors import InvalidInput

FALLBACK = "en_US"


@lru_cache(maxsize=1)
def user_locale() -> str:
    """The locale to show numbers in: $SHOPDESK_LOCALE, else the system's, else en_US."""
    candidates = [os.environ.get("SHOPDESK_LOCALE"), os.environ.get("LC_ALL"),
                  os.environ.get("LC_NUMERIC"), os.environ.get("LANG")]
    try:
        candidates.append(_locale.getlocale()[0])
    except ValueError:
        pass
    for name in candidates:
        if not name or name in ("C", "POSIX") or name.startswith("C."):
            continue
        try:
            return str(Locale.parse(name.split(".")[0].split("@")[0]))
        except (ValueError, UnknownLocaleError):
            continue
    return FALLBACK


def money(value: Decimal, currency: str = "EUR", locale: str | None = None) -> str:
    """12.3 -> '€12.30' (en_US) or '12,30 €' (de_DE)."""
    return format_currency(value, currency, locale=locale or user_locale())


def number(value: Decimal | int, locale: str | None = None, decimals: int | None = None) -> str:
    if decimals is not None:
        pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_decimal(value, format=pattern, locale=locale or user_locale())
    return format_decimal(value, locale=locale or user_locale())


def percent(value: Decimal, locale: str | None = None) -> str:
    """19 (meaning 19 %) -> '19%'; 7.5 -> '7.5%'."""
    return format_percent(value / 100, format="#,##0.##%", locale=locale or user_locale())


def day(value: date | None, locale: str | None = None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return _format_date(value, format=fmt, locale=locale or user_locale())


def moment(value: datetime | None, locale: str | None = None) -> str:
    if value is None:
        return ""
    return _format_datetime(value, format="short", locale=locale or user_locale())


def parse_amount(text: str, locale: str | None = None) -> Decimal:
    """A number typed in the user's locale ('1.234,50' in de_DE); also accepts a plain
    '1234.50'. Raises InvalidInput with a sentence."""
    cleaned = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        raise InvalidInput("Enter a number.")
    try:
        return Decimal(_parse_decimal(cleaned, locale=locale or user_locale(), strict=True))
    except (NumberFormatError, InvalidOperation):
        try:
            return Decimal(cleaned)
        except InvalidOperation:
            raise InvalidInput(f"{text!r} is not a number.") from None
