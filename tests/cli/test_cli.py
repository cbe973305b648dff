"""The `shopdesk` command as a script sees it: the README's flow, JSON, exit codes, and a
refusal that changes nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def dump(path: Path) -> str:
    """Every row of every table (the file's bytes move when WAL pages are checkpointed)."""
    conn = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


@pytest.fixture
def shop(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = str(db_path)
    for argv in (
        ("product", "add", "A", "Widget", "--price", "10", "--tax", "19"),
        ("customer", "add", "ACME", "Acme Ltd"),
        ("supplier", "add", "SUP", "Widgets Wholesale"),
        ("stock", "receive", "A", "6", "--cost", "4.00"),
    ):
        assert run(capsys, "--db", db, *argv)[0] == 0
    return db_path


def test_the_readme_flow_serves_the_pending_line_when_the_purchase_arrives(shop, capsys):
    db = str(shop)
    code, out, _ = run(capsys, "order", "create", "ACME", "A=10", "--db", db, "--json")
    order = json.loads(out)
    assert code == 0 and order["number"].startswith("SO-") and order["number"].endswith("-00001")
    assert order["pending"] == {"A": 4} and order["served"][0]["qty"] == 6
    assert run(capsys, "--db", db, "purchase", "create", "SUP", "A=10@5.00")[0] == 0
    code, out, _ = run(capsys, "--db", db, "--json", "pending")
    assert [(r["order"], r["qty_pending"], r["position"]) for r in json.loads(out)["pending"]] == [
        (order["number"], 4, 1)
    ]
    purchase = "PO-" + order["number"][3:7] + "-00001"
    code, out, _ = run(capsys, "--db", db, "--json", "purchase", "receive", purchase)
    receipt = json.loads(out)
    assert code == 0 and receipt["served"][0]["qty"] == 4 and receipt["on_hand"] == {"A": 6}
    code, out, _ = run(capsys, "--db", db, "--json", "order", "show", order["number"])
    detail = json.loads(out)
    line = detail["lines"][0]
    assert (line["delivered"], line["pending"], line["invoiced"]) == (10, 0, 10)
    assert {a["trigger"] for a in detail["allocations"]} == {"order", "receipt"}
    assert detail["profit"]["profit"] == "56.00"  # 100.00 revenue - (6 × 4.00 + 4 × 5.00) cost
    code, out, _ = run(capsys, "--db", db, "check")
    assert code == 0 and "All checks passed." in out


def test_a_refusal_is_one_sentence_exits_non_zero_and_changes_nothing(shop, capsys):
    before = dump(shop)
    code, out, err = run(capsys, "--db", str(shop), "order", "create", "ACME", "A=-3")
    assert code == 2 and out == ""
    assert err.strip() == "shopdesk: Quantity of A must be more than zero, not -3."
    code, _, err = run(
        capsys,
        "--db",
        str(shop),
        "return",
        "create",
        "SO-2026-09999",
        "A=1",
        "--condition",
        "sellable",
        "--reason",
        "x",
    )
    assert code == 3 and "no sales order" in err
    code, _, err = run(capsys, "--db", str(shop), "order", "create", "ACME")
    assert code == 2 and err.startswith("shopdesk: ")
    assert dump(shop) == before


def test_db_and_json_may_stand_after_the_command_words(shop, capsys):
    code, out, _ = run(capsys, "stock", "show", "A", "--json", "--db", str(shop))
    assert code == 0
    assert json.loads(out)["products"][0]["on_hand"] == 6


def test_commands_refuse_to_create_a_shop_silently(tmp_path, capsys):
    code, _, err = run(capsys, "--db", str(tmp_path / "none.sqlite"), "stock", "show")
    assert code != 0 and "There is no shop" in err
    assert not (tmp_path / "none.sqlite").exists()


def test_backup_list_and_restore_keep_the_replaced_shop(shop, capsys, tmp_path):
    db = str(shop)
    code, out, _ = run(capsys, "--db", db, "--json", "backup", "--to", str(tmp_path / "bk"))
    backup_file = Path(json.loads(out)["backup"])
    assert code == 0 and backup_file.is_file()
    run(capsys, "--db", db, "order", "create", "ACME", "A=1")
    code, out, _ = run(capsys, "--db", db, "--json", "restore", str(backup_file))
    assert code == 0 and json.loads(out)["kept"]
    code, out, _ = run(capsys, "--db", db, "--json", "order", "list")
    assert json.loads(out)["orders"] == []  # the order made after the backup is gone


def test_users_and_the_audit_trail(shop, capsys, tmp_path):
    db = str(shop)
    assert (
        run(capsys, "--db", db, "user", "add", "anna", "--role", "owner", "--pin", "4711")[0] == 0
    )
    code, out, _ = run(capsys, "--db", db, "--json", "audit", "--limit", "0")
    actions = [e["action"] for e in json.loads(out)["entries"]]
    assert actions[:4] == ["add_product", "add_customer", "add_supplier", "receive_stock"]
    assert actions[-1] == "add_user"
    code, out, _ = run(capsys, "--db", db, "audit", "-o", str(tmp_path / "audit.csv"))
    assert code == 0 and (tmp_path / "audit.csv").read_text(encoding="utf-8").startswith(
        "id,at,user"
    )


def test_an_older_shop_is_upgraded_with_a_word_on_stderr_and_clean_json(tmp_path, capsys):
    """A shop saved by an older version: the command says on stderr that it updates the file
    (seconds on a large shop), keeps stdout's JSON clean, and says it only once."""
    from db.migrate import SCHEMA_HEAD, current_revision, upgrade
    from db.session import Database

    path = tmp_path / "old.sqlite"
    old = Database("sqlite:///" + str(path))
    upgrade(old, "0004")
    old.dispose()
    code, out, err = run(capsys, "--db", str(path), "--json", "customer", "list")
    assert code == 0 and json.loads(out) == {"customers": []}
    assert "updating the shop's file" in err
    database = Database("sqlite:///" + str(path))
    assert current_revision(database) == SCHEMA_HEAD
    database.dispose()
    code, out, err = run(capsys, "--db", str(path), "--json", "customer", "list")
    assert code == 0 and err == ""
