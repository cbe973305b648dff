"""data_version: the GUI's cheap poll notices another seat's commit, on PostgreSQL."""

from __future__ import annotations

from app import services
from app.queries.changes import data_version
from db.session import Database


def test_another_seats_commit_changes_the_version(pg_url: str) -> None:
    mine, theirs = Database(pg_url), Database(pg_url)
    try:
        with mine.read() as s:
            before = data_version(s)
        with mine.read() as s:
            assert data_version(s) == before  # nothing happened: same tuple
        services.add_product(theirs, "NEW", "Something new", "2.00")
        with mine.read() as s:
            after_product = data_version(s)
        assert after_product != before
        services.receive_stock(theirs, "NEW", 3, "1.00")
        with mine.read() as s:
            assert data_version(s) != after_product
    finally:
        mine.dispose()
        theirs.dispose()
