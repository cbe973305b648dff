"""Two processes selling the same products on one SQLite file at the same time."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app import services
from db.session import Database
from tests.reliability.shop_checks import check_shop

ROOT = Path(__file__).resolve().parents[2]
ORDERS_EACH = 40
STOCK = {"P1": 60, "P2": 45, "P3": 30}  # less than two sellers will ask for


def test_two_sellers_never_oversell_and_numbers_stay_gapless(stocked_template, tmp_path, capsys):
    path = tmp_path / "shop.sqlite"
    path.write_bytes(stocked_template.read_bytes())
    database = Database("sqlite:///" + str(path))
    for sku, qty in STOCK.items():
        services.receive_stock(database, sku, qty, "3.00")
    database.dispose()

    started = time.monotonic()
    sellers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.reliability._batch_child", "sell", str(path),
             str(seed), str(ORDERS_EACH)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for seed in (11, 22)
    ]
    for seller in sellers:
        assert seller.stdout is not None and seller.stdout.readline().strip() == "READY"
    Path(str(path) + ".go").touch()
    outputs = [seller.communicate(timeout=120) for seller in sellers]
    assert [s.returncode for s in sellers] == [0, 0], [err[-800:] for _, err in outputs]
    said = [[line.split() for line in out.splitlines() if line.startswith("ORDER")]
            for out, _ in outputs]
    busy = sum(out.count("BUSY") for out, _ in outputs)
    mine = [{words[1] for words in lines} for lines in said]
    assert [len(m) for m in mine] == [ORDERS_EACH, ORDERS_EACH]
    assert not mine[0] & mine[1]

    assert check_shop(path) == []
    conn = sqlite3.connect(path)
    try:
        numbers = [n for (n,) in conn.execute("SELECT number FROM sales_order ORDER BY number")]
        rows = conn.execute("""
            SELECT p.sku, p.on_hand,
                   (SELECT COALESCE(SUM(qty), 0) FROM receipt_line r WHERE r.product_id = p.id),
                   (SELECT COALESCE(SUM(qty), 0) FROM delivery_line d WHERE d.product_id = p.id)
            FROM product p WHERE p.sku IN ('P1', 'P2', 'P3')""").fetchall()
        pending = conn.execute("SELECT SUM(qty_pending) FROM sales_order_line").fetchone()[0]
    finally:
        conn.close()
    assert set(numbers) == mine[0] | mine[1]
    assert numbers == [f"SO-{n[3:7]}-{i:05d}" for i, n in enumerate(numbers, start=1)]
    for sku, on_hand, received, delivered in rows:
        assert on_hand >= 0 and delivered <= received and on_hand == received - delivered, sku
    owner = [0 if n in mine[0] else 1 for n in numbers]
    switches = sum(a != b for a, b in zip(owner, owner[1:], strict=False))
    assert switches >= 2  # the two really wrote at the same time
    sold_out = [sku for sku, on_hand, *_ in rows if on_hand == 0]
    assert sold_out and pending > 0  # the sellers really competed for too little stock
    with capsys.disabled():
        print(f"\nconcurrent sellers: {len(numbers)} orders ({ORDERS_EACH} each), "
              f"delivered {sum(r[3] for r in rows)} of {sum(r[2] for r in rows)} received, "
              f"{pending} units pending, {busy} busy retries, {switches} hand-overs, "
              f"{time.monotonic() - started:.1f} s")
