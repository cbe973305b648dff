"""Numbers of several kinds in one statement on PostgreSQL: many seats issue a delivery and an
invoice number at the same moment, for a year that has no numbers yet; all stay gapless."""

from __future__ import annotations

import threading
from datetime import date

from app.services.common import next_numbers_each
from db.session import Database


def test_deliveries_and_invoices_from_many_seats_at_once_stay_gapless(pg_db: Database) -> None:
    seats, each = 6, 5
    gate = threading.Barrier(seats)
    taken: list[list[str]] = []
    errors: list[BaseException] = []

    def seat() -> None:
        try:
            gate.wait()
            for _ in range(each):
                with pg_db.write() as session:
                    taken.extend(next_numbers_each(session, ["delivery", "invoice"], 2,
                                                   date(2032, 1, 5)))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=seat) for _ in range(seats)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = seats * each * 2
    assert sorted(n for kind in taken[0::2] for n in kind) == [
        f"DN-2032-{n:05d}" for n in range(1, total + 1)]
    assert sorted(n for kind in taken[1::2] for n in kind) == [
        f"INV-2032-{n:05d}" for n in range(1, total + 1)]
