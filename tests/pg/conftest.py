"""PostgreSQL fixtures: a fresh, migrated database per test module on the server named by
$SHOPDESK_TEST_PG_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres).

Without that variable every test here is skipped, with the reason in the report."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.migrate import ensure_current
from db.session import Database

PG_URL = os.environ.get("SHOPDESK_TEST_PG_URL", "")

SKIP_REASON = "SHOPDESK_TEST_PG_URL is not set (no PostgreSQL server to test against)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL:
        return
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def at_once(jobs: list[Callable[[], object]]) -> list[BaseException]:
    """Run each job on a thread of its own, all released together (seats clicking at the same
    moment); the exceptions they raised, none expected."""
    gate = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def seat(job: Callable[[], object]) -> None:
        try:
            gate.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=seat, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def create_database() -> str:
    """CREATE DATABASE shopdesk_test_<random>; returns its URL (not yet migrated)."""
    name = f"shopdesk_test_{secrets.token_hex(6)}"
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def pg_factory() -> Iterator[Callable[[], str]]:
    """Make more empty databases in a test module (all dropped at its end)."""
    if not PG_URL:
        pytest.skip(SKIP_REASON)
    made: list[str] = []

    def make() -> str:
        made.append(create_database())
        return made[-1]

    yield make
    for url in made:
        drop_database(url)


@pytest.fixture(scope="module")
def pg_url(pg_factory: Callable[[], str]) -> str:
    """A fresh database for this test module, migrated to head."""
    url = pg_factory()
    database = Database(url)
    try:
        assert ensure_current(database) == "created"
    finally:
        database.dispose()
    return url


@pytest.fixture(scope="module")
def pg_db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    yield database
    database.dispose()
