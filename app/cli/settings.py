"""`shopdesk settings list|get NAME|set NAME VALUE`: the shop's settings from the command line."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from app import formatting as fmt
from app import settings as shop_settings
from app.cli import add_command, add_group, emit, open_db, table


def shown(name: str, value: str) -> str:
    """A stored setting as a person reads it: percentages in the user's locale."""
    try:
        parsed = shop_settings.SPECS[name].parse(value)
    except Exception:  # noqa: BLE001 - a stored value from an older version: show it as is
        return value
    if isinstance(parsed, Decimal):
        return fmt.percent(parsed)
    if isinstance(parsed, dict):
        return ", ".join(f"{k} {fmt.percent(v)}" for k, v in parsed.items())
    return value


def cmd_list(args: argparse.Namespace) -> int:
    with open_db(args).read() as session:
        rows = shop_settings.describe(session)
    emit(args, {"settings": rows}, lambda: table(
        ["Setting", "Value", "Meaning"],
        [(r.name, shown(r.name, r.value).replace("\n", " ")[:60], r.doc) for r in rows]))
    return 0


def cmd_get(args: argparse.Namespace) -> int:
    with open_db(args).read() as session:
        value = shop_settings.get(session, args.name)
    emit(args, {"name": args.name, "value": value}, shown(args.name, value))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from app.services import set_setting

    stored = set_setting(open_db(args), args.name, args.value)
    emit(args, {"name": args.name, "value": stored},
         f"{args.name} = {shown(args.name, stored)}")
    return 0


def register(sub: Any) -> None:
    group = add_group(sub, "settings", "show and change the shop's settings")
    add_command(group, "list", cmd_list, help="every setting, its value and meaning")
    p = add_command(group, "get", cmd_get, help="one setting's value")
    p.add_argument("name")
    p = add_command(group, "set", cmd_set, help="change a setting (checked before it is saved)")
    p.add_argument("name")
    p.add_argument("value")
