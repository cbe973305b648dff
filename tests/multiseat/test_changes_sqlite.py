"""data_version on SQLite: a commit through another Database object (another window) shows."""

from __future__ import annotations

from app import services
from app.queries.changes import data_version
from db.session import Database


def test_another_windows_commit_changes_the_version(db: Database) -> None:
    other = Database(db.url)
    try:
        with db.read() as s:
            before = data_version(s)
        with db.read() as s:
            assert data_version(s) == before
        services.set_setting(other, "shop_name", "Corner Shop")
        with db.read() as s:
            after_setting = data_version(s)
        assert after_setting != before
        services.add_customer(other, "ACME", "Acme Ltd")
        with db.read() as s:
            assert data_version(s) != after_setting
    finally:
        other.dispose()
