"""Four seats on one PostgreSQL shop at the same moment: orders, receipts, cancellations,
payments and returns on the same five products; afterwards every invariant holds."""

from __future__ import annotations

from collections.abc import Callable

from db.migrate import ensure_current
from db.session import Database
from tests.multiseat.workload import invariant_problems, run_workers, setup_shop, totals

WORKERS = 4
OPERATIONS = 60


def test_four_processes_never_oversell_or_serve_twice(pg_factory: Callable[[], str]) -> None:
    url = pg_factory()
    db = Database(url)
    try:
        ensure_current(db)
        setup_shop(db)
        reports, seconds = run_workers(url, WORKERS, OPERATIONS, seed=11)
        failures = [f for r in reports for f in r.failures]
        assert not failures, "\n".join(failures)
        done = totals(reports)
        print(f"\nPostgreSQL, {WORKERS} processes: {done} in {seconds:.1f} s, "
              f"{done['orders'] / seconds:.1f} orders/s, "
              f"refusals {[r.refusals for r in reports]}")
        assert done["orders"] > WORKERS * OPERATIONS // 3
        assert invariant_problems(db) == []
        from app.queries.check import run_checks

        bad = [c for c in run_checks(db) if not c.ok]
        assert bad == []
    finally:
        db.dispose()
