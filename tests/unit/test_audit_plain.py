"""The audit log's JSON detail: every value turned into plain JSON the same way, whatever the
path (the common exact types take a shortcut)."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal

from app.audit import _plain, diff


class Colour(enum.StrEnum):
    RED = "red"


class Cents(Decimal):
    pass


def test_plain_values_keep_their_json_form() -> None:
    value = {
        "text": "Straße", "qty": 3, "ratio": 0.5, "yes": True, "none": None,
        "money": Decimal("12.30"), "sub": Cents("1.50"), "day": date(2026, 3, 2),
        "at": datetime(2026, 3, 2, 10, 0), "lines": [["A", 2], ("B", Decimal("1"))],
        "skus": {"B", "A"}, "frozen": frozenset({3, 1}), 7: OrderedDict(x=Decimal("0.10")),
        "colour": Colour.RED, "odd": object.__new__(type("Odd", (), {"__str__": lambda s: "odd"})),
    }
    assert _plain(value) == {
        "text": "Straße", "qty": 3, "ratio": 0.5, "yes": True, "none": None,
        "money": "12.30", "sub": "1.50", "day": "2026-03-02", "at": "2026-03-02T10:00:00",
        "lines": [["A", 2], ["B", "1"]], "skus": ["A", "B"], "frozen": [1, 3],
        "7": {"x": "0.10"}, "colour": "red", "odd": "odd",
    }
    json.dumps(_plain(value))  # nothing left that JSON cannot write


def test_diff_keeps_only_what_changed() -> None:
    before = {"paid": Decimal("0.00"), "note": "x"}
    after = {"paid": Decimal("5.00"), "note": "x"}
    assert diff(before, after) == {"before": {"paid": "0.00"}, "after": {"paid": "5.00"}}
    assert diff(None, after) == {"after": {"paid": "5.00", "note": "x"}}
