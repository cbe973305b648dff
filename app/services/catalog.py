"""Products, customers, suppliers, projects and settings: the shop's master data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app import audit
from app import settings as shop_settings
from app.errors import Conflict, InvalidInput
from app.money import parse_money, parse_percent, parse_qty
from app.services.common import (
    Changes,
    check_text,
    now,
    product_by_sku,
    project_id_for,
    retrying,
    transaction,
)
from db.models import Customer, Product, Supplier
from db.session import Database


@dataclass(frozen=True)
class Saved:
    """A master record written: its code and what changed."""

    code: str
    created: bool
    changes: Changes = Changes(catalog=True)


def _check_code(code: str, what: str) -> str:
    code = check_text(code, what, max_len=40)
    if any(ch.isspace() for ch in code):
        raise InvalidInput(f"{what} {code!r} cannot contain spaces.")
    return code


def _check_ean(ean: str | None) -> str | None:
    if not ean:
        return None
    from stdnum import ean as stdnum_ean
    from stdnum.exceptions import ValidationError

    try:
        return str(stdnum_ean.validate(ean))
    except ValidationError:
        raise InvalidInput(f"{ean!r} is not a valid EAN/GTIN barcode (check digit).") from None


@retrying
def add_product(
    db: Database,
    sku: str,
    name: str,
    price: object,
    tax: object | None = None,
    *,
    ean: str | None = None,
    reorder_level: object = 0,
    update: bool = False,
) -> Saved:
    """Create a product; with `update`, an existing SKU gets the new name and price instead."""
    sku = _check_code(sku, "SKU")
    name = check_text(name, "Product name")
    unit_price = parse_money(price, "Price")
    ean = _check_ean(ean)
    level = parse_qty(reorder_level, "Reorder level", allow_zero=True)
    with transaction(db) as (session, settings):
        rate = settings.default_tax_rate if tax is None else parse_percent(tax, "Tax rate")
        audit.record(
            session, None, "add_product", sku, None,
            {"name": name, "price": unit_price, "tax": rate, "update": update},
        )
        existing = session.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()
        if existing is not None:
            if not update:
                raise Conflict(f"A product with SKU {sku!r} already exists.")
            existing.name, existing.unit_price, existing.tax_rate = name, unit_price, rate
            existing.reorder_level = level
            if ean:
                existing.ean = ean
            return Saved(sku, created=False)
        if ean and session.execute(select(Product.id).where(Product.ean == ean)).first():
            raise Conflict(f"Another product already has the barcode {ean}.")
        session.add(
            Product(
                sku=sku, name=name, unit_price=unit_price, tax_rate=rate, ean=ean,
                reorder_level=level, active=True, on_hand=0, allocated=0, defective=0,
            )
        )
    return Saved(sku, created=True)


@retrying
def set_product_price(db: Database, sku: str, price: object) -> Saved:
    """A new list price applies to new orders only: issued documents keep theirs."""
    unit_price = parse_money(price, "Price")
    with transaction(db) as (session, _):
        audit.record(
            session, None, "set_product_price", sku,
            {"price": product_by_sku(session, sku).unit_price}, {"price": unit_price},
        )
        product_by_sku(session, sku).unit_price = unit_price
    return Saved(sku, created=False)


@retrying
def add_customer(
    db: Database,
    code: str,
    name: str,
    *,
    address: str = "",
    tax_id: str = "",
    email: str = "",
    ship_complete: bool = False,
    payment_terms_days: int | None = None,
) -> Saved:
    code = _check_code(code, "Customer code")
    name = check_text(name, "Customer name")
    address = check_text(address, "Address", max_len=1000, required=False)
    if payment_terms_days is not None and not 0 <= payment_terms_days <= 3650:
        raise InvalidInput("Payment terms are between 0 and 3650 days.")
    with transaction(db) as (session, _):
        if session.execute(select(Customer.id).where(Customer.code == code)).first():
            raise Conflict(f"A customer with code {code!r} already exists.")
        session.add(
            Customer(
                code=code, name=name, address=address,
                tax_id=check_text(tax_id, "Tax id", max_len=40, required=False),
                email=check_text(email, "E-mail", required=False),
                ship_complete=ship_complete, payment_terms_days=payment_terms_days,
                created_at=now(),
            )
        )
        audit.record(
            session, None, "add_customer", code, None,
            {"name": name, "ship_complete": ship_complete},
        )
    return Saved(code, created=True)


@retrying
def set_customer_ship_complete(db: Database, code: str, ship_complete: bool) -> Saved:
    from app.services.common import customer_by_code

    with transaction(db) as (session, _):
        audit.record(
            session, None, "set_customer_ship_complete", code, None,
            {"ship_complete": ship_complete},
        )
        customer_by_code(session, code).ship_complete = ship_complete
    return Saved(code, created=False)


@retrying
def add_supplier(
    db: Database, code: str, name: str, *, address: str = "", email: str = ""
) -> Saved:
    code = _check_code(code, "Supplier code")
    name = check_text(name, "Supplier name")
    with transaction(db) as (session, _):
        if session.execute(select(Supplier.id).where(Supplier.code == code)).first():
            raise Conflict(f"A supplier with code {code!r} already exists.")
        session.add(
            Supplier(
                code=code, name=name,
                address=check_text(address, "Address", max_len=1000, required=False),
                email=check_text(email, "E-mail", required=False), created_at=now(),
            )
        )
        audit.record(session, None, "add_supplier", code, None, {"name": name})
    return Saved(code, created=True)


@retrying
def add_project(db: Database, name: str) -> Saved:
    with transaction(db) as (session, _):
        project_id_for(session, name)
        audit.record(session, None, "add_project", name.strip(), None, {"name": name.strip()})
    return Saved(name.strip(), created=True)


@retrying
def set_setting(db: Database, name: str, value: str) -> str:
    with transaction(db) as (session, _):
        audit.record(session, None, "set_setting", name, None, {"value": value})
        return shop_settings.set_value(session, name, value)


@retrying
def save_settings(db: Database, values: dict[str, str]) -> dict[str, str]:
    """Several settings in one transaction: all saved, or none (InvalidSettings names each
    refused value)."""
    with transaction(db) as (session, _):
        before = {name: shop_settings.get(session, name) for name in values}
        saved = shop_settings.set_many(session, values)
        changed = {name: text for name, text in saved.items() if before[name] != text}
        if changed:
            audit.record(session, None, "save_settings", "settings",
                         {name: before[name] for name in changed}, changed)
    return saved
