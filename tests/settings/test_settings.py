"""The settings registry: named tax rates, thresholds, all-or-nothing saving, the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import services
from app import settings as shop_settings
from app.cli import main
from app.errors import InvalidInput, NotFound
from app.queries.exceptions import exceptions
from app.services import LineInput
from app.services.catalog import save_settings
from db.models import AuditLog, Invoice


def load(db):
    with db.read() as s:
        return shop_settings.load(s)


def test_defaults_cover_the_whole_registry(db):
    settings = load(db)
    assert settings.tax_rates == {"standard": Decimal("19.00"), "reduced": Decimal("7.00"),
                                  "zero": Decimal("0.00")}
    assert settings.overdue_grace_days == 0
    assert {r.name for r in shop_settings.read_all(db)} == set(shop_settings.SPECS)


def test_named_tax_rates_are_parsed_checked_and_stored_tidily(db):
    assert services.set_setting(db, "tax_rates", " Standard = 19 ; reduced=7,5\nzero=0 ") == \
        "standard=19;reduced=7.5;zero=0"
    assert load(db).tax_rates["reduced"] == Decimal("7.50")
    for bad, message in [
        ("standard=abc", "Tax rate 'standard' must be a number, not 'abc'."),
        ("standard=19;standard=7", "The tax rate 'standard' is named twice."),
        ("19", "Write tax rates as name=percent"),
        ("food=120", "Tax rate 'food' must be between 0 and 100, not 120."),
        ("my rate=7", "Write tax rates as name=percent"),
    ]:
        with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
            services.set_setting(db, "tax_rates", bad)
    assert load(db).tax_rates["reduced"] == Decimal("7.50")


def test_resolving_a_tax_rate_written_in_a_file():
    rates = {"standard": Decimal("19.00"), "reduced": Decimal("7.00")}
    assert shop_settings.resolve_tax_rate("Reduced", rates) == Decimal("7.00")
    assert shop_settings.resolve_tax_rate("7,5 %", rates) == Decimal("7.50")
    with pytest.raises(InvalidInput, match=r"neither a percentage nor a named tax rate "
                                           r"\(standard, reduced\)"):
        shop_settings.resolve_tax_rate("luxury", rates)


def test_save_settings_is_all_or_nothing_and_audited(db):
    with pytest.raises(shop_settings.InvalidSettings) as refused:
        save_settings(db, {"shop_name": "Müller", "currency": "XYZ", "pending_age_days": "-1"})
    assert set(refused.value.problems) == {"currency", "pending_age_days"}
    assert load(db).shop_name == "My Shop"
    save_settings(db, {"shop_name": "Müller", "currency": "gbp", "pending_age_days": "7"})
    settings = load(db)
    assert (settings.shop_name, settings.currency, settings.pending_age_days) == (
        "Müller", "GBP", 7)
    with db.read() as s:
        detail = s.scalars(
            select(AuditLog.detail).where(AuditLog.action == "save_settings")).one()
    assert json.loads(detail)["after"]["currency"] == "GBP"
    with pytest.raises(NotFound, match="There is no setting 'colour'"):
        save_settings(db, {"colour": "red"})


def test_currencies_with_three_decimals_are_refused(db):
    with pytest.raises(InvalidInput, match="KWD has more than two decimals"):
        services.set_setting(db, "currency", "KWD")


def test_overdue_grace_days_move_the_overdue_exception(db):
    services.add_product(db, "A", "Product A", "10.00")
    services.receive_stock(db, "A", 5, "4.00")
    services.add_customer(db, "ACME", "Acme")
    services.create_order(db, "ACME", [LineInput("A", 1)])
    with db.read() as s:
        due = s.scalar(select(Invoice.due_date))

    def overdue(day):
        with db.read() as s:
            return [r.document for r in exceptions(s, today=day) if r.kind == "overdue_invoice"]

    assert overdue(due + timedelta(days=1)) != []
    services.set_setting(db, "overdue_grace_days", "5")
    assert overdue(due + timedelta(days=5)) == []
    assert overdue(due + timedelta(days=6)) != []


def test_shop_is_new_until_named_or_stocked(db):
    assert shop_settings.shop_is_new(db)
    services.set_setting(db, "shop_name", "Müller")
    assert not shop_settings.shop_is_new(db)


def test_cli_settings_list_get_set(db, db_path, capsys):
    assert main(["--db", str(db_path), "settings", "set", "default_tax_rate", "7"]) == 0
    assert capsys.readouterr().out.strip() == "default_tax_rate = 7%"
    assert main(["--db", str(db_path), "settings", "get", "default_tax_rate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"name": "default_tax_rate", "value": "7.00"}
    assert main(["--db", str(db_path), "--json", "settings", "list"]) == 0
    listed = {r["name"]: r for r in json.loads(capsys.readouterr().out)["settings"]}
    assert listed["tax_rates"]["value"] == "standard=19;reduced=7;zero=0"
    assert listed["default_tax_rate"]["default"] == "19"
    assert main(["--db", str(db_path), "settings", "list"]) == 0
    assert "standard 19%, reduced 7%, zero 0%" in capsys.readouterr().out
    assert main(["--db", str(db_path), "settings", "set", "fulfilment_mode", "ship"]) == 2
    assert "Choose one of deliver, reserve (not 'ship')." in capsys.readouterr().err
    assert main(["--db", str(db_path), "settings", "get", "nope"]) == 3
