"""Money: the one rounding rule and strict parsing of what people type."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import InvalidInput
from app.money import (
    document_tax,
    line_net,
    line_tax,
    parse_money,
    parse_percent,
    parse_qty,
    round_money,
)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("0.005", "0.01"), ("0.015", "0.02"), ("0.025", "0.03"), ("0.105", "0.11"),
     ("0.0049", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01")],
)
def test_rounding_is_half_up_not_bankers(value, rounded):
    assert round_money(D(value)) == D(rounded)


def test_zero_decimal_currency():
    assert round_money(D("12.5"), minor_digits=0) == D("13")


def test_line_net_rounds_once_after_discount():
    assert line_net(3, D("0.35"), D("10")) == D("0.95")  # 0.945
    assert line_net(7, D("1.99"), D("33.33")) == D("9.29")  # 9.2857...


def test_line_tax():
    assert line_tax(D("1.50"), D("7")) == D("0.11")  # 0.105
    assert line_tax(D("0.03"), D("19")) == D("0.01")  # 0.0057


def test_document_tax_per_line_or_per_rate():
    lines = [(D("0.03"), D("19"))] * 3 + [(D("1.50"), D("7"))]
    assert document_tax(lines, "line") == D("0.14")
    assert document_tax(lines, "document") == D("0.13")
    assert document_tax([], "document") == D("0")


@pytest.mark.parametrize(
    ("text", "words"),
    [("NaN", "finite"), ("sNaN", "finite"), ("Infinity", "finite"), ("-inf", "finite"),
     ("-1", "cannot be negative"), ("1.001", "more than 2 decimals"),
     ("1000000000", "too large"), ("1e12", "too large"), ("abc", "must be a number"),
     ("", "must be a number"), (1.5, "must be a number"), (None, "must be a number")],
)
def test_parse_money_refuses(text, words):
    with pytest.raises(InvalidInput, match=words):
        parse_money(text)


def test_parse_money_accepts_and_normalises():
    assert parse_money(" 12.5 ") == D("12.50")
    assert parse_money("1 234.00") == D("1234.00")
    assert parse_money(7) == D("7.00")
    assert parse_money("999999999.99") == D("999999999.99")
    assert parse_money("1.10") == D("1.10")
    with pytest.raises(InvalidInput, match="more than zero"):
        parse_money("0", allow_zero=False)


@pytest.mark.parametrize(
    ("text", "words"),
    [("0", "more than zero"), ("-3", "more than zero"), ("1.5", "whole number"),
     ("NaN", "finite"), ("Infinity", "finite"), ("1000001", "too large"), ("x", "a number"),
     (True, "a number")],
)
def test_parse_qty_refuses(text, words):
    with pytest.raises(InvalidInput, match=words):
        parse_qty(text)


def test_parse_qty_accepts():
    assert parse_qty("5") == 5 and parse_qty("5.0") == 5 and parse_qty(1_000_000) == 1_000_000
    assert parse_qty("0", allow_zero=True) == 0


@pytest.mark.parametrize("text", ["-1", "100.01", "7.555", "NaN"])
def test_parse_percent_refuses(text):
    with pytest.raises(InvalidInput):
        parse_percent(text)


def test_parse_percent_accepts():
    assert parse_percent("19") == D("19.00") and parse_percent("100") == D("100.00")


@given(st.integers(0, 10_000), st.integers(0, 10**9), st.integers(0, 10_000))
def test_line_net_in_cents_is_line_net(qty: int, price_cents: int, discount_bp: int) -> None:
    from app.money import line_net_cents

    want = line_net(qty, D(price_cents).scaleb(-2), D(discount_bp).scaleb(-2))
    assert D(line_net_cents(qty, price_cents, discount_bp)).scaleb(-2) == want
