"""Numbers of several kinds in one statement on PostgreSQL: many seats issue a delivery and an
invoice number at the same moment, for a year that has no numbers yet; all stay gapless."""

from __future__ import annotations

from datetime import date

from app.services.common import next_numbers_each
from db.session import Database
from tests.pg.conftest import at_once


def test_deliveries_and_invoices_from_many_seats_at_once_stay_gapless(pg_db: Database) -> None:
    seats, each = 6, 5
    taken: list[list[str]] = []

    def seat() -> None:
        for _ in range(each):
            with pg_db.write() as session:
                taken.extend(next_numbers_each(session, ["delivery", "invoice"], 2,
                                               date(2032, 1, 5)))

    errors = at_once([seat] * seats)
    assert errors == []
    total = seats * each * 2
    assert sorted(n for kind in taken[0::2] for n in kind) == [
        f"DN-2032-{n:05d}" for n in range(1, total + 1)]
    assert sorted(n for kind in taken[1::2] for n in kind) == [
        f"INV-2032-{n:05d}" for n in range(1, total + 1)]
