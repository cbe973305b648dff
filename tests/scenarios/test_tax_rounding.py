"""Golden figures for both tax rounding modes, computed by hand.

Three products at 0.03 net and 19 %: each line's tax is 0.0057 -> 0.01, so "line" rounding
gives 0.03; "document" rounding takes 19 % of 0.09 = 0.0171 -> 0.02. A 7 % product at 1.50
has tax 0.105 -> 0.11 (half-up, where banker's rounding would give 0.10).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest


@pytest.fixture
def cheap(shop):
    for sku in ("X", "Y", "Z"):
        shop.product(sku, price="0.03", tax="19")
    shop.product("BOOK", price="1.50", tax="7")
    shop.customer("ACME")
    for sku in ("X", "Y", "Z", "BOOK"):
        shop.receive(sku, 5, cost="0.01")
    return shop


@pytest.mark.parametrize(
    ("mode", "tax", "gross"),
    [("line", D("0.03"), D("0.12")), ("document", D("0.02"), D("0.11"))],
)
def test_three_small_lines(cheap, mode, tax, gross):
    cheap.setting("tax_rounding", mode)
    order = cheap.order("ACME", X=1, Y=1, Z=1)
    [invoice] = cheap.invoices(order)
    assert (invoice.net, invoice.tax, invoice.gross) == (D("0.09"), tax, gross)


@pytest.mark.parametrize(
    ("mode", "tax"),
    # line: 0.01 + 0.01 + 0.01 + 0.11; document: 0.02 (19 % of 0.09) + 0.11 (7 % of 1.50)
    [("line", D("0.14")), ("document", D("0.13"))],
)
def test_two_rates_are_rounded_per_rate(cheap, mode, tax):
    cheap.setting("tax_rounding", mode)
    order = cheap.order("ACME", X=1, Y=1, Z=1, BOOK=1)
    [invoice] = cheap.invoices(order)
    assert (invoice.net, invoice.tax, invoice.gross) == (D("1.59"), tax, D("1.59") + tax)


@pytest.mark.parametrize(
    ("mode", "tax"),
    # two lines back: line 0.01 + 0.01; document 19 % of 0.06 = 0.0114 -> 0.01
    [("line", D("0.02")), ("document", D("0.01"))],
)
def test_credit_notes_follow_the_same_rule(cheap, mode, tax):
    cheap.setting("tax_rounding", mode)
    order = cheap.order("ACME", X=1, Y=1, Z=1)
    cheap.give_back(order, "sellable", X=1, Y=1)
    [note] = cheap.credit_notes(order)
    assert (note.net, note.tax, note.gross) == (D("0.06"), tax, D("0.06") + tax)


def test_an_invoice_keeps_the_mode_it_was_issued_with(cheap):
    first = cheap.order("ACME", X=1, Y=1, Z=1)
    cheap.setting("tax_rounding", "document")
    second = cheap.order("ACME", X=1, Y=1, Z=1)
    assert cheap.invoices(first)[0].tax == D("0.03")
    assert cheap.invoices(second)[0].tax == D("0.02")
    # and `shopdesk check` judges each invoice by its own mode (the fixture runs it)


def test_discounted_line_is_rounded_half_up_once(shop):
    from app.services import LineInput

    shop.product("A", price="0.35", tax="19")
    shop.customer("ACME")
    shop.receive("A", 5)
    # 3 x 0.35 x 0.9 = 0.945 -> 0.95 net; tax 0.1805 -> 0.18
    order = shop.order("ACME", lines=[LineInput("A", 3, discount="10")])
    [invoice] = shop.invoices(order)
    assert (invoice.net, invoice.tax, invoice.gross) == (D("0.95"), D("0.18"), D("1.13"))
