"""Who else has this shop open: `<db file>.lock.json` lists the running ShopDesk processes.

It is a notice, not a lock: SQLite itself keeps two writers apart. The GUI shows
"also open on HOST (pid N) since TIME" so that nobody restores a backup or copies the file
while a colleague is still working in it. Entries of processes that died without cleaning up
(same host, pid gone) are dropped when the file is next read.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    host: str
    pid: int
    started_at: str  # ISO 8601, local time


def lock_path(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock.json")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _read(path: Path) -> list[Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Entry(str(e["host"]), int(e["pid"]), str(e["started_at"])) for e in data]
    except (OSError, ValueError, KeyError, TypeError):  # missing or garbled: start afresh
        return []


def _write(path: Path, entries: list[Entry]) -> None:
    if not entries:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps([asdict(e) for e in entries], indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _live(entries: list[Entry]) -> list[Entry]:
    host = socket.gethostname()
    return [e for e in entries if e.host != host or pid_alive(e.pid)]


def others(db_path: Path) -> list[Entry]:
    """Live entries other than this process."""
    me = (socket.gethostname(), os.getpid())
    return [e for e in _live(_read(lock_path(db_path))) if (e.host, e.pid) != me]


def register(db_path: Path) -> Entry:
    """Add this process to the notice file (best effort: a read-only folder is no error)."""
    path = lock_path(db_path)
    mine = Entry(socket.gethostname(), os.getpid(), datetime.now().isoformat(timespec="seconds"))
    entries = [e for e in _live(_read(path)) if (e.host, e.pid) != (mine.host, mine.pid)]
    try:
        _write(path, [*entries, mine])
    except OSError:
        pass
    return mine


def unregister(db_path: Path) -> None:
    path = lock_path(db_path)
    me = (socket.gethostname(), os.getpid())
    try:
        _write(path, [e for e in _live(_read(path)) if (e.host, e.pid) != me])
    except OSError:
        pass


def notice(db_path: Path) -> str | None:
    """"also open on HOST (pid N) since TIME" for each other live process, or None."""
    found = others(db_path)
    if not found:
        return None
    return "; ".join(
        f"also open on {e.host} (pid {e.pid}) since {e.started_at.replace('T', ' ')}"
        for e in found
    )
