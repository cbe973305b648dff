"""The bench's median of several runs (tests/bench/median.py)."""

from __future__ import annotations

import json

from tests.bench.median import main, merge


def test_every_number_is_the_median_of_the_runs_that_have_it() -> None:
    runs = [
        {"when": "a", "sizes": {"1000": {"rate": 300.0, "n": 5, "ok": True}}, "demo": None},
        {"when": "b", "sizes": {"1000": {"rate": 500.0, "n": 7, "ok": False}},
         "demo": {"seconds": 50.0}},
        {"when": "c", "sizes": {"1000": {"rate": 400.0, "n": 6}}, "demo": {"seconds": 60.0}},
    ]
    out = merge(runs, with_range=False)
    assert out["when"] == "a"  # texts: the first run's
    assert out["sizes"]["1000"]["rate"] == 400.0
    assert out["sizes"]["1000"]["n"] == 6
    assert out["sizes"]["1000"]["ok"] is True  # not a number: the first run's
    assert out["demo"] == {"seconds": 55.0}  # two runs have it


def test_range_gives_median_lowest_highest() -> None:
    out = merge([{"x": 3}, {"x": 1}, {"x": 2}], with_range=True)
    assert out == {"x": [2, 1, 3]}


def test_command_line_reads_files(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    paths = []
    for i, rate in enumerate((1.0, 3.0, 2.0)):
        path = tmp_path / f"run{i}.json"
        path.write_text(json.dumps({"order_flow": {"orders_per_s": rate}}))
        paths.append(str(path))
    assert main(paths) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["order_flow"]["orders_per_s"] == 2.0
    assert printed["runs"] == paths


def test_a_file_that_is_not_a_result_is_refused(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    assert main([str(bad)]) == 2
    assert "not a bench result" in capsys.readouterr().err
