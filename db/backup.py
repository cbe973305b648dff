"""Backups and restore of a SQLite shop: consistent copies, rotation, and a restore that checks
the candidate before it replaces anything.

Copies are made with SQLite's online backup API (never a file copy: a file copy of a live
database in WAL mode can miss committed transactions still in the -wal file). Backups live in
`<data folder>/backups`; automatic ones are rotated, manual ones are kept until deleted.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from db.errors import StorageError

KEEP_AUTOMATIC = 20
MANUAL = "manual"
SQLITE_HEADER = b"SQLite format 3\x00"

# Tables every ShopDesk shop has had since revision 0001: a file without them is not a shop.
CORE_TABLES = frozenset(
    {
        "setting", "doc_sequence", "customer", "supplier", "product", "sales_order",
        "sales_order_line", "purchase_order", "purchase_line", "receipt", "receipt_line",
        "delivery", "delivery_line", "allocation", "invoice", "invoice_line", "payment",
        "customer_return", "return_line", "credit_note", "credit_note_line", "stock_move",
        "cost_layer", "layer_consumption",
    }
)

_NAME = re.compile(r"^(?P<stem>.+?)-(?P<reason>[a-z0-9-]+?)-(?P<stamp>\d{8}-\d{6}-\d{6})\.sqlite$")


def backups_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "backups"


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def _open_existing(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Open without ever creating a file (sqlite3.connect would create an empty one).

    A closed WAL-mode file (no -wal beside it) is opened `immutable`: a read-only connection
    would otherwise leave fresh -wal and -shm files behind.
    """
    query = "mode=ro" if readonly else "mode=rw"
    if readonly and _closed_wal_file(Path(path)):
        query += "&immutable=1"
    try:
        return sqlite3.connect(f"{Path(path).resolve().as_uri()}?{query}", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(f"{path} cannot be opened ({exc}).") from exc


def _closed_wal_file(path: Path) -> bool:
    """WAL mode in the header (bytes 18-19 are 2) and no -wal file: nobody has it open."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(20)
    except OSError:
        return False
    return (
        header[:16] == SQLITE_HEADER
        and header[18:20] == b"\x02\x02"
        and not Path(str(path) + "-wal").exists()
    )


def backup(db_path: Path, dest_dir: Path | None = None, reason: str = MANUAL) -> Path:
    """A consistent copy of the shop, `<stem>-<reason>-<stamp>.sqlite` in `dest_dir`
    (default `<data folder>/backups`). Automatic backups (any reason but "manual") beyond the
    newest KEEP_AUTOMATIC of the same shop are deleted afterwards."""
    db_path = Path(db_path)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", reason):
        raise ValueError(f"backup reason {reason!r}: lowercase words joined by '-'")
    if not db_path.is_file():
        raise StorageError(f"There is no shop at {db_path} to back up.")
    folder = Path(dest_dir) if dest_dir is not None else backups_dir(db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"Cannot create the backup folder {folder}: {exc.strerror}.") from exc
    target = folder / f"{db_path.stem}-{reason}-{_stamp()}.sqlite"
    partial = target.with_name(target.name + ".partial")
    try:
        copy_database(db_path, partial)
        os.replace(partial, target)  # a backup file either is complete or does not exist
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StorageError(
            f"The backup to {folder} failed ({detail}); the shop is unchanged."
        ) from exc
    if reason != MANUAL:
        rotate(folder, db_path.stem)
    return target


def copy_database(source: Path, target: Path) -> None:
    """The online backup API, page by page, then an fsync of the copy."""
    src = _open_existing(source, readonly=True)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())


def list_backups(folder: Path, stem: str | None = None) -> list[tuple[Path, str, str]]:
    """(path, reason, stamp) of the backups in `folder` (of the shop `stem`), oldest first."""
    found = []
    if not Path(folder).is_dir():
        return []
    for path in Path(folder).iterdir():
        name = path.name
        if stem is not None:
            if not name.startswith(stem + "-"):
                continue
            name = "x-" + name[len(stem) + 1 :]  # the stem may contain dashes itself
        match = _NAME.match(name)
        if match:
            found.append((path, match["reason"], match["stamp"]))
    return sorted(found, key=lambda item: item[2])


def rotate(folder: Path, stem: str, keep: int = KEEP_AUTOMATIC) -> list[Path]:
    """Delete automatic backups of `stem` beyond the newest `keep`; manual ones stay."""
    automatic = [p for p, reason, _ in list_backups(folder, stem) if reason != MANUAL]
    doomed = automatic[:-keep] if keep > 0 else automatic
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


@dataclass(frozen=True)
class ShopFile:
    """What a read-only look at a file found."""

    revision: str | None
    tables: frozenset[str]


def inspect_file(path: Path, *, quick: bool = False, light: bool = False) -> ShopFile:
    """Look at a SQLite file without changing it; StorageError if it is not one or damaged.

    An empty file (0 bytes) is a new, empty database. `light` skips SQLite's page-by-page
    check (seconds on a shop with a million moves) and only checks the file's length against
    its header and reads its schema: what every start of the program can afford.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StorageError(f"{path} cannot be read ({exc.strerror}).") from exc
    if size == 0:
        return ShopFile(None, frozenset())
    if header != SQLITE_HEADER:
        raise StorageError(f"{path} is not a ShopDesk database (it is not an SQLite file).")
    try:
        if light:
            _check_length(path, size)
        conn = _open_existing(path, readonly=True)
        try:
            if light:
                problems = ["ok"]
            else:
                check = conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check")
                problems = [row[0] for row in check.fetchmany(5)]
            if problems != ["ok"]:
                raise StorageError(
                    f"{path} is damaged (SQLite's check says: {problems[0]}). Nothing was "
                    "changed; restore a backup."
                )
            tables = frozenset(
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            )
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StorageError(f"{path} is damaged or not a ShopDesk database ({exc}).") from exc
    return ShopFile(revision, tables)


def _check_length(path: Path, size: int) -> None:
    """A truncated file is shorter than the page count its header promises."""
    with open(path, "rb") as fh:
        header = fh.read(100)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if page_size and pages and size < page_size * pages:
        raise StorageError(
            f"{path} is damaged (the file is shorter than its own header says). Nothing was "
            "changed; restore a backup."
        )


def verify_shop(path: Path) -> ShopFile:
    """A complete, undamaged ShopDesk shop at a schema revision this program knows."""
    from db.migrate import known_revisions

    found = inspect_file(path)
    if found.revision is None:
        raise StorageError(f"{path} is not a ShopDesk database (it has no schema version).")
    if found.revision not in known_revisions():
        raise StorageError(
            f"{path} was saved by a newer ShopDesk (schema {found.revision}); "
            "install the newer version to use it."
        )
    missing = sorted(CORE_TABLES - found.tables)
    if missing:
        raise StorageError(
            f"{path} is not a complete ShopDesk database (missing {', '.join(missing[:5])})."
        )
    return found


def restore(backup_file: Path, db_path: Path) -> Path:
    """Put a backup in place of the shop at `db_path`, after checking the backup.

    The file it replaces is kept beside it as `<stem>-replaced-<stamp>.sqlite`; that path is
    returned (or `db_path` when there was no shop to replace). Close the shop first.
    """
    backup_file, db_path = Path(backup_file), Path(db_path)
    if not backup_file.is_file():
        raise StorageError(f"There is no backup file {backup_file}.")
    verify_shop(backup_file)
    from db.instance_lock import notice

    busy = notice(db_path)
    if busy:
        raise StorageError(f"Close ShopDesk everywhere before restoring: the shop is {busy}.")
    if not db_path.parent.is_dir():
        raise StorageError(f"The folder {db_path.parent} does not exist.")
    kept = db_path
    staged = db_path.with_name(f".{db_path.name}.restoring")
    try:
        copy_database(backup_file, staged)
        verify_shop(staged)
        if db_path.exists():
            kept = db_path.with_name(f"{db_path.stem}-replaced-{_stamp()}.sqlite")
            try:  # a consistent copy, with what the -wal file still holds
                copy_database(db_path, kept)
            except sqlite3.Error:  # damaged: keep its bytes as they are
                kept.write_bytes(db_path.read_bytes())
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(staged, db_path)
    except OSError as exc:
        raise StorageError(
            f"The restore into {db_path} failed ({exc.strerror}); the shop is unchanged."
        ) from exc
    finally:
        staged.unlink(missing_ok=True)
    return kept
