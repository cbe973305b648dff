"""`python -m tests.bench.median RUN.json RUN.json ...`: the median of several bench runs.

The targets are medians of several runs, and this machine's speed drifts by a third within
the hour, so one run proves little. This reads the JSON objects `make bench` printed and prints
one of the same shape in which every number is the median of the runs (and, with `--range`,
`[median, lowest, highest]`); texts and lists are taken from the first run. A figure missing
from some runs is the median of the runs that have it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def merge(values: list[Any], with_range: bool) -> Any:
    """The runs' values of one place in the JSON, merged."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    first = present[0]
    if isinstance(first, dict):
        keys = list(dict.fromkeys(k for v in present if isinstance(v, dict) for k in v))
        return {k: merge([v.get(k) for v in present if isinstance(v, dict)], with_range)
                for k in keys}
    numbers = [v for v in present if is_number(v)]
    if numbers and len(numbers) == len(present):
        middle = statistics.median(numbers)
        middle = round(middle, 4) if isinstance(middle, float) else middle
        return [middle, min(numbers), max(numbers)] if with_range else middle
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.median", description=__doc__)
    parser.add_argument("runs", nargs="+", type=Path, help="JSON files printed by make bench")
    parser.add_argument("--range", action="store_true",
                        help="each number as [median, lowest, highest]")
    args = parser.parse_args(argv)
    runs = []
    for path in args.runs:
        try:
            runs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            print(f"{path}: not a bench result ({exc})", file=sys.stderr)
            return 2
    out = merge(runs, args.range)
    out["runs"] = [str(path) for path in args.runs]
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
