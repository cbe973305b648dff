"""The shop's settings: each declared once with its type, default and meaning.

Values live in the shop's own database (table `setting`), so a backup carries them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from db.models import Setting
from db.session import Database


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: str
    doc: str
    parse: Callable[[str], Any]
    render: Callable[[Any], str] = str  # parsed value -> the text stored in `setting`


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


_RATE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,19}")


def _tax_rates(value: str) -> dict[str, Decimal]:
    """'standard=19; reduced=7; zero=0' -> {'standard': 19.00, ...}: names a product list
    may use in its tax column instead of a number."""
    from app.money import parse_percent

    rates: dict[str, Decimal] = {}
    for part in value.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        name, sep, rate = part.partition("=")
        name = name.strip().lower()
        if not sep or not _RATE_NAME.fullmatch(name):
            raise InvalidInput(
                f"Write tax rates as name=percent separated by ';' (standard=19;reduced=7), "
                f"not {part.strip()!r}; a name is a word of letters, digits, '-' or '_'."
            )
        if name in rates:
            raise InvalidInput(f"The tax rate {name!r} is named twice.")
        rate = rate.strip()
        if "," in rate and "." not in rate:
            rate = rate.replace(",", ".")
        rates[name] = parse_percent(rate, f"Tax rate {name!r}")
    return rates


def _render_tax_rates(rates: dict[str, Decimal]) -> str:
    return ";".join(f"{name}={rate.normalize():f}" for name, rate in rates.items())


def resolve_tax_rate(text: str, rates: Mapping[str, Decimal]) -> Decimal:
    """A tax rate as a user or a file writes it: a named rate ('reduced') or a percentage
    ('7', '7%', '7,5')."""
    from app.money import parse_percent

    cleaned = text.strip()
    if cleaned.lower() in rates:
        return rates[cleaned.lower()]
    number = cleaned.removesuffix("%").strip()
    if "," in number and "." not in number:
        number = number.replace(",", ".")
    if number and (number[0].isdigit() or number[0] in "+-."):
        return parse_percent(number, "Tax rate")
    known = ", ".join(rates) or "none defined (setting tax_rates)"
    raise InvalidInput(f"{text!r} is neither a percentage nor a named tax rate ({known}).")


# ISO 4217 codes that are not money a shop prices in: testing, "no currency", metals, units.
_NOT_MONEY = frozenset({"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBB", "XBC",
                        "XBD", "XSU", "XUA", "XFU", "XFO", "XRE"})


def _currency(value: str) -> str:
    from babel.numbers import get_currency_precision, list_currencies

    code = value.strip().upper()
    if code not in list_currencies() or code in _NOT_MONEY:
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
        SettingSpec(
            "shop_logo", "", "Image file (PNG/JPEG) printed at the top of documents.", _text
        ),
        SettingSpec(
            "payment_terms_text",
            "",
            "Payment terms printed on invoices (empty: 'Payable within N days ...').",
            _text,
        ),
        SettingSpec(
            "currency", "EUR", "ISO currency code; amounts round to its minor unit.", _currency
        ),
        SettingSpec("default_tax_rate", "19", "Tax rate (%) for new products.", _percent),
        SettingSpec(
            "tax_rates",
            "standard=19;reduced=7;zero=0",
            "Named tax rates (name=percent;...) a product list may use instead of a number.",
            _tax_rates,
            _render_tax_rates,
        ),
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
        SettingSpec(
            "pending_age_days", "14", "A pending line older than this is an exception.", _days
        ),
        SettingSpec(
            "defective_age_days", "30", "Defective stock waiting longer than this is flagged.",
            _days,
        ),
        SettingSpec(
            "overdue_grace_days", "0",
            "An unpaid invoice is an exception this many days after its due date.", _days,
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
    tax_rates: Mapping[str, Decimal]  # read-only: one parsed ShopSettings is shared (see load)
    fulfilment_mode: str
    tax_rounding: str
    payment_terms_days: int
    pending_age_days: int
    defective_age_days: int
    overdue_grace_days: int


_ALL_SETTINGS = select(Setting.key, Setting.value)

# The stored texts last parsed, and what they parsed to. Every transaction still reads the
# rows (one small SELECT), so a change made by another window, seat or process is seen at
# once; only the parsing (currency list, tax-rate texts...) is skipped while they are the same.
_parsed: tuple[dict[str, str], ShopSettings] | None = None


def load(session: Session) -> ShopSettings:
    # Core on the session's connection: this runs at the start of every write transaction.
    global _parsed
    stored = dict(session.connection().execute(_ALL_SETTINGS).tuples().all())
    cached = _parsed  # one read: another thread may replace it meanwhile
    if cached is not None and cached[0] == stored:
        return cached[1]
    values = {}
    for field in fields(ShopSettings):
        spec = SPECS[field.name]
        values[field.name] = spec.parse(stored.get(field.name, spec.default))
    values["tax_rates"] = MappingProxyType(values["tax_rates"])
    settings = ShopSettings(**values)
    _parsed = (stored, settings)
    return settings


def get(session: Session, name: str) -> str:
    spec = _spec(name)
    row = session.get(Setting, name)
    return row.value if row else spec.default


def set_value(session: Session, name: str, value: str) -> str:
    spec = _spec(name)
    parsed = spec.parse(value)
    text = spec.render(parsed)
    row = session.get(Setting, name)
    if row is None:
        session.add(Setting(key=name, value=text))
    else:
        row.value = text
    return text


class InvalidSettings(InvalidInput):
    """Several settings refused at once: `problems` maps each name to its sentence."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__(" ".join(f"{name}: {text}" for name, text in problems.items()))


def set_many(session: Session, values: dict[str, str]) -> dict[str, str]:
    """Validate every value first, then store them all (the caller's transaction): either all
    are saved or, with InvalidSettings naming each bad one, none. Returns the stored texts."""
    problems: dict[str, str] = {}
    texts: dict[str, str] = {}
    for name, value in values.items():
        spec = _spec(name)
        try:
            texts[name] = spec.render(spec.parse(value))
        except InvalidInput as exc:
            problems[name] = str(exc)
    if problems:
        raise InvalidSettings(problems)
    for name, text in texts.items():
        set_value(session, name, text)
    return texts


@dataclass(frozen=True)
class SettingRow:
    name: str
    value: str
    default: str
    doc: str


def describe(session: Session) -> list[SettingRow]:
    """Every setting with its stored (else default) value, in the registry's order."""
    stored = dict(session.execute(_ALL_SETTINGS).tuples().all())
    return [
        SettingRow(spec.name, stored.get(spec.name, spec.default), spec.default, spec.doc)
        for spec in SPECS.values()
    ]


def read_all(db: Database) -> list[SettingRow]:
    """describe() in its own read transaction (for the GUI, which opens no sessions)."""
    with db.read() as session:
        return describe(session)


def shop_is_new(db: Database) -> bool:
    """A shop nobody has set up yet: no shop name saved and no products (first start)."""
    from sqlalchemy import func

    from db.models import Product

    with db.read() as session:
        named = session.get(Setting, "shop_name") is not None
        return not named and not session.execute(select(func.count(Product.id))).scalar()


def _spec(name: str) -> SettingSpec:
    try:
        return SPECS[name]
    except KeyError:
        known = ", ".join(sorted(SPECS))
        raise NotFound(f"There is no setting {name!r}. Known settings: {known}.") from None
