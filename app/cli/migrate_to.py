"""`shopdesk migrate-to URL`: copy this shop into an empty PostgreSQL database (several seats)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli import add_command, emit, open_db, table


def cmd_migrate_to(args: argparse.Namespace) -> int:
    from app.migrate_to import migrate_to

    source = open_db(args)
    shown_tables: set[str] = set()

    def progress(name: str, rows: int) -> None:
        if not args.json and sys.stderr.isatty() and name not in shown_tables:
            shown_tables.add(name)
            print(f"  copying {name} ...", file=sys.stderr)

    try:
        report = migrate_to(source, args.url, progress=progress)
    finally:
        source.dispose()

    def text() -> str:
        rows = [(t.table, t.rows, t.checksum[:12]) for t in report.tables]
        return (
            table(("Table", "Rows", "Checksum"), rows, right=(1,))
            + f"\n\nCopied {report.rows:,} rows to {report.target} in {report.seconds} s; "
            "every table verified. Point each seat at it with --db or SHOPDESK_DB."
        )

    emit(args, report, text)
    return 0


def register(sub: Any) -> None:
    p = add_command(
        sub, "migrate-to", cmd_migrate_to,
        help="copy this shop into an empty PostgreSQL database (for several seats), verified",
    )
    p.add_argument("url", metavar="URL", help="postgresql+psycopg://user@host/database (empty)")
