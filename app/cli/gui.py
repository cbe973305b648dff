"""`shopdesk gui [--db PATH] [--screenshots DIR]`: the desktop program. PySide6 is imported
only when the command runs, so every other command works without a display."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli import add_command


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers, "gui", _gui,
        help="open the desktop program (the demo shop on the very first start)",
    )
    parser.add_argument(
        "--screenshots", metavar="DIR", default=None,
        help="open the shop, save one PNG per tab into DIR at 1280x800, and exit",
    )


def _gui(args: argparse.Namespace) -> int:
    from ui.app import run_gui

    return run_gui(getattr(args, "db", None), args.screenshots)
