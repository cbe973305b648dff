"""The `shopdesk` command: a thin, stable door for scripting (also `python -m app`).

Conventions every command module follows:
- a module in COMMAND_MODULES exposes `register(subparsers)` and adds its commands with
  `add_command(subparsers, "name", handler, help=...)`;
- a handler takes the parsed args and returns an exit code, printing through `emit()`:
  `--json` gives one JSON object on stdout (ISO dates, amounts as decimal strings), otherwise
  readable text;
- `--db PATH|URL` and `--json` may stand before or after the command words;
- a refusal (app.errors.ShopError / db.errors.StorageError) prints one line on stderr and
  exits non-zero; nothing was changed, because every service is one transaction.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.errors import USER_ERRORS, InvalidInput, ShopError
from db.errors import StorageError

log = logging.getLogger("shopdesk.cli")

# Each module registers its own commands; a missing module (work in progress) is skipped.
COMMAND_MODULES = (
    "app.cli.core",
    "app.cli.documents",
    "app.cli.reports",
    "app.cli.backup",
    "app.cli.users",
    "app.cli.importing",
    "app.cli.settings",
    "app.cli.migrate_to",
    "app.cli.gui",
)

Handler = Callable[[argparse.Namespace], int]


class ArgumentError(InvalidInput):
    exit_code = 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting with code 2 itself."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ArgumentError(f"{message} (see '{self.prog} --help').")


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--db", default=default, metavar="PATH|URL",
        help="shop database: a file path or a database URL (default: $SHOPDESK_DB, "
        "else shop.sqlite in the user data folder)",
    )
    parser.add_argument(
        "--json", action="store_true", default=False if top else argparse.SUPPRESS,
        help="machine-readable output on stdout",
    )


def add_command(
    subparsers: Any, name: str, handler: Handler, *, help: str, aliases: Sequence[str] = ()
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=help, aliases=list(aliases)
    )
    _common_options(parser, top=False)
    parser.set_defaults(handler=handler)
    return parser


def add_group(subparsers: Any, name: str, help: str) -> Any:
    """A command with sub-commands: `shopdesk order create ...`."""
    parser = subparsers.add_parser(name, help=help, description=help)
    _common_options(parser, top=False)
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND",
                                 parser_class=_Parser)


def build_parser() -> argparse.ArgumentParser:
    from app import __version__

    parser = _Parser(prog="shopdesk", description="ShopDesk: orders, stock and money.")
    _common_options(parser, top=True)
    parser.add_argument("--version", action="version", version=f"shopdesk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(sub)
    return parser


def jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(v) for k, v in asdict(value).items() if k != "changes"}
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if k != "changes"}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def emit(args: argparse.Namespace, data: Any, text: str | Callable[[], str]) -> None:
    """Print `data` as JSON with --json, else the human text."""
    if getattr(args, "json", False):
        json.dump(jsonable(data), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        out = text() if callable(text) else text
        if out:
            print(out)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A plain text table for terminals: columns padded, numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [
            row[i].rjust(widths[i]) if i in right else row[i].ljust(widths[i])
            for i in range(len(headers))
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def open_db(args: argparse.Namespace, *, create: bool = False):  # type: ignore[no-untyped-def]
    """The shop named by --db / $SHOPDESK_DB / the default, brought to the current schema.

    Commands other than `init`/`demo` refuse to create a shop silently."""
    from db.migrate import ensure_current, upgrade_pending
    from db.session import Database, resolve_url

    database = Database(resolve_url(getattr(args, "db", None)))
    if upgrade_pending(database):  # seconds on a large shop: say why nothing happens yet
        print("shopdesk: updating the shop's file for this version (a backup is made first)…",
              file=sys.stderr, flush=True)
    ensure_current(database, create=create)
    return database


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return int(args.handler(args) or 0)
    except USER_ERRORS as exc:
        print(f"shopdesk: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 1) if isinstance(exc, ShopError) else 6
    except KeyboardInterrupt:
        print("shopdesk: interrupted; the last unfinished change was not saved.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # a bug: say so in one line, keep the traceback in the log
        log.debug("unexpected error", exc_info=True)
        import traceback

        from db.session import default_data_dir

        try:
            log_dir = default_data_dir() / "logs"
            log_dir.mkdir(parents=True, exist_ok=True)
            report = log_dir / f"crash-{datetime.now():%Y%m%d-%H%M%S}.txt"
            report.write_text(traceback.format_exc(), encoding="utf-8")
            where = f" Details were saved to {report}."
        except OSError:
            where = ""
        print(
            "shopdesk: an internal error stopped the command (a change it had not finished "
            f"was not saved).{where}",
            file=sys.stderr,
        )
        return 70


__all__ = ["StorageError", "add_command", "add_group", "emit", "jsonable", "main", "open_db",
           "table"]
