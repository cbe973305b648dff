"""FIFO cost layers: the oldest goods leave first, so past profit never changes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple


@dataclass
class Layer:
    id: int
    remaining: int
    unit_cost: Decimal
    for_order_id: int | None = None


class Take(NamedTuple):  # a named tuple: built once per delivered line, fast
    layer_id: int
    qty: int
    unit_cost: Decimal

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.qty


class LayersExhausted(Exception):
    """The counters say there is stock but the layers do not: a broken ledger, a bug."""


def consume(layers: list[Layer], qty: int, order_id: int | None = None) -> list[Take]:
    """Take `qty` units from `layers` (in age order) and lower their `remaining`.

    Goods bought for this order (back-to-back) go first, then unreserved layers oldest first,
    then goods bought for other orders, so a back-to-back purchase is not eaten by others.
    """

    if len(layers) == 1 and 0 < qty <= layers[0].remaining:
        # one open layer (a product's usual state) covers it: nothing to rank or sort
        # (a big receipt's 10,588 takes: ~38 -> ~16 ms)
        layer = layers[0]
        layer.remaining -= qty
        return [Take(layer.id, qty, layer.unit_cost)]

    def rank(layer: Layer) -> int:
        if order_id is not None and layer.for_order_id == order_id:
            return 0
        return 1 if layer.for_order_id is None else 2

    takes: list[Take] = []
    left = qty
    for layer in sorted((lay for lay in layers if lay.remaining > 0), key=rank):
        if left == 0:
            break
        take = min(layer.remaining, left)
        layer.remaining -= take
        left -= take
        takes.append(Take(layer.id, take, layer.unit_cost))
    if left:
        raise LayersExhausted(f"cost layers are short by {left} units")
    return takes
