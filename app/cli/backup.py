"""Backups: `shopdesk backup`, `shopdesk backups` (the list) and `shopdesk restore FILE`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli import add_command, emit, open_db, table
from db.errors import StorageError


def _shop_file(args: argparse.Namespace) -> Path:
    from db.session import Database, resolve_url

    database = Database(resolve_url(getattr(args, "db", None)))
    if database.path is None:
        raise StorageError(
            "Backups here are of a shop file; a PostgreSQL shop is backed up with pg_dump."
        )
    return database.path


def cmd_backup(args: argparse.Namespace) -> int:
    from db.backup import backup

    database = open_db(args)  # a shop that opens (and is current) is worth a backup
    path = database.path if database.path is not None else _shop_file(args)
    database.dispose()
    target = backup(path, Path(args.to) if args.to else None)
    emit(args, {"backup": str(target)}, f"Backup written to {target}.")
    return 0


def cmd_backups(args: argparse.Namespace) -> int:
    from db.backup import backups_dir, list_backups

    path = _shop_file(args)
    folder = Path(args.folder) if args.folder else backups_dir(path)
    rows = list_backups(folder, path.stem)
    emit(
        args,
        {
            "folder": str(folder),
            "backups": [
                {"file": str(p), "reason": reason, "stamp": stamp} for p, reason, stamp in rows
            ],
        },
        lambda: (
            table(["File", "Why", "When"], [(p.name, reason, stamp) for p, reason, stamp in rows])
            if rows
            else f"No backups in {folder}."
        ),
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from db.backup import restore

    path = _shop_file(args)
    kept = restore(Path(args.file), path)
    text = f"Restored {args.file} into {path}."
    if kept != path:
        text += f" The replaced shop was kept as {kept}."
    emit(args, {"restored": str(path), "kept": str(kept) if kept != path else None}, text)
    return 0


def register(sub: Any) -> None:
    p = add_command(sub, "backup", cmd_backup, help="write a consistent backup of the shop")
    p.add_argument(
        "--to",
        default=None,
        metavar="FOLDER",
        help="where to write it (default: the backups folder beside the shop)",
    )
    p = add_command(sub, "backups", cmd_backups, help="list the shop's backups")
    p.add_argument("--folder", default=None)
    p = add_command(
        sub,
        "restore",
        cmd_restore,
        help="put a backup in place of the shop (checked first; the old file is kept)",
    )
    p.add_argument("file")
