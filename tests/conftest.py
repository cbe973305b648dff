"""Shared fixtures: every test starts from a migrated template database, copied (fast, real)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from db.migrate import ensure_current  # noqa: E402
from db.session import Database  # noqa: E402


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    database = Database("sqlite:///" + str(path))
    ensure_current(database)
    database.dispose()
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = Database("sqlite:///" + str(db_path))
    yield database
    database.dispose()


# PySide6 can crash while the interpreter tears itself down ("bool_dealloc: deallocating
# True or False"), after every test has passed and reported. Leave the process without
# that teardown, keeping pytest's exit status.
_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status[:] = [int(exitstatus)]


@atexit.register
def _leave_without_teardown() -> None:
    if _exit_status and "PySide6.QtCore" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[0])
