"""FIFO cost: frozen at delivery, restored on return; defective stock, disposals, adjustments."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.errors import Conflict


@pytest.fixture
def shop_a(shop):
    shop.product("A", price="10.00")
    shop.customer("ACME")
    shop.customer("BOLT")
    shop.supplier("TOOLCO")
    return shop


def test_fifo_cost_is_frozen_at_delivery(shop_a):
    shop = shop_a
    shop.receive("A", 2, cost="4.00")
    shop.receive("A", 3, cost="6.00")
    first = shop.order("ACME", A=4)  # 2 x 4.00 + 2 x 6.00, oldest layer first
    assert shop.delivery_costs(first, "A") == [D("20.00")]

    shop.receive("A", 10, cost="1.00")  # a later, cheaper receipt changes no past cost
    assert shop.delivery_costs(first, "A") == [D("20.00")]

    second = shop.order("BOLT", A=2)  # the last 6.00 unit, then a 1.00 unit
    assert shop.delivery_costs(second, "A") == [D("7.00")]
    assert shop.delivery_costs(first, "A") == [D("20.00")]


def test_sellable_return_comes_back_at_its_cost_and_serves_the_queue(shop_a):
    shop = shop_a
    shop.receive("A", 5, cost="4.00")
    first = shop.order("ACME", A=5)
    waiting = shop.order("BOLT", A=2)
    assert shop.pending(waiting, "A") == 2

    back = shop.give_back(first, "sellable", reason="no longer needed", A=2)

    assert back.cost == D("8.00") and back.credited == D("23.80")
    assert shop.delivered(waiting, "A") == 2 and shop.pending(waiting, "A") == 0
    assert shop.delivery_costs(waiting, "A") == [D("8.00")]  # the original 4.00, not a new cost
    assert shop.on_hand("A") == 0 and shop.defective("A") == 0
    assert (shop.delivered(first, "A"), shop.returned(first, "A")) == (5, 2)


def test_return_spanning_two_invoices_credits_the_newest_first(shop_a):
    shop = shop_a
    shop.receive("A", 2, cost="4.00")
    order = shop.order("ACME", A=5)
    shop.receive("A", 3, cost="6.00")
    back = shop.give_back(order, "sellable", A=4)
    # 3 units from the second invoice (at 6.00), 1 from the first (at 4.00): two credit notes
    assert back.cost == D("22.00")
    assert back.credit_notes == ["CN-2026-00001", "CN-2026-00002"]
    assert [n.net for n in shop.credit_notes(order)] == [D("10.00"), D("30.00")]
    assert [i.credited for i in shop.invoices(order)] == [D("11.90"), D("35.70")]
    assert shop.on_hand("A") == 4


def test_defective_return_is_never_available(shop_a):
    shop = shop_a
    shop.receive("A", 5, cost="4.00")
    first = shop.order("ACME", A=5)
    waiting = shop.order("BOLT", A=2)

    back = shop.give_back(first, "defective", A=2)

    assert back.served == []
    assert shop.defective("A") == 2 and shop.on_hand("A") == 0 and shop.available("A") == 0
    assert shop.pending(waiting, "A") == 2
    with pytest.raises(Conflict, match="only 0 units are free"):
        shop.adjust("A", -1)
    shop.receive("A", 2, cost="5.00")
    assert shop.delivered(waiting, "A") == 2 and shop.defective("A") == 2


def test_write_off_and_supplier_return_of_defective_goods(shop_a):
    shop = shop_a
    shop.receive("A", 3, cost="4.00")
    order = shop.order("ACME", A=3)
    shop.give_back(order, "defective", A=3)

    written_off = shop.dispose("A", 1, "write_off")
    assert (written_off.cost, written_off.recovered) == (D("4.00"), D("0"))
    assert shop.defective("A") == 2

    sent_back = shop.dispose("A", 2, "supplier_return", supplier="TOOLCO")
    assert (sent_back.cost, sent_back.recovered) == (D("8.00"), D("8.00"))
    assert shop.defective("A") == 0 and shop.on_hand("A") == 0

    before = shop.dump()
    with pytest.raises(Conflict, match="A: only 0 defective units are in stock."):
        shop.dispose("A", 1, "write_off")
    assert shop.dump() == before


def test_goods_found_broken_on_the_shelf_become_defective(shop_a):
    from app import services

    shop = shop_a
    shop.receive("A", 4, cost="4.00")
    result = services.mark_defective(shop.db, "A", 1, "dropped")
    assert result.cost == D("4.00")
    assert (shop.on_hand("A"), shop.defective("A")) == (3, 1)


def test_stock_count_adjustments(shop_a):
    shop = shop_a
    shop.receive("A", 2, cost="4.00")
    shop.receive("A", 2, cost="6.00")
    waiting = shop.order("ACME", A=6)  # takes the 4 on hand, 2 wait
    assert shop.pending(waiting, "A") == 2

    found = shop.adjust("A", +3, "found behind the shelf", cost="2.50")
    assert found.number == "ADJ-2026-00001"
    assert shop.delivered(waiting, "A") == 6 and shop.on_hand("A") == 1
    assert shop.delivery_costs(waiting, "A") == [D("20.00"), D("5.00")]

    lost = shop.adjust("A", -1, "lost")
    assert lost.on_hand == 0

    shop.adjust("A", +2)  # no cost given: the newest layer's cost (2.50)
    later = shop.order("BOLT", A=2)
    assert shop.delivery_costs(later, "A") == [D("5.00")]
