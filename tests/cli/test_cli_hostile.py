"""The hostile-input catalogue through the CLI door: each bad command gets one sentence on
stderr, a non-zero exit code, and the shop's data is exactly as before."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from app.cli import main

LONG = "x" * 10_000

# (argv after --db, expected exit code, a word the sentence must contain)
BAD = [
    (["order", "create", "ACME", "A=0"], 2, "more than zero"),
    (["order", "create", "ACME", "A=-1"], 2, "more than zero"),
    (["order", "create", "ACME", "A=abc"], 2, "number"),
    (["order", "create", "ACME", "A=1.5"], 2, "whole number"),
    (["order", "create", "ACME", "A=NaN"], 2, "finite"),
    (["order", "create", "ACME", "A=Infinity"], 2, "finite"),
    (["order", "create", "ACME", "A=1e400"], 2, "too large"),
    (["order", "create", "ACME", "A=2000000"], 2, "too large"),
    (["order", "create", "ACME", "A=1@-5"], 2, "negative"),
    (["order", "create", "ACME", "A=1@9.999"], 2, "decimals"),
    (["order", "create", "ACME", "A=1@1e12"], 2, "too large"),
    (["order", "create", "ACME", "A=1%150"], 2, "between 0 and 100"),
    (["order", "create", "ACME", "NOPE=1"], 3, "NOPE"),
    (["order", "create", "NOBODY", "A=1"], 3, "NOBODY"),
    (["order", "create", "ACME", "A=1", "--promised", "2026-13-45"], 2, "YYYY-MM-DD"),
    (["order", "create", "ACME", "A=1", "--promised", "1999-01-01"], 2, "range"),
    (["order", "create", "ACME", "A"], 2, "SKU=QTY"),
    (["order", "create", "ACME", "=5"], 2, "SKU"),
    (["order", "create", "ACME", "A=1", "--note", LONG], 2, "too long"),
    (["order", "show", "SO-2026-99999"], 3, "no sales order"),
    (["order", "cancel-pending", "SO-2026-00001", "--reason", "x"], 4, "nothing"),
    (["order", "cancel-pending", "SO-2026-00001", "--reason", ""], 2, "empty"),
    (["return", "create", "SO-2026-00001", "A=99", "--condition", "sellable",
      "--reason", "x"], 4, "at most"),
    (["return", "create", "SO-2026-00001", "Z=1", "--condition", "sellable",
      "--reason", "x"], 2, "no line"),
    (["invoice", "pay", "INV-2026-00001", "1000000"], 4, "too much"),
    (["invoice", "pay", "INV-2026-00001", "0"], 2, "more than zero"),
    (["invoice", "pay", "INV-2026-00001", "-3"], 2, "negative"),
    (["invoice", "pay", "INV-2026-09999", "1"], 3, "no invoice"),
    (["stock", "receive", "A", "5", "--cost", "abc"], 2, "number"),
    (["stock", "receive", "A", "-5", "--cost", "1"], 2, "more than zero"),
    (["stock", "adjust", "A", "-500", "--reason", "count"], 4, "free"),
    (["stock", "adjust", "A", "0", "--reason", "count"], 2, "zero"),
    (["defective", "write-off", "A", "3"], 4, "defective"),
    (["product", "add", "A", "Again", "--price", "1"], 4, "already exists"),
    (["product", "add", "B C", "Space", "--price", "1"], 2, "spaces"),
    (["product", "add", "E", "Bad barcode", "--price", "1", "--ean", "4006381333932"], 2, "EAN"),
    (["product", "add", "L", LONG, "--price", "1"], 2, "too long"),
    (["customer", "add", "ACME", "Twice"], 4, "already exists"),
    (["purchase", "receive", "PO-2026-09999"], 3, "no purchase order"),
    (["links", "XYZ-1"], 3, "not a document number"),
    (["settings", "set", "currency", "XXX"], 2, "currency"),
    (["settings", "set", "nonsense", "1"], 3, "no setting"),
]

# accepted, and stored exactly as typed
ODD_BUT_VALID = [
    "=HYPERLINK(\"http://x\",\"y\")",
    "'; DROP TABLE customer; --",
    "+1-2",
    "Ünïcødé 日本語 Ελληνικά",
    "<img src=\"/etc/passwd\"/> & Sons",
]


def dump(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    import shutil

    path = tmp_path_factory.mktemp("hostile") / "shop.sqlite"
    shutil.copyfile(template_db, path)
    for argv in (
        ["product", "add", "A", "Widget", "--price", "10", "--tax", "19"],
        ["customer", "add", "ACME", "Acme Ltd"],
        ["stock", "receive", "A", "6", "--cost", "4.00"],
        ["order", "create", "ACME", "A=6"],
    ):
        assert main(["--db", str(path), *argv]) == 0
    return path


@pytest.mark.parametrize(("argv", "code", "word"), BAD, ids=[" ".join(a)[:50] for a, _, _ in BAD])
def test_bad_input_is_refused_with_a_sentence_and_changes_nothing(shop, capsys, argv, code, word):
    before = dump(shop)
    assert main(["--db", str(shop), *argv]) == code
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("shopdesk: ") and err.count("\n") == 1, err
    assert word.lower() in err.lower(), err
    assert "Traceback" not in err
    assert dump(shop) == before


@pytest.mark.parametrize("name", ODD_BUT_VALID)
def test_odd_names_are_stored_exactly_as_typed(shop, capsys, name):
    code = f"ODD{ODD_BUT_VALID.index(name)}"
    assert main(["--db", str(shop), "customer", "add", code, name]) == 0
    capsys.readouterr()
    conn = sqlite3.connect(shop)
    try:
        stored = conn.execute("SELECT name FROM customer WHERE code = ?", (code,)).fetchone()[0]
    finally:
        conn.close()
    assert stored == name
