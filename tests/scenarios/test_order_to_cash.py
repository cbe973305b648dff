"""From order to cash: stock serves orders at once, arriving goods serve the rest."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.errors import Conflict, InvalidInput


@pytest.fixture
def acme(shop):
    shop.product("A", price="10.00", tax="19")
    shop.customer("ACME")
    return shop


def test_the_worked_example(acme):
    shop = acme
    shop.receive("A", 6, cost="4.00")

    order = shop.order("ACME", A=10)
    assert (
        shop.delivered(order, "A"), shop.invoiced(order, "A"), shop.pending(order, "A")
    ) == (6, 6, 4)
    assert shop.on_hand("A") == 0
    assert shop.status(order) == "partial"
    [first] = shop.invoices(order)
    assert (first.number, first.net, first.tax, first.gross) == (
        "INV-2026-00001", D("60.00"), D("11.40"), D("71.40"))

    received = shop.receive("A", 10, cost="5.00")
    assert received.invoices == ["INV-2026-00002"]
    assert (
        shop.delivered(order, "A"), shop.invoiced(order, "A"), shop.pending(order, "A")
    ) == (10, 10, 0)
    assert shop.on_hand("A") == 6 and shop.available("A") == 6
    assert shop.status(order) == "done"
    assert shop.delivery_costs(order, "A") == [D("24.00"), D("20.00")]
    second = shop.invoice("INV-2026-00002")
    assert (second.net, second.tax, second.gross) == (D("40.00"), D("7.60"), D("47.60"))

    back = shop.give_back(order, "defective", A=2)
    # the newest invoice is corrected, at the cost the units left with (the 5.00 layer)
    assert back.credit_notes == ["CN-2026-00001"] and back.cost == D("10.00")
    [note] = shop.credit_notes(order)
    assert (note.net, note.tax, note.gross) == (D("20.00"), D("3.80"), D("23.80"))
    assert shop.invoice("INV-2026-00002").credited == D("23.80")
    assert shop.returned(order, "A") == 2
    assert shop.defective("A") == 2
    assert shop.on_hand("A") == 6 and shop.available("A") == 6  # defective is never for sale


def test_a_line_is_served_in_parts_as_goods_arrive(acme):
    shop = acme
    order = shop.order("ACME", A=10)
    assert shop.status(order) == "pending" and shop.invoices(order) == []

    shop.receive("A", 3)
    assert (shop.delivered(order, "A"), shop.pending(order, "A")) == (3, 7)
    shop.receive("A", 4)
    assert (shop.delivered(order, "A"), shop.pending(order, "A")) == (7, 3)
    shop.receive("A", 5)
    assert (shop.delivered(order, "A"), shop.pending(order, "A")) == (10, 0)
    assert shop.on_hand("A") == 2
    assert [shop.invoiced_qty(i.number, "A") for i in shop.invoices(order)] == [3, 4, 3]
    assert [i.net for i in shop.invoices(order)] == [D("30.00"), D("40.00"), D("30.00")]


def test_payments_partial_then_full_and_never_more(acme):
    shop = acme
    shop.receive("A", 6)
    order = shop.order("ACME", A=6)
    [invoice] = shop.invoices(order)
    assert invoice.gross == D("71.40")

    result = shop.pay(invoice.number, "30.00")
    assert (result.paid, result.open) == (D("30.00"), D("41.40"))

    before = shop.dump()
    with pytest.raises(Conflict, match=r"only 41\.40 is open; 41\.41 is too much\."):
        shop.pay(invoice.number, "41.41")
    with pytest.raises(InvalidInput, match="more than 2 decimals"):
        shop.pay(invoice.number, "1.005")
    assert shop.dump() == before

    result = shop.pay(invoice.number, "41.40")
    assert (result.paid, result.open) == (D("71.40"), D("0.00"))
    assert shop.invoice(invoice.number).paid == D("71.40")
    with pytest.raises(Conflict, match="already settled"):
        shop.pay(invoice.number, "0.01")


def test_a_credited_invoice_only_takes_what_is_still_open(acme):
    shop = acme
    shop.receive("A", 5)
    order = shop.order("ACME", A=5)
    [invoice] = shop.invoices(order)
    shop.give_back(order, "sellable", A=1)  # credits 11.90 of 59.50
    with pytest.raises(Conflict, match=r"only 47\.60 is open"):
        shop.pay(invoice.number, "59.50")
    assert shop.pay(invoice.number, "47.60").open == D("0.00")


def test_document_numbers_are_gapless_per_kind_and_year(acme):
    shop = acme
    shop.product("B")
    shop.receive("A", 2)
    first = shop.order("ACME", A=1, B=1)  # A served at once, B waits
    second = shop.order("ACME", A=1)  # the last A

    with pytest.raises(InvalidInput):  # a refusal takes no number
        shop.order("ACME", A=0)
    third = shop.order("ACME", A=1)  # waits
    shop.receive("B", 1)  # first's B: its second invoice
    shop.receive("A", 1)  # third's A
    assert (first, second, third) == ("SO-2026-00001", "SO-2026-00002", "SO-2026-00003")
    assert [i.number for i in shop.invoices(first)] == ["INV-2026-00001", "INV-2026-00003"]
    assert [i.number for i in shop.invoices(second)] == ["INV-2026-00002"]
    assert [i.number for i in shop.invoices(third)] == ["INV-2026-00004"]
    # receipts count separately: GR-2026-00001..00003, and the check agrees with the sequences
    assert shop.receive("A", 1).number == "GR-2026-00004"


def test_an_order_dated_last_year_is_numbered_in_last_years_series(acme):
    from datetime import date

    shop = acme
    old = shop.order("ACME", on=date(2025, 12, 30), A=1)
    new = shop.order("ACME", A=1)
    assert (old, new) == ("SO-2025-00001", "SO-2026-00001")
