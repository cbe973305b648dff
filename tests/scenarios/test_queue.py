"""Who gets arriving goods: fair queue, ship-complete, back-to-back, reserve-only, cancelling."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest


@pytest.fixture
def shop_a(shop):
    shop.product("A", price="10.00")
    shop.product("B", price="20.00")
    for code in ("ACME", "BOLT", "CRAFT", "DELTA"):
        shop.customer(code)
    shop.customer("SLOW", ship_complete=True)
    shop.supplier("TOOLCO")
    return shop


def test_earliest_due_date_first_then_order_number(shop_a):
    shop = shop_a
    ordered_first_promised_late = shop.order(
        "ACME", on=date(2026, 2, 20), promised=date(2026, 3, 10), A=3
    )
    due_feb_25 = shop.order("BOLT", on=date(2026, 2, 25), A=3)
    due_mar_1 = shop.order("CRAFT", on=date(2026, 3, 1), A=3)
    also_feb_25 = shop.order("DELTA", on=date(2026, 2, 25), A=3)  # same day, higher number

    shop.receive("A", 7)

    assert shop.delivered(due_feb_25, "A") == 3
    assert shop.delivered(also_feb_25, "A") == 3
    assert (shop.delivered(due_mar_1, "A"), shop.pending(due_mar_1, "A")) == (1, 2)
    assert shop.delivered(ordered_first_promised_late, "A") == 0
    assert shop.on_hand("A") == 0


def test_the_arriving_stock_serves_the_oldest_order_first(shop_a):
    shop = shop_a
    first, second = shop.order("ACME", A=5), shop.order("BOLT", A=5)
    shop.receive("A", 6)
    assert shop.delivered(first, "A") == 5 and shop.pending(second, "A") == 4


def test_ship_complete_order_is_skipped_but_keeps_its_place(shop_a):
    shop = shop_a
    slow = shop.order("SLOW", on=date(2026, 2, 1), A=5, B=2)
    later = shop.order("ACME", on=date(2026, 2, 2), A=3)
    third = shop.order("BOLT", on=date(2026, 2, 3), A=5)

    shop.receive("A", 6)  # no B yet: SLOW cannot be served whole and blocks nobody
    assert shop.delivered(slow, "A") == 0 and shop.pending(slow, "A") == 5
    assert shop.delivered(later, "A") == 3
    assert (shop.delivered(third, "A"), shop.pending(third, "A")) == (3, 2)

    shop.receive("B", 2)  # B alone is not enough either
    assert shop.delivered(slow, "B") == 0 and shop.on_hand("B") == 2

    shop.receive("A", 7)  # now SLOW fits whole, and it is still ahead of the third order
    assert (shop.delivered(slow, "A"), shop.delivered(slow, "B")) == (5, 2)
    assert (shop.delivered(third, "A"), shop.pending(third, "A")) == (5, 0)
    [invoice] = shop.invoices(slow)  # served whole: one delivery, one invoice
    assert (
        shop.invoiced_qty(invoice.number, "A"), shop.invoiced_qty(invoice.number, "B")
    ) == (5, 2)
    assert invoice.net == D("90.00")
    assert shop.on_hand("A") == 0 and shop.on_hand("B") == 0


def test_ship_complete_order_with_stock_is_served_whole_at_once(shop_a):
    shop = shop_a
    shop.receive("A", 5)
    shop.receive("B", 1)
    slow = shop.order("SLOW", A=5, B=2)
    assert shop.delivered(slow, "A") == 0 and shop.on_hand("A") == 5
    shop.receive("B", 1)
    assert (shop.delivered(slow, "A"), shop.delivered(slow, "B")) == (5, 2)
    assert len(shop.invoices(slow)) == 1 and shop.status(slow) == "done"


def test_back_to_back_purchase_serves_its_order_first_at_its_cost(shop_a):
    shop = shop_a
    earlier = shop.order("ACME", on=date(2026, 2, 1), A=5)
    for_bolt = shop.order("BOLT", on=date(2026, 2, 5), A=4)
    po = shop.purchase("TOOLCO", for_order=for_bolt, A=(6, "3.00"))

    shop.receive_purchase(po, A=6)

    assert (shop.delivered(for_bolt, "A"), shop.pending(for_bolt, "A")) == (4, 0)
    assert shop.delivery_costs(for_bolt, "A") == [D("12.00")]
    # what the purchase brought beyond BOLT's need goes to the queue as usual
    assert (shop.delivered(earlier, "A"), shop.pending(earlier, "A")) == (2, 3)
    assert shop.delivery_costs(earlier, "A") == [D("6.00")]


def test_back_to_back_goods_are_taken_before_older_cheaper_stock(shop_a):
    shop = shop_a
    for_bolt = shop.order("BOLT", A=6)  # nothing in stock: all 6 wait
    po = shop.purchase("TOOLCO", for_order=for_bolt, A=(3, "7.00"))
    shop.receive("A", 2, cost="1.00")  # general stock: serves 2 of BOLT's line at 1.00
    assert shop.delivery_costs(for_bolt, "A") == [D("2.00")]
    shop.receive_purchase(po, A=1)  # partial receipt of the purchase
    shop.receive_purchase(po)  # the rest
    assert shop.delivery_costs(for_bolt, "A") == [D("2.00"), D("7.00"), D("14.00")]
    assert shop.pending(for_bolt, "A") == 1


def test_reserve_only_mode_reserves_until_the_clerk_delivers(shop_a):
    shop = shop_a
    shop.setting("fulfilment_mode", "reserve")
    shop.receive("A", 3)
    order = shop.order("ACME", A=5)
    assert (
        shop.reserved(order, "A"), shop.delivered(order, "A"), shop.pending(order, "A")
    ) == (3, 0, 5)
    assert shop.allocated("A") == 3 and shop.on_hand("A") == 3 and shop.available("A") == 0
    assert shop.invoices(order) == [] and shop.status(order) == "pending"

    result = shop.deliver(order)
    assert result.invoices == ["INV-2026-00001"]
    assert (
        shop.reserved(order, "A"), shop.delivered(order, "A"), shop.pending(order, "A")
    ) == (0, 3, 2)
    assert shop.on_hand("A") == 0 and shop.allocated("A") == 0
    assert shop.invoices(order)[0].net == D("30.00") and shop.status(order) == "partial"

    shop.receive("A", 2)
    assert shop.reserved(order, "A") == 2 and shop.delivered(order, "A") == 3
    shop.deliver(order)
    assert shop.status(order) == "done" and shop.invoiced(order, "A") == 5


def test_an_order_fully_reserved_is_open(shop_a):
    shop = shop_a
    shop.setting("fulfilment_mode", "reserve")
    shop.receive("A", 5)
    order = shop.order("ACME", A=5)
    assert shop.status(order) == "open"


def test_cancelling_releases_reserved_goods_to_the_next_line(shop_a):
    shop = shop_a
    shop.setting("fulfilment_mode", "reserve")
    shop.receive("A", 3)
    first = shop.order("ACME", A=5)
    second = shop.order("BOLT", A=2)
    assert shop.reserved(first, "A") == 3 and shop.reserved(second, "A") == 0

    result = shop.cancel(first, reason="customer went elsewhere")

    assert result.cancelled == {"A": 5} and result.status == "cancelled"
    assert (shop.cancelled(first, "A"), shop.pending(first, "A")) == (5, 0)
    assert shop.cancel_reason(first, "A") == "customer went elsewhere"
    assert shop.reserved(second, "A") == 2
    assert shop.allocated("A") == 2 and shop.available("A") == 1


def test_cancelling_the_rest_of_a_partly_delivered_order_makes_it_done(shop_a):
    shop = shop_a
    shop.receive("A", 2)
    order = shop.order("ACME", A=5, B=1)
    shop.cancel(order, reason="no longer needed", sku="A")
    assert (shop.delivered(order, "A"), shop.cancelled(order, "A")) == (2, 3)
    assert shop.status(order) == "partial"  # B still waits
    shop.cancel(order, reason="no longer needed")
    assert shop.status(order) == "done"
    shop.receive("A", 4)
    assert shop.on_hand("A") == 4  # cancelled quantities are not served any more
