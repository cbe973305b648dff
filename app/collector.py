"""Python's cyclic garbage collector held for one bulk pass (a report, a receipt's pass).

Making 100,000 rows, tuples and Decimals triggers collections that walk the young objects
every few hundred allocations and now and then the whole heap: measured, half of a
100,000-order report and a third of a 10,000-line receipt. Such a pass makes no reference
cycles that must go at once, reference counting still frees everything else, and the
collector runs again as soon as the pass ends, error or not. It is process-wide: while a
pass runs, other threads collect no cycles either.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold the collector for the `with` block (also usable as a decorator); if something
    else had already paused it, leave it paused."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
