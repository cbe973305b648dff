"""Scenario fixtures: a fresh shop on a fixed day, checked whole after every story."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from app.services.common import set_clock
from db.session import Database
from tests.scenarios.shop import Shop

TODAY = date(2026, 3, 2)


@pytest.fixture
def shop(db: Database) -> Iterator[Shop]:
    set_clock(lambda: datetime(2026, 3, 2, 10, 0))
    try:
        yield Shop(db)
        # whatever a story did, the whole shop must still add up
        assert Shop(db).problems() == []
    finally:
        set_clock(None)
