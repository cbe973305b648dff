"""Files made by the tests: CSV in several encodings and delimiters, xlsx through openpyxl."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from db.session import Database


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], formats: dict[int, str] | None = None,
               *, blank_rows_first: int = 0) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for _ in range(blank_rows_first):
        sheet.append([])
    for row in rows:
        sheet.append(list(row))
    for column, number_format in (formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2 + blank_rows_first, min_col=column,
                                       max_col=column):
            cell.number_format = number_format
    book.save(path)
    return path


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a refused file must leave this unchanged."""
    with db.read() as s:
        names = s.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )).scalars().all()
        return {n: sorted(map(tuple, s.execute(text(f'SELECT * FROM "{n}"')).all()), key=repr)
                for n in sorted(names)}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    return folder
