"""Where ShopDesk's own files (fonts, icons, migrations) live: in the repository when run from
source, inside the bundle when frozen by PyInstaller (packaging/shopdesk.spec)."""

from __future__ import annotations

import sys
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]


def resource_root() -> Path:
    """The folder holding `resources/` and `db/migrations/`: PyInstaller's `sys._MEIPASS`
    (the `_internal` folder of a one-folder build) when frozen, else the repository root."""
    meipass = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and meipass:
        return Path(meipass)
    return _REPO_ROOT


def resource_path(*parts: str) -> Path:
    """`resource_path("resources", "fonts", "DejaVuSans.ttf")` -> an absolute path."""
    return resource_root().joinpath(*parts)
