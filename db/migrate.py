"""Bring a shop database to the current schema: Alembic upgrade, after a backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect

from db.errors import StorageError
from db.session import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The newest revision this program ships. Opening a shop already at it costs no Alembic
# import (a quarter of a second at start-up); tests/reliability checks it equals the
# scripts' head, so a new migration cannot forget to move it.
SCHEMA_HEAD = "0007"


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.write_engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(source: Path, target: Path) -> Path:
    """A consistent copy of a live SQLite file (the online backup API, not a file copy)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def upgrade(database: Database, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config(database.url)
    with database.write_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


LIGHT_CHECK_ABOVE = 64 * 1024 * 1024


def _refuse_foreign_file(path: Path) -> str | None:
    """A read-only look first: a damaged file or another program's database is left as is."""
    from db.backup import inspect_file

    # A page-by-page check costs seconds on a large shop; past this size, a start-up only
    # checks the file's length and schema (backups and restores still check every page).
    large = path.stat().st_size > LIGHT_CHECK_ABOVE
    found = inspect_file(path, quick=True, light=large)
    if found.revision is None and found.tables - {"alembic_version"}:
        raise StorageError(f"{path} holds other data and is not a ShopDesk shop.")
    return found.revision


def upgrade_pending(database: Database) -> bool:
    """Whether opening this shop file will upgrade it (a backup, then Alembic: seconds on a
    large shop), so the program can say so first. False for a new, current or foreign file."""
    if database.path is None or not database.path.exists():
        return False
    try:
        revision = _refuse_foreign_file(database.path)
    except StorageError:
        return False  # ensure_current refuses it with the same sentence
    return revision is not None and revision != SCHEMA_HEAD and revision in known_revisions()


def ensure_current(database: Database, *, create: bool = True) -> str:
    """Open-time check: create a new shop, upgrade an older one (backup first), refuse others.

    Returns what happened: "created", "upgraded" or "current".
    """
    if database.path is not None and not database.path.exists():
        if not create:
            raise StorageError(f"There is no shop at {database.path}.")
        try:
            database.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Cannot create the folder {database.path.parent}: {exc.strerror}."
            ) from exc
    elif database.path is not None:
        # a read-only look before the engine's pragmas write to the file
        if _refuse_foreign_file(database.path) == SCHEMA_HEAD:
            return "current"
    try:
        current = current_revision(database)
        tables = set(inspect(database.write_engine).get_table_names())
    except Exception as exc:  # a damaged or non-SQLite file
        raise StorageError(
            f"{database.path or database.url} is not a ShopDesk database or is damaged ({exc})."
        ) from exc
    head = head_revision()
    if current is None:
        if tables - {"alembic_version"}:
            raise StorageError(
                f"{database.path or database.url} holds other data and is not a ShopDesk shop."
            )
        upgrade(database)
        return "created"
    if current == head:
        return "current"
    if current not in known_revisions():
        raise StorageError(
            "This shop was saved by a newer ShopDesk (schema "
            f"{current}); please install the newer version."
        )
    if database.path is not None:
        from db.backup import backup

        backup(database.path, reason="before-upgrade")
    upgrade(database)
    return "upgraded"
