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
    """This process's peak RSS. VmHWM, not ru_maxrss: on Linux a child started by fork+exec
    inherits the parent's ru_maxrss, so it would report the benchmark's own peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
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
    fn = _find(["app.documents.reports", "app.documents.excel", "app.documents.xlsx",
                "app.documents.workbook", "app.documents"], ["write", "profit"])
    if fn is None:
        return {"seconds": None, "peak_mb": None,
                "reason": "no profit workbook writer in app/documents yet"}
    from db.session import Database

    db = Database("sqlite:///" + str(db_path))
    target = folder / "profit.xlsx"
    t = time.perf_counter()
    params = inspect.signature(fn).parameters
    if "session" in params:
        with db.read() as session:
            _call(fn, session=(("session",), session),
                  path=(("path", "target", "out", "dest", "filename"), target),
                  by=(("by", "dimension"), "order"))
    else:
        _call(fn, db=(("db", "database"), db),
              path=(("path", "target", "out", "dest", "filename"), target),
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
                made = _call(fn, session=(("session",), session), **offer)
        else:
            made = _call(fn, db=(("db", "database"), db), **offer)
        if isinstance(made, bytes):
            target.write_bytes(made)
    dt = time.perf_counter() - t
    return {"function": f"{fn.__module__}.{fn.__qualname__}", "invoices": len(numbers),
            "seconds": round(dt, 2), "per_s": round(len(numbers) / dt, 1), "peak_mb": _peak_mb()}


def _gui(db_path: Path, folder: Path) -> dict[str, Any]:
    """Start the main window on the shop, as `shopdesk gui --db X` would, and time it from
    the moment the parent started this process."""
    from PySide6.QtWidgets import QApplication, QLineEdit

    app = QApplication.instance() or QApplication([])
    try:
        from ui.app import ShopApp, wait_idle
    except ImportError as exc:
        return {"shown_s": None, "reason": f"ui.app: {exc}"}
    shop = ShopApp(app)
    if not shop.open(str(db_path)):
        return {"shown_s": None, "reason": "ShopApp.open refused the shop"}
    window = shop.window
    window.show()
    app.processEvents()
    t0 = float(os.environ.get("BENCH_T0", time.time()))
    shown = time.time() - t0
    settle = 0.15
    wait_idle(shop, settle_ms=int(settle * 1000))
    ready = time.time() - t0 - settle
    result: dict[str, Any] = {"shown_s": round(shown, 3), "ready_s": round(ready, 3),
                              "filter_s": None}
    edits = [w for w in window.findChildren(QLineEdit) if w.objectName() == "orders_search"]
    tab = edits[0] if edits else None
    while tab is not None and not hasattr(tab, "apply_filter"):
        tab = tab.parent()
    if tab is not None:
        t = time.perf_counter()
        edits[0].blockSignals(True)  # no debounce timer: apply at once, as Enter would
        edits[0].setText("Customer 17")
        edits[0].blockSignals(False)
        tab.apply_filter()
        wait_idle(shop, settle_ms=int(settle * 1000))
        result["filter_s"] = round(time.perf_counter() - t - settle, 3)
        result["filter"] = "orders_search = 'Customer 17', then idle"
    else:
        result["filter_reason"] = "no orders_search box with apply_filter found"
    result["peak_mb"] = _peak_mb()
    shop.close()
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
