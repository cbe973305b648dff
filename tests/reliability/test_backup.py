"""Backups, rotation, restore, and opening files that are not (healthy) shops."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from app import services
from db import backup as bk
from db.errors import StorageError
from db.migrate import ensure_current
from db.session import Database


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def customers(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [c for (c,) in conn.execute("SELECT code FROM customer ORDER BY code")]
    finally:
        conn.close()


def test_a_backup_holds_what_is_still_in_the_wal_file(db, db_path):
    services.add_customer(db, "WAL1", "Committed, not yet checkpointed")
    assert Path(str(db_path) + "-wal").stat().st_size > 0  # the connection is still open
    copy = bk.backup(db_path)
    assert copy.parent == db_path.parent / "backups"
    assert copy.name.startswith("shop-manual-")
    assert "WAL1" in customers(copy)
    assert bk.verify_shop(copy).revision is not None


def test_automatic_backups_rotate_and_manual_ones_stay(db_path, tmp_path):
    manual = [bk.backup(db_path, reason="manual") for _ in range(2)]
    for _ in range(bk.KEEP_AUTOMATIC + 3):
        bk.backup(db_path, reason="auto")
    left = bk.list_backups(db_path.parent / "backups", "shop")
    assert sum(1 for _, reason, _ in left if reason == "auto") == bk.KEEP_AUTOMATIC
    assert all(p.exists() for p in manual)
    assert not list((db_path.parent / "backups").glob("*.partial"))


def test_restore_puts_the_backup_back_and_keeps_the_replaced_file(db, db_path):
    services.add_customer(db, "OLD", "Before the backup")
    copy = bk.backup(db_path)
    services.add_customer(db, "NEW", "After the backup")
    db.dispose()
    kept = bk.restore(copy, db_path)
    assert kept.name.startswith("shop-replaced-") and kept.suffix == ".sqlite"
    assert customers(db_path) == ["OLD"]
    assert customers(kept) == ["NEW", "OLD"]
    reopened = Database("sqlite:///" + str(db_path))
    assert ensure_current(reopened) == "current"
    services.add_customer(reopened, "AFTER", "Works after the restore")
    reopened.dispose()


def _bad_files(folder: Path, template: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    files = {}
    files["random bytes"] = folder / "random.sqlite"
    files["random bytes"].write_bytes(os.urandom(8192))
    files["text"] = folder / "notes.sqlite"
    files["text"].write_text("Shopping list:\n- milk\n- bread\n" * 50, encoding="utf-8")
    files["other sqlite"] = folder / "other.sqlite"
    conn = sqlite3.connect(files["other sqlite"])
    conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("INSERT INTO recipes (title) VALUES ('soup')")
    conn.commit()
    conn.close()
    files["truncated shop"] = folder / "truncated.sqlite"
    data = template.read_bytes()
    files["truncated shop"].write_bytes(data[: len(data) * 2 // 3])
    files["shop with garbage pages"] = folder / "garbled.sqlite"
    garbled = bytearray(data)
    garbled[4096 * 3 : 4096 * 6] = os.urandom(4096 * 3)
    files["shop with garbage pages"].write_bytes(bytes(garbled))
    return files


@pytest.mark.parametrize(
    "kind", ["random bytes", "text", "other sqlite", "truncated shop", "shop with garbage pages"]
)
def test_opening_a_damaged_or_foreign_file_refuses_and_changes_nothing(kind, template_db, tmp_path):
    path = _bad_files(tmp_path / "files", template_db)[kind]
    before = digest(path)
    listing = sorted(os.listdir(path.parent))
    database = Database("sqlite:///" + str(path))
    with pytest.raises(StorageError) as refused:
        ensure_current(database)
    database.dispose()
    message = str(refused.value)
    assert str(path) in message and ("not a ShopDesk" in message or "damaged" in message)
    assert digest(path) == before
    assert sorted(os.listdir(path.parent)) == listing  # no -wal, -shm or backup left behind


@pytest.mark.parametrize(
    "kind", ["random bytes", "text", "other sqlite", "truncated shop", "shop with garbage pages"]
)
def test_restore_refuses_a_bad_candidate_and_leaves_the_shop_alone(kind, db_path, tmp_path,
                                                                     template_db):
    candidate = _bad_files(tmp_path / "files", template_db)[kind]
    before = digest(db_path)
    with pytest.raises(StorageError, match="not a ShopDesk|damaged|not a complete"):
        bk.restore(candidate, db_path)
    assert digest(db_path) == before
    assert not list(db_path.parent.glob("*-replaced-*"))


def test_restore_refuses_a_shop_from_a_newer_program(db_path, tmp_path):
    newer = tmp_path / "newer.sqlite"
    shutil.copyfile(db_path, newer)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    before = digest(db_path)
    with pytest.raises(StorageError, match="newer ShopDesk"):
        bk.restore(newer, db_path)
    assert digest(db_path) == before


def test_restore_refuses_while_another_process_has_the_shop_open(db_path, tmp_path):
    import json
    import socket
    import subprocess
    import sys

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock = db_path.with_name(db_path.name + ".lock.json")
        lock.write_text(json.dumps([{"host": socket.gethostname(), "pid": sleeper.pid,
                                     "started_at": "2026-11-29T09:00:00"}]))
        copy = bk.backup(db_path)
        with pytest.raises(StorageError, match=f"pid {sleeper.pid}"):
            bk.restore(copy, db_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert bk.restore(copy, db_path).name.startswith("shop-replaced-")  # stale entry now


def test_upgrade_backs_up_first_with_the_backup_function(tmp_path):
    from db.migrate import upgrade

    path = tmp_path / "old.sqlite"
    database = Database("sqlite:///" + str(path))
    upgrade(database, "0001")
    database.dispose()
    database = Database("sqlite:///" + str(path))
    assert ensure_current(database) == "upgraded"
    database.dispose()
    (copy, reason, _), = bk.list_backups(tmp_path / "backups", "old")
    assert reason == "before-upgrade"
    assert bk.verify_shop(copy).revision == "0001"
