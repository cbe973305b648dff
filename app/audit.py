"""The audit log: who did what to which document, written in the same transaction as the change.

The CLI and the GUI say once who is working (`set_current_user`); every use case then calls
`record(...)` with the document number and the fields that changed. Rows are append-only
(database triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

import functools
import getpass
import json
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from app.bulk import Bulk
from db.models import AuditLog
from db.session import Database

_user: ContextVar[str | None] = ContextVar("shopdesk_user", default=None)
# Threads start with an empty context (the GUI's writer thread would see nothing), so the
# name set once for the process is the fallback.
_process_user: str | None = None


@functools.cache  # looked up once: every use case names its user
def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a service account, some containers)
        return "unknown"


def set_current_user(name: str | None) -> None:
    """Who works from now on, in this context and (as the default) in every thread."""
    global _process_user
    _process_user = name
    _user.set(name)


def current_user() -> str:
    """The name set by the CLI/GUI, else the operating system's login name."""
    return _user.get() or _process_user or _os_user()


_AS_IS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    # the usual exact types first (an ABC isinstance check costs more than the rest together)
    cls = value.__class__
    if cls in _AS_IS:
        return value
    if cls is Decimal:
        return str(value)
    if cls is list or cls is tuple:
        return [_plain(v) for v in value]
    if cls is dict:
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """{"before": .., "after": ..} keeping only the fields whose value changed."""
    old, new = _plain(dict(before or {})), _plain(dict(after or {}))
    if before is not None and after is not None:
        changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
        old = {k: v for k, v in old.items() if k in changed}
        new = {k: v for k, v in new.items() if k in changed}
    result: dict[str, Any] = {}
    if before is not None:
        result["before"] = old
    if after is not None:
        result["after"] = new
    return result


# Bulk: a Core execute of this one-row INSERT costs three times as much (see app.bulk)
_INSERT_AUDIT = Bulk(
    insert(AuditLog.__table__), ("at", "user_name", "action", "document", "detail")
)


def record(
    session: Session,
    user_name: str | None,
    action: str,
    document: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    """One audit row inside the caller's transaction (a rollback takes it back too).

    `user_name` None means the current user.
    """
    session.flush()  # nothing to do when nothing is pending (see app.services.common.conn)
    record_on(session.connection(), user_name, action, document, before, after)


def record_on(
    connection: Connection,
    user_name: str | None,
    action: str,
    document: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    """record() for a use case that runs on a connection without an ORM session."""
    from app.services.common import now

    _INSERT_AUDIT.run(connection, [(
        now(),
        (user_name or current_user())[:80],
        action,
        str(document)[:200],
        json.dumps(diff(before, after), ensure_ascii=False, sort_keys=True, default=str),
    )])


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    user_name: str
    action: str
    document: str
    detail: str


def entries(session: Session, *, document: str | None = None) -> list[Entry]:
    """The log, oldest first, as plain values (ORM objects expire with their session)."""
    stmt = select(AuditLog.id, AuditLog.at, AuditLog.user_name, AuditLog.action,
                  AuditLog.document, AuditLog.detail).order_by(AuditLog.id)
    if document is not None:
        stmt = stmt.where(AuditLog.document == document)
    return [Entry(*row) for row in session.execute(stmt).tuples()]


CSV_HEADER = ("id", "at", "user", "action", "document", "detail")


def export_csv(db: Database, path: Path) -> int:
    """Write the whole log to a CSV file; cells that a spreadsheet would read as a formula
    (=, +, -, @ ...) are neutralised by defusedcsv. Returns the number of rows."""
    from defusedcsv import csv

    count = 0
    with db.read() as session, open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        rows = session.execute(
            select(AuditLog.id, AuditLog.at, AuditLog.user_name, AuditLog.action,
                   AuditLog.document, AuditLog.detail).order_by(AuditLog.id)
        ).tuples()
        for row_id, at, user, action, document, detail in rows:
            writer.writerow((row_id, at.isoformat(sep=" "), user, action, document, detail))
            count += 1
    return count
