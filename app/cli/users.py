"""Users and the audit trail: `shopdesk user add|list|deactivate`, `shopdesk audit`."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from app.cli import add_command, add_group, emit, open_db, table
from app.errors import InvalidInput


def cmd_user_add(args: argparse.Namespace) -> int:
    from app.users import add_user

    pin = args.pin
    if pin is None:
        pin = getpass.getpass(f"PIN or password for {args.name}: ")
        if getpass.getpass("Once more: ") != pin:
            raise InvalidInput("The two entries differ; nothing was saved.")
    user = add_user(open_db(args), args.name, args.role, pin)
    emit(args, user, f"User {user.name} ({user.role}) added.")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from db.models import AppUser

    with open_db(args).read() as session:
        rows = (
            session.execute(
                select(AppUser.name, AppUser.role, AppUser.active).order_by(AppUser.name)
            )
            .tuples()
            .all()
        )
    emit(
        args,
        {"users": [{"name": n, "role": r, "active": a} for n, r, a in rows]},
        lambda: (
            table(["Name", "Role", "Active"], [(n, r, "yes" if a else "no") for n, r, a in rows])
            if rows
            else "No users: the shop does not ask anyone to log in."
        ),
    )
    return 0


def cmd_user_deactivate(args: argparse.Namespace) -> int:
    from app.users import deactivate_user

    deactivate_user(open_db(args), args.name)
    emit(args, {"deactivated": args.name}, f"User {args.name} can no longer log in.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from app import audit

    database = open_db(args)
    if args.output:
        count = audit.export_csv(database, Path(args.output))
        emit(
            args,
            {"file": args.output, "rows": count},
            f"Wrote {count} audit rows to {args.output}.",
        )
        return 0
    with database.read() as session:
        rows = audit.entries(session, document=args.document)
    rows = rows[-args.limit :] if args.limit else rows
    emit(
        args,
        {"entries": rows},
        lambda: table(
            ["When", "Who", "What", "Document", "Detail"],
            [
                (
                    e.at.isoformat(sep=" "),
                    e.user_name,
                    e.action,
                    e.document,
                    e.detail if len(e.detail) <= 80 else e.detail[:77] + "...",
                )
                for e in rows
            ],
        ),
    )
    return 0


def register(sub: Any) -> None:
    g = add_group(sub, "user", "users and their roles (owner, clerk, accountant)")
    p = add_command(g, "add", cmd_user_add, help="add a user (the first must be an owner)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=("owner", "clerk", "accountant"))
    p.add_argument("--pin", default=None, help="PIN or password (asked when left out)")
    add_command(g, "list", cmd_user_list, help="list users")
    p = add_command(g, "deactivate", cmd_user_deactivate, help="stop a user from logging in")
    p.add_argument("name")
    p = add_command(sub, "audit", cmd_audit, help="the audit trail: who changed what, when")
    p.add_argument("--document", default=None, help="only entries about this document")
    p.add_argument("--limit", type=int, default=50, help="the newest N (0: all)")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE.csv",
        help="export the whole log to CSV (formula-like cells neutralised)",
    )
