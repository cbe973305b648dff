"""Child process for the crash and concurrency tests: runs a batch of use cases on a shop
file and prints each committed document number (flushed) right after its commit.

    python -m tests.reliability._batch_child crash DB SEED
    python -m tests.reliability._batch_child sell DB SEED ORDERS
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from app import services
from app.errors import DatabaseBusy
from app.services import LineInput
from db.session import Database

SKUS = ("P1", "P2", "P3", "P4", "P5")


def say(*words: object) -> None:
    print(*words, flush=True)


def crash_batch(db: Database, rng: random.Random) -> None:
    """Orders that wait for stock, with a receipt after every ten that serves them
    (deliveries and invoices in the receipt's transaction): small and large transactions
    alternate, so a random kill lands in either. The batch must outlast the kill window
    (test_crash.KILL_WINDOW) however fast the services get (300 orders once took ~1 s, and
    716 use cases have been seen inside 1.6 s): 20,000 orders, never reached in practice."""
    for _ in range(2000):
        for _ in range(10):
            picked = rng.sample(SKUS, rng.randint(1, 2))
            lines = [LineInput(sku, rng.randint(1, 4)) for sku in picked]
            result = services.create_order(db, rng.choice(("C1", "C2")), lines)
            say("ORDER", result.number, *result.deliveries, *result.invoices)
        result = services.receive_stock(db, rng.choice(SKUS), rng.randint(10, 40), "2.50")
        say("RECEIPT", result.number, *result.deliveries, *result.invoices)


def sell_batch(db: Database, rng: random.Random, orders: int) -> None:
    for _ in range(orders):
        lines = [LineInput(sku, rng.randint(1, 3)) for sku in rng.sample(SKUS[:3], 2)]
        while True:
            try:
                result = services.create_order(db, "C1", lines)
                break
            except DatabaseBusy:
                say("BUSY")
                time.sleep(rng.random() / 20)
        say("ORDER", result.number, *result.deliveries, *result.invoices)
        time.sleep(rng.random() / 50)  # a clerk's pause: the other seat gets its turn


def main(argv: list[str]) -> None:
    mode, path, seed = argv[0], argv[1], int(argv[2])
    db = Database("sqlite:///" + path)
    rng = random.Random(seed)
    say("READY")
    if mode == "crash":
        crash_batch(db, rng)
    else:
        go = Path(path + ".go")  # both sellers start together
        while not go.exists():
            time.sleep(0.005)
        sell_batch(db, rng, int(argv[3]))
    db.dispose()
    say("DONE")


if __name__ == "__main__":
    main(sys.argv[1:])
