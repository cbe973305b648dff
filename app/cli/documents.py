"""`shopdesk invoice pdf`, `shopdesk credit-note pdf`, `shopdesk delivery pdf`.

Contract with app.cli.core (which owns the `invoice` group with `list` and `pay`):
- core calls `add_pdf_commands(invoice_group, None, None)` after building its group;
- `register(subparsers)` (called for this module by app.cli) creates the `credit-note` and
  `delivery` groups, and the `invoice` group too if no other module created it, and adds the
  `pdf` commands to whichever groups have none yet. Either order works; nothing is added twice.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli import add_command, add_group, emit, open_db
from app.errors import InvalidInput


def _day(text: str | None, what: str):  # type: ignore[no-untyped-def]
    from datetime import date

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} must be a date as YYYY-MM-DD, not {text!r}.") from None


def _write(path: Path, data: bytes) -> None:
    if str(path) == "-":
        sys.stdout.buffer.write(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def cmd_invoice_pdf(args: argparse.Namespace) -> int:
    from app.documents import pdf

    if args.number and (args.date_from or args.date_to):
        raise InvalidInput("Give an invoice number or --from/--to, not both.")
    if not args.number and not (args.date_from or args.date_to):
        raise InvalidInput("Give an invoice number, or --from/--to for several invoices.")
    out = Path(args.output)
    db = open_db(args)
    with db.read() as session:
        if args.number:
            _write(out, pdf.render_invoice(session, args.number))
            emit(args, {"invoice": args.number, "file": str(out)}, f"Wrote {out}")
            return 0
        start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
        if start and end and start > end:
            raise InvalidInput("The start date is after the end date.")
        if out.suffix.lower() == ".pdf":
            numbers = pdf.invoice_numbers(session, start, end)
            if not numbers:
                raise InvalidInput("No invoices were issued between those dates.")
            _write(out, pdf.render_invoices(session, numbers))
            emit(args, {"invoices": numbers, "file": str(out)},
                 f"Wrote {len(numbers)} invoices to {out}")
            return 0
        paths = pdf.write_invoices(session, start, end, out)
        emit(args, {"files": [str(p) for p in paths]}, f"Wrote {len(paths)} PDFs into {out}")
    return 0


def cmd_credit_note_pdf(args: argparse.Namespace) -> int:
    from app.documents import pdf

    with open_db(args).read() as session:
        _write(Path(args.output), pdf.render_credit_note(session, args.number))
    emit(args, {"credit_note": args.number, "file": args.output}, f"Wrote {args.output}")
    return 0


def cmd_delivery_pdf(args: argparse.Namespace) -> int:
    from app.documents import pdf

    with open_db(args).read() as session:
        _write(Path(args.output), pdf.render_delivery_note(session, args.number))
    emit(args, {"delivery": args.number, "file": args.output}, f"Wrote {args.output}")
    return 0


def _has(group: Any, name: str) -> bool:
    return group is not None and name in getattr(group, "choices", {})


def add_pdf_commands(invoice_sub: Any, credit_note_sub: Any, delivery_sub: Any) -> None:
    """Add `pdf` to the groups given (None: skip); a group that has one already is left."""
    if invoice_sub is not None and not _has(invoice_sub, "pdf"):
        p = add_command(invoice_sub, "pdf", cmd_invoice_pdf,
                        help="print an invoice, or all invoices between two dates, as PDF")
        p.add_argument("number", nargs="?")
        p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        p.add_argument("-o", "--output", required=True,
                       metavar="FILE.pdf|FOLDER",
                       help="a .pdf file (one or merged), else a folder: one PDF per invoice")
    if credit_note_sub is not None and not _has(credit_note_sub, "pdf"):
        p = add_command(credit_note_sub, "pdf", cmd_credit_note_pdf,
                        help="print a credit note as PDF")
        p.add_argument("number")
        p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    if delivery_sub is not None and not _has(delivery_sub, "pdf"):
        p = add_command(delivery_sub, "pdf", cmd_delivery_pdf,
                        help="print a delivery note (packing slip) as PDF")
        p.add_argument("number")
        p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")


def _group(subparsers: Any, name: str, help: str) -> Any:
    """The sub-command group `name`, created unless another module made it already."""
    existing = subparsers.choices.get(name)
    if existing is None:
        return add_group(subparsers, name, help)
    for action in existing._actions:  # the group's own subparsers action
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def register(subparsers: Any) -> None:
    add_pdf_commands(
        _group(subparsers, "invoice", "invoices and payments"),
        _group(subparsers, "credit-note", "credit notes"),
        _group(subparsers, "delivery", "deliveries"),
    )
