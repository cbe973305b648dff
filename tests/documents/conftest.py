"""A small shop with every kind of document: a backorder served in two deliveries, a
cancellation, a return with a credit note, a payment, and a customer whose name is markup."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from app import services
from app.services.common import set_clock
from db.session import Database
from tests.scenarios.shop import Shop

TRICKY = "<b>Smith & Sons</b> Ünïcødé 日本"
INJECTED = '<img src="/etc/passwd"/>'


@dataclass
class Docs:
    db: Database
    order: str
    first_invoice: str  # 4 of 10 A delivered, B in full
    second_invoice: str  # 3 more A
    credit_note: str
    first_delivery: str
    evil_invoice: str


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 10, 0)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, **delta: int) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[_Clock]:
    c = _Clock()
    set_clock(c)
    try:
        yield c
    finally:
        set_clock(None)


@pytest.fixture
def docs(db: Database, clock: _Clock) -> Docs:
    shop = Shop(db)
    services.set_setting(db, "shop_name", "Eisenwaren & Söhne")
    services.set_setting(db, "shop_address", "Hauptstraße 12\n10115 Berlin")
    services.set_setting(db, "shop_tax_id", "DE123456789")
    services.add_product(db, "A", "Hammer <large>", "12.50", "19")
    services.add_product(db, "B", "Nails & screws", "3.99", "7")
    services.add_product(db, "C", "Saw", "20.00", "19")
    services.add_customer(db, "SMITH", TRICKY, address="1 <High> St & Co\nLondon")
    services.add_customer(db, "EVIL", INJECTED, address="=cmd|' /C calc'!A0")
    shop.receive("A", 4, cost="5.00")
    shop.receive("B", 5, cost="1.00")
    clock.tick(minutes=1)
    order = shop.order("SMITH", A=10, B=3, C=2)  # A: 4 now; B: all; C: none yet
    clock.tick(days=1)
    shop.receive("A", 3, cost="6.00")  # 3 more A: second delivery
    clock.tick(days=1)
    shop.cancel(order, sku="C")  # C cancelled after both invoices
    clock.tick(days=1)
    shop.give_back(order, "defective", reason="broken", A=2)
    shop.receive("C", 1, cost="9.00")
    evil = shop.order("EVIL", C=1)
    invoices = shop.invoices(order)
    with db.read() as s:
        from sqlalchemy import select

        from db.models import Delivery, SalesOrder

        first_delivery = s.execute(
            select(Delivery.number).join(SalesOrder, SalesOrder.id == Delivery.order_id)
            .where(SalesOrder.number == order).order_by(Delivery.id)
        ).scalars().first()
    return Docs(db, order, invoices[0].number, invoices[1].number,
                shop.credit_notes(order)[0].number, first_delivery,
                shop.invoices(evil)[0].number)
