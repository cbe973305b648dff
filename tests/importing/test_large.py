"""10,000 rows import in a few seconds: set-based writes, not one service call per row."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.importing import apply, preview
from app.queries.check import run_checks
from db.models import CostLayer, Product, ReceiptLine, StockMove
from tests.importing.conftest import write_csv, write_xlsx

N = 10_000
BUDGET_SECONDS = 10.0  # preview + apply; measured about 1-2 s on a laptop


def _rows(price: str) -> list[list[str]]:
    return [["Artikelnummer", "Bezeichnung", "Preis", "MwSt"]] + [
        [f"P{n:05d}", f"Produkt {n} – Größe {n % 7}", f"{n // 100}.{n % 100:02d}" if n < 1000
         else f"{n // 100}{price}{n % 100:02d}", "19" if n % 3 else "7"]
        for n in range(N)
    ]


@pytest.mark.slow
def test_ten_thousand_products_from_csv_then_again_as_updates(db, files, record_property):
    path = write_csv(files / "big.csv", _rows(","), delimiter=";", encoding="cp1252")
    started = time.perf_counter()
    plan = preview(db, "products", path)
    previewed = time.perf_counter()
    result = apply(db, plan)
    finished = time.perf_counter()
    assert plan.problems == [] and result.created == N
    record_property("preview_s", round(previewed - started, 2))
    record_property("apply_s", round(finished - previewed, 2))
    print(f"\n10,000 new products: preview {previewed - started:.2f} s, "
          f"apply {finished - previewed:.2f} s")
    assert finished - started < BUDGET_SECONDS
    with db.read() as s:
        assert s.scalar(select(func.count(Product.id))) == N
        assert s.scalar(select(Product.unit_price).where(Product.sku == "P01234")) == Decimal("12.34")

    started = time.perf_counter()
    again = apply(db, preview(db, "products", path))
    took = time.perf_counter() - started
    print(f"10,000 updated products: {took:.2f} s")
    assert (again.created, again.updated) == (0, N) and took < BUDGET_SECONDS
    with db.read() as s:
        assert s.scalar(select(func.count(Product.id))) == N


@pytest.mark.slow
def test_ten_thousand_stock_rows_from_xlsx(db, files):
    apply(db, preview(db, "products", write_csv(files / "p.csv", _rows(","), delimiter=";")))
    rows = [["SKU", "Qty", "Unit cost"]] + [[f"P{n:05d}", n % 50 + 1, (n % 900) / 100 + 0.5]
                                           for n in range(N)]
    path = write_xlsx(files / "stock.xlsx", rows)
    started = time.perf_counter()
    plan = preview(db, "stock", path)
    previewed = time.perf_counter()
    result = apply(db, plan)
    finished = time.perf_counter()
    print(f"\n10,000 stock rows (xlsx): preview {previewed - started:.2f} s, "
          f"apply {finished - previewed:.2f} s")
    assert plan.problems == [] and finished - started < BUDGET_SECONDS
    units = sum(n % 50 + 1 for n in range(N))
    assert result.received_units == units
    with db.read() as s:
        assert s.scalar(select(func.count(ReceiptLine.id))) == N
        assert s.scalar(select(func.count(CostLayer.id))) == N
        assert s.scalar(select(func.count(StockMove.id))) == N
        assert s.scalar(select(func.sum(Product.on_hand))) == units
    assert [r.name for r in run_checks(db) if not r.ok] == []
