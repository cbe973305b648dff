"""The shop's settings: each declared once with its type, default and meaning.

Values live in the shop's own database (table `setting`), so a backup carries them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from db.models import Setting


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: str
    doc: str
    parse: Callable[[str], Any]


def _choice(*options: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in options:
            raise InvalidInput(f"Choose one of {', '.join(options)} (not {value!r}).")
        return value

    return parse


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise InvalidInput(f"A number of days is a whole number, not {value!r}.") from None
    if not 0 <= days <= 3650:
        raise InvalidInput(f"A number of days is between 0 and 3650, not {days}.")
    return days


def _text(value: str) -> str:
    if len(value) > 2000:
        raise InvalidInput("A setting's text is at most 2,000 characters.")
    return value


def _percent(value: str) -> Decimal:
    from app.money import parse_percent

    return parse_percent(value, "Tax rate")


def _currency(value: str) -> str:
    from babel.numbers import get_currency_precision, list_currencies

    code = value.strip().upper()
    if code not in list_currencies():
        raise InvalidInput(f"{value!r} is not an ISO 4217 currency code (EUR, USD, GBP...).")
    if get_currency_precision(code) > 2:
        raise InvalidInput(f"{code} has more than two decimals, which ShopDesk cannot store yet.")
    return code


SPECS: dict[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec("shop_name", "My Shop", "Name on documents and the window title.", _text),
        SettingSpec("shop_address", "", "Address printed on documents.", _text),
        SettingSpec("shop_tax_id", "", "Tax / VAT id printed on documents.", _text),
        SettingSpec("shop_logo", "", "Image file (PNG/JPEG) printed at the top of documents.", _text),
        SettingSpec(
            "payment_terms_text",
            "",
            "Payment terms printed on invoices (empty: 'Payable within N days ...').",
            _text,
        ),
        SettingSpec("currency", "EUR", "ISO currency code; amounts round to its minor unit.", _currency),
        SettingSpec("default_tax_rate", "19", "Tax rate (%) for new products.", _percent),
        SettingSpec(
            "fulfilment_mode",
            "deliver",
            "deliver: allocated goods are delivered and invoiced at once; "
            "reserve: they are only reserved until a clerk delivers them.",
            _choice("deliver", "reserve"),
        ),
        SettingSpec(
            "tax_rounding",
            "line",
            "line: tax rounded on each line, totals are sums; document: rounded once per rate.",
            _choice("line", "document"),
        ),
        SettingSpec("payment_terms_days", "30", "Days from invoice to due date.", _days),
        SettingSpec("pending_age_days", "14", "A pending line older than this is an exception.", _days),
        SettingSpec(
            "defective_age_days", "30", "Defective stock waiting longer than this is flagged.", _days
        ),
    )
}


@dataclass(frozen=True)
class ShopSettings:
    shop_name: str
    shop_address: str
    shop_tax_id: str
    shop_logo: str
    payment_terms_text: str
    currency: str
    default_tax_rate: Decimal
    fulfilment_mode: str
    tax_rounding: str
    payment_terms_days: int
    pending_age_days: int
    defective_age_days: int


_ALL_SETTINGS = select(Setting.key, Setting.value)


def load(session: Session) -> ShopSettings:
    # Core on the session's connection: this runs at the start of every write transaction.
    stored = dict(session.connection().execute(_ALL_SETTINGS).tuples().all())
    values = {}
    for field in fields(ShopSettings):
        spec = SPECS[field.name]
        values[field.name] = spec.parse(stored.get(field.name, spec.default))
    return ShopSettings(**values)


def get(session: Session, name: str) -> str:
    spec = _spec(name)
    row = session.get(Setting, name)
    return row.value if row else spec.default


def set_value(session: Session, name: str, value: str) -> str:
    spec = _spec(name)
    parsed = spec.parse(value)
    text = str(parsed)
    row = session.get(Setting, name)
    if row is None:
        session.add(Setting(key=name, value=text))
    else:
        row.value = text
    return text


def _spec(name: str) -> SettingSpec:
    try:
        return SPECS[name]
    except KeyError:
        known = ", ".join(sorted(SPECS))
        raise NotFound(f"There is no setting {name!r}. Known settings: {known}.") from None
