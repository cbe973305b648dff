"""Probes run in a child process so each has its own peak memory: the profit workbook, a batch
of invoice PDFs, and the GUI on the large shop. A probe whose code does not exist yet reports
null with the reason. `python -m tests.bench.probes KIND DB OUTDIR` prints one JSON object."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PDF_BATCH = 500


def _child(kind: str, db: Path, folder: Path, timeout: float = 300) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "tests.bench.probes", kind, str(db), str(folder)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BENCH_T0=repr(time.time()))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=Path(__file__).resolve().parents[2])
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return {"value": None, "reason": f"timed out after {timeout} s"}
    wall = time.perf_counter() - started
    try:
        result = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"value": None, "reason": "probe failed: " + err.decode()[-400:]}
    result.setdefault("process_wall_s", round(wall, 2))
    return result


def excel(db: Path, folder: Path) -> dict[str, Any]:
    return _child("excel", db, folder)


def pdf(db: Path, folder: Path) -> dict[str, Any]:
    return _child("pdf", db, folder)


def gui(db: Path, folder: Path) -> dict[str, Any]:
    return _child("gui", db, folder)


def _peak_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _find(modules: list[str], want: list[str]) -> Any:
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr, fn in vars(module).items():
            if callable(fn) and not attr.startswith("_") and all(w in attr.lower() for w in want):
                if getattr(fn, "__module__", name) == module.__name__:
                    return fn
    return None


def _call(fn: Any, **offer: Any) -> Any:
    """Call fn with the offered values its parameters name (db/session, path, by...)."""
    kwargs = {}
    for name, param in inspect.signature(fn).parameters.items():
        for key, value in offer.items():
            if name == key or name in value[0]:
                kwargs[name] = value[1]
                break
        else:
            if param.default is inspect.Parameter.empty and param.kind not in (
                param.VAR_POSITIONAL, param.VAR_KEYWORD
            ):
                raise TypeError(f"do not know what to pass as {name!r} to {fn.__qualname__}")
    return fn(**kwargs)


def _excel(db_path: Path, folder: Path) -> dict[str, Any]:
    fn = _find(["app.documents.excel", "app.documents.xlsx", "app.documents.spreadsheet",
                "app.documents.workbook", "app.documents"], ["profit"])
    if fn is None:
        return {"seconds": None, "peak_mb": None, "reason": "no profit workbook writer in app/documents yet"}
    from db.session import Database

    db = Database("sqlite:///" + str(db_path))
    target = folder / "profit.xlsx"
    t = time.perf_counter()
    params = inspect.signature(fn).parameters
    if "session" in params:
        with db.read() as session:
            _call(fn, session=(("session",), session), path=(("path", "target", "out", "dest", "filename"), target),
                  by=(("by", "dimension"), "order"))
    else:
        _call(fn, db=(("db", "database"), db), path=(("path", "target", "out", "dest", "filename"), target),
              by=(("by", "dimension"), "order"))
    dt = time.perf_counter() - t
    return {"function": f"{fn.__module__}.{fn.__qualname__}", "seconds": round(dt, 2),
            "peak_mb": _peak_mb(), "file_mb": round(target.stat().st_size / 1e6, 1)
            if target.exists() else None}


def _pdf(db_path: Path, folder: Path) -> dict[str, Any]:
    try:
        module = importlib.import_module("app.documents.pdf")
    except ImportError:
        return {"per_s": None, "reason": "app/documents/pdf.py does not exist yet"}
    fn = _find(["app.documents.pdf"], ["invoice"])
    if fn is None:
        return {"per_s": None, "reason": f"no invoice writer in {module.__name__}"}
    from sqlalchemy import select

    from db.models import Invoice
    from db.session import Database

    db = Database("sqlite:///" + str(db_path))
    with db.read() as session:
        numbers = list(session.scalars(select(Invoice.number).order_by(Invoice.id.desc())
                                       .limit(PDF_BATCH)))
    out = folder / "pdf"
    out.mkdir(exist_ok=True)
    params = inspect.signature(fn).parameters
    t = time.perf_counter()
    for number in numbers:
        target = out / f"{number}.pdf"
        offer = {"path": (("path", "target", "out", "dest", "filename"), target),
                 "number": (("number", "invoice", "invoice_number"), number)}
        if "session" in params:
            with db.read() as session:
                _call(fn, session=(("session",), session), **offer)
        else:
            _call(fn, db=(("db", "database"), db), **offer)
    dt = time.perf_counter() - t
    return {"function": f"{fn.__module__}.{fn.__qualname__}", "invoices": len(numbers),
            "seconds": round(dt, 2), "per_s": round(len(numbers) / dt, 1), "peak_mb": _peak_mb()}


def _gui(db_path: Path, folder: Path) -> dict[str, Any]:
    """Start the main window on the shop, as `shopdesk gui --db X` would, and time it from
    the moment the parent started this process."""
    started = time.perf_counter()
    try:
        main_window = importlib.import_module("ui.main_window")
    except ImportError:
        return {"shown_s": None, "filter_s": None, "peak_mb": None,
                "reason": "ui/main_window.py does not exist yet"}
    factory = None
    for name in ("MainWindow", "ShopWindow"):
        factory = getattr(main_window, name, None)
        if factory:
            break
    if factory is None:
        return {"shown_s": None, "reason": "no MainWindow class in ui.main_window"}
    from PySide6.QtWidgets import QApplication, QLineEdit

    from db.session import Database

    app = QApplication.instance() or QApplication([])
    db = Database("sqlite:///" + str(db_path))
    try:
        window = factory(db)
    except TypeError:
        window = factory(db=db)
    window.show()
    app.processEvents()
    shown = time.time() - float(os.environ.get("BENCH_T0", time.time() - (time.perf_counter() - started)))
    result: dict[str, Any] = {"shown_s": round(shown, 3), "filter_s": None}
    # the Orders list's filter: the first line edit of the orders tab, if found
    edits = [w for w in window.findChildren(QLineEdit)
             if "order" in (w.objectName() + w.placeholderText()).lower()]
    if edits:
        t = time.perf_counter()
        edits[0].setText("Customer 17")
        for signal in ("returnPressed", "editingFinished"):
            getattr(edits[0], signal).emit()
        app.processEvents()
        result["filter_s"] = round(time.perf_counter() - t, 3)
        result["filter_widget"] = edits[0].objectName() or edits[0].placeholderText()
    else:
        result["filter_reason"] = "no order filter box found"
    result["peak_mb"] = _peak_mb()
    window.close()
    return result


def main() -> int:
    kind, db, folder = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    probe = {"excel": _excel, "pdf": _pdf, "gui": _gui}[kind]
    try:
        result = probe(db, folder)
    except Exception as exc:  # a probe that breaks reports why, the benchmark goes on
        result = {"value": None, "reason": f"{type(exc).__name__}: {exc}"[:400]}
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
