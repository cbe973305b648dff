"""Smoke test of the frozen program (PyInstaller one-folder build, packaging/shopdesk.spec).

Runs only when a build exists: dist/ShopDesk/ in the repository, or the folder named by
$SHOPDESK_FROZEN_DIR. Build it with `make package`; run this with `make smoke-frozen`.

The frozen executables run as separate processes with a private HOME / data folder, so the
build is checked the way a user meets it: migrations found as files in the bundle, DejaVu
fonts embedded in the PDF, Babel's locale data, openpyxl, and the GUI's six tabs (matplotlib's
QtAgg backend on the Profit tab) rendered on Qt's offscreen platform.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FROZEN_DIR = Path(os.environ.get("SHOPDESK_FROZEN_DIR") or ROOT / "dist" / "ShopDesk")
EXE = ".exe" if sys.platform == "win32" else ""
CLI = FROZEN_DIR / (("shopdesk-cli" if sys.platform in ("win32", "darwin") else "shopdesk") + EXE)
GUI = FROZEN_DIR / ("ShopDesk" + EXE)
SCREENSHOTS = ("orders", "stock", "returns", "profit", "purchases", "exceptions")
TIMEOUT = 300  # a busy 2-CPU machine: the demo shop and the GUI take tens of seconds

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CLI.is_file(),
        reason=f"no frozen build at {FROZEN_DIR} (run `make package`, or set "
        "SHOPDESK_FROZEN_DIR to the built folder)",
    ),
]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPDESK_", "PYTHON"))}
    env.update(
        HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"), APPDATA=str(home / "appdata"),
        LOCALAPPDATA=str(home / "localappdata"), QT_QPA_PLATFORM="offscreen",
        SHOPDESK_LOCALE="en_US",
    )
    env.update(extra)
    return env


def run(exe: Path, *args: str, home: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(exe), *args], cwd=cwd, env=_env(home, **env), capture_output=True, text=True,
        encoding="utf-8", timeout=TIMEOUT,
    )
    assert done.returncode == 0, (
        f"{exe.name} {' '.join(args)} exited {done.returncode}\n"
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A demo shop with 50 orders built by the frozen CLI: init, then demo."""
    work = tmp_path_factory.mktemp("frozen")
    home = work / "home"
    home.mkdir()
    db = work / "shop.sqlite"
    run(CLI, "--db", str(db), "init", home=home, cwd=work)
    run(CLI, "--db", str(db), "demo", "--orders", "50", home=home, cwd=work)
    listed = run(CLI, "--db", str(db), "--json", "invoice", "list", home=home, cwd=work)
    invoices = json.loads(listed.stdout)["invoices"]
    assert invoices, "the demo shop has no invoice"
    first = min(invoices, key=lambda inv: inv["number"])
    return {"work": work, "home": home, "db": db, "invoice": first}


def test_bundle_layout() -> None:
    internal = FROZEN_DIR / "_internal"
    assert GUI.is_file(), f"no GUI executable {GUI}"
    versions = sorted(p.name for p in (internal / "db" / "migrations" / "versions").glob("*.py"))
    source = sorted(p.name for p in (ROOT / "db" / "migrations" / "versions").glob("*.py"))
    assert versions and (not source or versions == source), (versions, source)
    assert (internal / "db" / "migrations" / "env.py").is_file()
    for font in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert (internal / "resources" / "fonts" / font).is_file()
    assert (internal / "resources" / "icons" / "shopdesk.png").is_file()
    for excluded in ("tkinter", "PyQt5", "PyQt6", "pytest", "tests"):
        assert not (internal / excluded).exists(), f"{excluded} should not be in the bundle"


def test_version(tmp_path: Path) -> None:
    from app import __version__

    done = run(CLI, "--version", home=tmp_path, cwd=tmp_path)
    assert done.stdout.strip() == f"shopdesk {__version__}"


def test_reportlab_speedups_are_bundled() -> None:
    """ReportLab imports _rl_accel with exec(), so only the spec's hidden import brings it."""
    assert list(FROZEN_DIR.rglob("_rl_accel*")), "ReportLab's _rl_accel is not in the bundle"


def test_invoice_pdf(shop: dict) -> None:
    from pypdf import PdfReader

    number = shop["invoice"]["number"]
    out = shop["work"] / "x.pdf"
    run(CLI, "--db", str(shop["db"]), "invoice", "pdf", number, "-o", str(out),
        home=shop["home"], cwd=shop["work"])
    assert out.read_bytes()[:5] == b"%PDF-"
    reader = PdfReader(out)
    text = "".join(page.extract_text() for page in reader.pages)
    assert number in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any(f.endswith("+DejaVuSans") for f in fonts), fonts  # embedded from the bundle


def test_babel_locale_data(shop: dict) -> None:
    """German dates and amounts in a PDF: Babel's locale data is in the bundle."""
    from babel.dates import format_date
    from babel.numbers import format_currency
    from pypdf import PdfReader

    invoice = shop["invoice"]
    out = shop["work"] / "de.pdf"
    run(CLI, "--db", str(shop["db"]), "invoice", "pdf", invoice["number"], "-o", str(out),
        home=shop["home"], cwd=shop["work"], SHOPDESK_LOCALE="de_DE")
    text = re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(out).pages))
    issued = format_date(date.fromisoformat(invoice["issue_date"]), locale="de_DE")
    gross = format_currency(Decimal(invoice["gross"]), "EUR", locale="de_DE")
    assert issued in text, (issued, text[:400])
    assert re.sub(r"\s+", " ", gross) in text, (gross, text[:400])


def test_profit_report_xlsx(shop: dict) -> None:
    import openpyxl

    out = shop["work"] / "x.xlsx"
    run(CLI, "--db", str(shop["db"]), "report", "profit", "--by", "customer", "-o", str(out),
        home=shop["home"], cwd=shop["work"])
    book = openpyxl.load_workbook(out, read_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    assert len(rows) > 2, rows


def test_check(shop: dict) -> None:
    done = run(CLI, "--db", str(shop["db"]), "check", home=shop["home"], cwd=shop["work"])
    assert "All checks passed" in done.stdout, done.stdout


@pytest.mark.gui
def test_gui_screenshots(shop: dict) -> None:
    """The windowed executable opens the shop and saves one PNG per tab."""
    folder = shop["work"] / "screens"
    run(GUI, "--db", str(shop["db"]), "--screenshots", str(folder),
        home=shop["home"], cwd=shop["work"])
    for name in SCREENSHOTS:
        png = folder / f"{name}.png"
        assert png.is_file(), f"missing {png}"
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > 10_000, f"{png} looks empty ({len(data)} bytes)"
