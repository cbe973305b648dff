"""Two processes on one SQLite file (two windows, or a script beside the GUI): BEGIN IMMEDIATE
serialises the writers, and every invariant holds afterwards."""

from __future__ import annotations

from db.session import Database
from tests.multiseat.workload import invariant_problems, run_workers, setup_shop, totals

WORKERS = 2
OPERATIONS = 60


def test_two_processes_on_one_file_never_oversell_or_serve_twice(db: Database) -> None:
    setup_shop(db)
    reports, seconds = run_workers(db.url, WORKERS, OPERATIONS, seed=7)
    failures = [f for r in reports for f in r.failures]
    assert not failures, "\n".join(failures)
    done = totals(reports)
    print(f"\nSQLite, {WORKERS} processes: {done} in {seconds:.1f} s, "
          f"{done['orders'] / seconds:.1f} orders/s")
    assert done["orders"] > WORKERS * OPERATIONS // 3
    assert invariant_problems(db) == []
    from app.queries.check import run_checks

    assert [c for c in run_checks(db) if not c.ok] == []
