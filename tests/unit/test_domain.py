"""The pure rules: who gets stock, which cost layer goes first, what an order's status is."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal as D

import pytest

from app.domain.allocation import QueueLine, allocate_product
from app.domain.fifo import Layer, LayersExhausted, consume
from app.domain.states import order_status

A, B = 1, 2
DAY = date(2026, 3, 2)


def line(
    line_id: int, order_id: int, need: int, *, product: int = A, ship_complete: bool = False
) -> QueueLine:
    return QueueLine(line_id, order_id, f"SO-{order_id}", product, DAY, need, ship_complete)


def served(grants) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return {g.line_id: g.qty for g in grants}


# -- allocation ------------------------------------------------------------------------------


def test_the_queue_is_served_in_order_while_stock_lasts():
    available = {A: 6}
    grants = allocate_product(A, [line(1, 1, 5), line(2, 2, 5), line(3, 3, 5)], available)
    assert served(grants) == {1: 5, 2: 1}
    assert [g.position for g in grants] == [1, 2]
    assert available[A] == 0


def test_reading_the_queue_stops_when_stock_runs_out():
    def queue():  # type: ignore[no-untyped-def]
        yield line(1, 1, 2)
        yield line(2, 2, 2)  # looked at (the loop tests stock before each line), not served
        raise AssertionError("the rest of a long queue was read")

    assert served(allocate_product(A, queue(), {A: 2})) == {1: 2}


def test_ship_complete_order_is_skipped_and_blocks_nobody():
    whole = {10: [line(1, 10, 5, ship_complete=True),
                  line(2, 10, 2, product=B, ship_complete=True)]}
    available = defaultdict(int, {A: 6, B: 0})
    grants = allocate_product(
        A, [whole[10][0], line(3, 11, 4), line(4, 12, 4)], available, lambda q: whole[q.order_id]
    )
    assert served(grants) == {3: 4, 4: 2}
    assert [g.position for g in grants] == [2, 3]  # the skipped order kept place 1


def test_ship_complete_order_is_served_whole_when_everything_fits():
    whole = [line(1, 10, 5, ship_complete=True), line(2, 10, 2, product=B, ship_complete=True)]
    available = {A: 6, B: 2}
    served_orders: set[int] = set()
    grants = allocate_product(
        A, [whole[0], line(3, 11, 4)], available, lambda q: whole, served_orders
    )
    assert served(grants) == {1: 5, 2: 2, 3: 1}
    assert available == {A: 0, B: 0}
    assert served_orders == {10}
    # B's queue in the same pass must not serve the order a second time
    assert allocate_product(B, [whole[1]], {B: 5}, lambda q: whole, served_orders) == []


def test_ship_complete_without_a_loader_needs_only_its_own_line():
    grants = allocate_product(A, [line(1, 10, 3, ship_complete=True)], {A: 3})
    assert served(grants) == {1: 3}


def test_nothing_available_grants_nothing():
    assert allocate_product(A, [line(1, 1, 5)], {A: 0}) == []


# -- FIFO ------------------------------------------------------------------------------------


def test_oldest_layer_goes_first():
    layers = [Layer(1, 2, D("4.00")), Layer(2, 3, D("6.00"))]
    takes = consume(layers, 4)
    assert [(t.layer_id, t.qty, t.cost) for t in takes] == [(1, 2, D("8.00")), (2, 2, D("12.00"))]
    assert [lay.remaining for lay in layers] == [0, 1]


def test_empty_layers_are_passed_over():
    layers = [Layer(1, 0, D("4.00")), Layer(2, 3, D("6.00"))]
    assert [t.layer_id for t in consume(layers, 1)] == [2]


def test_back_to_back_goods_go_to_their_order_first_and_to_others_last():
    layers = [Layer(1, 2, D("1.00")), Layer(2, 2, D("7.00"), for_order_id=9),
              Layer(3, 2, D("5.00"), for_order_id=8)]
    assert [
        t.layer_id for t in consume([Layer(**vars(x)) for x in layers], 3, order_id=9)
    ] == [2, 1]
    # another order: free stock first, then others' back-to-back goods, own order's never first
    assert [
        t.layer_id for t in consume([Layer(**vars(x)) for x in layers], 5, order_id=7)
    ] == [1, 2, 3]
    assert [t.layer_id for t in consume([Layer(**vars(x)) for x in layers], 3)] == [1, 2]


def test_short_layers_are_a_broken_ledger():
    with pytest.raises(LayersExhausted, match="short by 2"):
        consume([Layer(1, 3, D("1.00"))], 5)


# -- order status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivered", "pending", "allocated", "status"),
    [
        (0, 5, 0, "pending"),
        (0, 5, 2, "pending"),
        (0, 5, 5, "open"),
        (3, 2, 0, "partial"),
        (3, 2, 2, "partial"),
        (5, 0, 0, "done"),
        (0, 0, 0, "cancelled"),
    ],
)
def test_order_status_comes_from_the_quantities(delivered, pending, allocated, status):
    assert order_status(delivered, pending, allocated) == status


@pytest.mark.parametrize(("remaining", "qty"), [(5, 1), (5, 5), (0, 1), (3, 5), (5, 0)])
def test_one_layer_is_taken_as_any_number_of_layers_would_be(remaining: int, qty: int) -> None:
    """consume's shortcut for a single layer: the same takes, remainders and refusals as the
    general path, which an empty layer in front of it forces."""
    def run(layers: list[Layer]) -> tuple[object, list[int]]:
        try:
            takes: object = consume(layers, qty, order_id=7)
        except LayersExhausted as exc:
            takes = str(exc)
        return takes, [lay.remaining for lay in layers if lay.id == 1]

    assert run([Layer(1, remaining, D("2.50"))]) == run(
        [Layer(0, 0, D("9.99")), Layer(1, remaining, D("2.50"))]
    )
