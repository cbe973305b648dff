"""Every bad request is refused with a sentence the clerk can act on, and changes nothing."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest

from app import services
from app.errors import Conflict, InvalidInput, NotFound, ShopError
from app.services import LineInput, PurchaseLineInput
from app.services.common import set_clock
from db.session import Database
from tests.scenarios.shop import Shop


@pytest.fixture(scope="module")
def busy_file(template_db, tmp_path_factory):
    """A shop with a bit of everything: stock, a delivered order, a pending one, an invoice;
    built once, then copied for each refusal."""
    path = tmp_path_factory.mktemp("busy") / "busy.sqlite"
    shutil.copyfile(template_db, path)
    db = Database("sqlite:///" + str(path))
    set_clock(lambda: datetime(2026, 3, 2, 10, 0))
    try:
        _fill(Shop(db))
    finally:
        set_clock(None)
        db.dispose()
    return path


@pytest.fixture
def busy(busy_file, db_path, shop):
    shutil.copyfile(busy_file, db_path)  # the fresh `db` has not written yet: safe to swap
    return shop


def _fill(shop):
    shop.product("A", price="10.00")
    shop.product("B", price="5.00")
    shop.customer("ACME")
    shop.supplier("TOOLCO")
    shop.receive("A", 5, cost="4.00")
    shop.order("ACME", A=3)  # SO-2026-00001, delivered, INV-2026-00001
    shop.order("ACME", B=2)  # SO-2026-00002, pending
    shop.purchase("TOOLCO", B=(4, "2.00"))  # PO-2026-00001


DELIVERED, PENDING, INVOICE, PO = (
    "SO-2026-00001", "SO-2026-00002", "INV-2026-00001", "PO-2026-00001"
)

REFUSALS = {
    "unknown customer": (NotFound, "no customer with code 'NOPE'",
                         lambda db: services.create_order(db, "NOPE", [LineInput("A", 1)])),
    "unknown product": (NotFound, "no product with SKU 'ZZZ'",
                        lambda db: services.create_order(db, "ACME", [LineInput("ZZZ", 1)])),
    "zero quantity": (InvalidInput, "Quantity of A must be more than zero",
                      lambda db: services.create_order(db, "ACME", [LineInput("A", 0)])),
    "negative quantity": (InvalidInput, "must be more than zero",
                          lambda db: services.create_order(db, "ACME", [LineInput("A", -2)])),
    "fractional quantity": (InvalidInput, "must be a whole number",
                            lambda db: services.create_order(db, "ACME", [LineInput("A", "1.5")])),
    "quantity not a number": (
        InvalidInput, "must be a number",
        lambda db: services.create_order(db, "ACME", [LineInput("A", "abc")])),
    "price with three decimals": (
        InvalidInput, "more than 2 decimals",
        lambda db: services.create_order(db, "ACME", [LineInput("A", 1, price="1.005")])),
    "discount over 100": (
        InvalidInput, "between 0 and 100",
        lambda db: services.create_order(db, "ACME", [LineInput("A", 1, discount="101")])),
    "empty order": (InvalidInput, "at least one line",
                    lambda db: services.create_order(db, "ACME", [])),
    "promised before ordered": (
        InvalidInput, "before the order date",
        lambda db: services.create_order(
            db, "ACME", [LineInput("A", 1)], promised=date(2026, 3, 1))),
    "NaN cost": (InvalidInput, "finite", lambda db: services.receive_stock(db, "A", 1, "NaN")),
    "infinite quantity": (InvalidInput, "finite",
                          lambda db: services.receive_stock(db, "A", "Infinity", "1.00")),
    "negative cost": (InvalidInput, "cannot be negative",
                      lambda db: services.receive_stock(db, "A", 1, "-1.00")),
    "huge quantity": (InvalidInput, "too large",
                      lambda db: services.receive_stock(db, "A", 10**7, "1.00")),
    "over-return": (Conflict, f"Order {DELIVERED}, A: at most 3 can be returned.",
                    lambda db: services.create_return(db, DELIVERED, {"A": 4}, condition="sellable",
                                                      reason="faulty")),
    "return of what was never delivered": (
        Conflict, "at most 0 can be returned",
        lambda db: services.create_return(db, PENDING, {"B": 1}, condition="sellable",
                                          reason="faulty")),
    "return of a product not on the order": (
        InvalidInput, "has no line for B",
        lambda db: services.create_return(db, DELIVERED, {"B": 1}, condition="sellable",
                                          reason="faulty")),
    "unknown condition": (
        InvalidInput, "sellable or defective",
        lambda db: services.create_return(db, DELIVERED, {"A": 1}, condition="broken",
                                          reason="faulty")),
    "overpayment": (Conflict, "only 35.70 is open",
                    lambda db: services.record_payment(db, INVOICE, "35.71")),
    "zero payment": (InvalidInput, "must be more than zero",
                     lambda db: services.record_payment(db, INVOICE, "0")),
    "unknown invoice": (NotFound, "no invoice 'INV-2026-09999'",
                        lambda db: services.record_payment(db, "INV-2026-09999", "1.00")),
    "dispose more than defective": (
        Conflict, "only 0 defective units",
        lambda db: services.dispose_defective(db, "A", 1, "write_off")),
    "supplier return without supplier": (
        InvalidInput, "which supplier",
        lambda db: services.dispose_defective(db, "A", 1, "supplier_return")),
    "nothing pending to cancel": (
        Conflict, "nothing pending to cancel",
        lambda db: services.cancel_pending(db, DELIVERED, "changed mind")),
    "cancel without a reason": (InvalidInput, "Reason cannot be empty",
                                lambda db: services.cancel_pending(db, PENDING, "  ")),
    "deliver with nothing reserved": (Conflict, "no reserved goods",
                                      lambda db: services.deliver_order(db, PENDING)),
    "remove more than is free": (Conflict, "only 2 units are free",
                                 lambda db: services.adjust_stock(db, "A", -3, "count")),
    "zero adjustment": (InvalidInput, "cannot be zero",
                        lambda db: services.adjust_stock(db, "A", 0, "count")),
    "mark more defective than free": (Conflict, "only 2 units are free",
                                      lambda db: services.mark_defective(db, "A", 3, "dropped")),
    "duplicate product": (Conflict, "already exists",
                          lambda db: services.add_product(db, "A", "Again", "1.00")),
    "duplicate customer": (Conflict, "already exists",
                           lambda db: services.add_customer(db, "ACME", "Again")),
    "SKU with a space": (InvalidInput, "cannot contain spaces",
                         lambda db: services.add_product(db, "A 1", "Spaced", "1.00")),
    "unknown setting": (NotFound, "no setting 'colour'",
                        lambda db: services.set_setting(db, "colour", "blue")),
    "bad setting value": (InvalidInput, "Choose one of line, document",
                          lambda db: services.set_setting(db, "tax_rounding", "banker")),
    "receive more than ordered": (
        Conflict, "only 4 still to receive, not 5",
        lambda db: services.receive_purchase(db, PO, {"B": 5})),
    "purchase for an unknown order": (
        NotFound, "no sales order 'SO-2026-09999'",
        lambda db: services.create_purchase(db, "TOOLCO", [PurchaseLineInput("A", 1, "1.00")],
                                            for_order="SO-2026-09999")),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_refused_with_a_sentence_and_nothing_changes(busy, case):
    error, words, attempt = REFUSALS[case]
    before = busy.dump()

    with pytest.raises(ShopError) as refused:
        attempt(busy.db)

    assert type(refused.value) is error
    message = str(refused.value)
    assert words in message
    assert message[0].isupper() and message.endswith("."), message
    assert busy.dump() == before
