"""`shopdesk import`: text in the user's locale, JSON for scripts; a bad file exits 2 and
changes nothing."""

from __future__ import annotations

import json

from app.cli import main
from tests.importing.conftest import dump, write_csv


def run(capsys, db_path, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", str(db_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_shows_rows_in_the_locale_and_writes_nothing(db, db_path, files, capsys,
                                                             monkeypatch):
    from app import formatting

    monkeypatch.setattr(formatting, "user_locale", lambda: "de_DE")
    path = write_csv(files / "p.csv", [["SKU", "Name", "Price", "Tax"],
                                       ["A-1", "Hammer", "1234.5", "7"]])
    before = dump(db)
    code, out, _ = run(capsys, db_path, "import", "products", str(path), "--dry-run")
    assert code == 0
    assert "p.csv: 1 new, 0 to update (1 rows)." in out
    assert "1.234,50\xa0€" in out and "  7%" in out
    assert dump(db) == before


def test_import_json_and_a_bad_file(db, db_path, files, capsys):
    good = write_csv(files / "p.csv", [["SKU", "Name", "Price"], ["A-1", "Hammer", "12.50"]])
    code, out, _ = run(capsys, db_path, "import", "products", str(good), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["imported"] is True and data["result"]["created"] == 1
    bad = write_csv(files / "bad.csv", [["SKU", "Name", "Price"], ["A-2", "Saw", "1,2,3"]])
    before = dump(db)
    code, out, err = run(capsys, db_path, "import", "products", str(bad), "--json")
    assert code == 2
    assert json.loads(out)["preview"]["problems"] == [
        {"row": 2, "column": "Price", "message": "Price must be a number, not '1,2,3'."}]
    assert "nothing can be imported" in err
    assert dump(db) == before
    code, out, err = run(capsys, db_path, "import", "products", str(bad))
    assert code == 2 and "2    Price   Price must be a number, not '1,2,3'." in out
