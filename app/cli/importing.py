"""`shopdesk import products|customers|suppliers|stock FILE [--dry-run]`.

The whole file is checked first; any problem is listed (row, column, what is wrong) and
nothing is written. Otherwise every row is written in one transaction.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app import formatting as fmt
from app import importing
from app.cli import add_command, emit, open_db, table

SHOWN_ROWS = 20


def _currency(db: Any) -> str:
    from app.settings import load

    with db.read() as session:
        return load(session).currency


def _cell(key: str, value: Any, currency: str) -> str:
    if value is None:
        return ""
    if key in ("price", "cost"):
        return fmt.money(value, currency)
    if key == "tax":
        return fmt.percent(value)
    if key in ("qty", "reorder_level", "terms"):
        return fmt.number(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def preview_text(plan: importing.ImportPreview, currency: str) -> str:
    out = [plan.summary]
    if plan.ignored:
        out.append("Columns not used: " + ", ".join(plan.ignored))
    if plan.problems:
        out.append("")
        out.append(table(["Row", "Column", "Problem"],
                         [(p.row or "", p.column, p.message) for p in plan.problems]))
        return "\n".join(out)
    keys = [c.key for c in importing.COLUMNS[plan.kind] if c.key in plan.columns]
    labels = {c.key: c.label for c in importing.COLUMNS[plan.kind]}
    numeric = {i + 2 for i, k in enumerate(keys) if k in ("price", "cost", "tax", "qty",
                                                          "reorder_level", "terms")}
    rows = [(r.row, r.action, *(_cell(k, r.values.get(k), currency) for k in keys),
             "; ".join(r.notes)) for r in plan.rows[:SHOWN_ROWS]]
    out.append("")
    out.append(table(["Row", "Action", *(labels[k] for k in keys), "Note"], rows,
                     right=[0, *numeric]))
    if len(plan.rows) > SHOWN_ROWS:
        out.append(f"... and {len(plan.rows) - SHOWN_ROWS:,} more rows.")
    return "\n".join(out)


def cmd_import(args: argparse.Namespace) -> int:
    db = open_db(args)
    plan = importing.preview(db, args.kind, args.file)
    currency = _currency(db)
    if plan.problems or args.dry_run:
        emit(args, {"preview": plan.as_dict(), "imported": False},
             lambda: preview_text(plan, currency))
        if plan.problems:
            print(f"shopdesk: {plan.summary}", file=sys.stderr)
            return 2
        return 0
    result = importing.apply(db, plan)
    emit(args, {"result": result, "imported": True,
                "counts": plan.as_dict()["counts"]}, result.summary)
    return 0


def register(sub: Any) -> None:
    p = add_command(sub, "import", cmd_import,
                    help="import products, customers, suppliers or stock from .xlsx or .csv")
    p.add_argument("kind", choices=importing.KINDS)
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true",
                   help="check the file and show what would change; write nothing")
