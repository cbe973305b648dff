"""Roles and PINs, the audit log written with each use case, history the database refuses to
rewrite, and the 'also open elsewhere' notice."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import text

from app import audit, services, users
from app.errors import Conflict, InvalidInput
from app.services import LineInput
from db import instance_lock
from db.models import AppUser


@pytest.fixture
def shop(db):
    services.add_product(db, "A", "Apple", "2.00")
    services.add_customer(db, "C1", "Customer")
    services.receive_stock(db, "A", 10, "1.00")
    order = services.create_order(db, "C1", [LineInput("A", 4)])
    services.record_payment(db, order.invoices[0], "1.00")
    return db, order


def test_pins_are_salted_scrypt_hashes_and_verified_in_constant_time(db):
    users.add_user(db, "Olga", "owner", "4711")
    users.add_user(db, "Carl", "clerk", "4711")
    with db.read() as session:
        rows = {u.name: u for u in session.query(AppUser)}
        session.expunge_all()
    assert rows["Olga"].pin_salt != rows["Carl"].pin_salt
    assert rows["Olga"].pin_hash != rows["Carl"].pin_hash  # same PIN, different salt
    assert "4711" not in rows["Olga"].pin_hash
    assert users.verify(db, "Carl", "4711") == users.User("Carl", "clerk")
    for name, pin in (("Carl", "4712"), ("Nobody", "4711"), ("Carl", "")):
        with pytest.raises(users.NotAllowed, match="Wrong name or PIN"):
            users.verify(db, name, pin)


def test_roles_allow_what_the_table_says():
    owner, clerk, accountant = (users.User("o", "owner"), users.User("c", "clerk"),
                                users.User("a", "accountant"))
    assert all(owner.can(p) for p in users.PERMISSIONS)
    assert clerk.can("orders.write") and clerk.can("returns.write")
    assert clerk.can("deliveries.write") and clerk.can("documents.print")
    for hidden in ("costs.view", "reports.profit", "users.manage", "payments.write"):
        assert not clerk.can(hidden)
    assert accountant.can("payments.write") and accountant.can("reports.export")
    assert accountant.can("costs.view") and accountant.can("reports.profit")
    for change in ("orders.write", "stock.write", "returns.write", "deliveries.write"):
        assert not accountant.can(change)
    with pytest.raises(users.NotAllowed, match=r"c \(clerk\) may not see cost prices"):
        users.require(clerk, "costs.view")
    users.require(accountant, "payments.write")
    with pytest.raises(KeyError):
        clerk.can("no.such.permission")


def test_one_user_shops_never_ask_and_the_first_user_is_the_owner(db):
    assert not users.login_required(db)
    with pytest.raises(Conflict, match="first user"):
        users.add_user(db, "Carl", "clerk", "1234")
    users.add_user(db, "Olga", "owner", "1234")
    assert not users.login_required(db)
    assert users.implicit_user(db) == users.User("Olga", "owner")
    users.add_user(db, "Carl", "clerk", "1234")
    assert users.login_required(db)
    with pytest.raises(Conflict, match="only owner"):
        users.deactivate_user(db, "Olga")
    with pytest.raises(InvalidInput, match="PIN has 4"):
        users.add_user(db, "Ann", "accountant", "12")
    with pytest.raises(InvalidInput, match="Role must be"):
        users.add_user(db, "Ann", "boss", "1234")


def test_each_use_case_leaves_one_audit_row_with_the_current_user(shop):
    db, order = shop
    audit.set_current_user("Carl")
    try:
        services.cancel_pending(db, order.number, "customer called") if order.pending else None
        services.set_product_price(db, "A", "2.50")
    finally:
        audit.set_current_user(None)
    with db.read() as session:
        rows = list(audit.entries(session))
    actions = [r.action for r in rows]
    assert actions[:5] == ["add_product", "add_customer", "receive_stock", "create_order",
                           "record_payment"]
    price = rows[-1]
    assert (price.action, price.document, price.user_name) == ("set_product_price", "A", "Carl")
    assert json.loads(price.detail) == {"before": {"price": "2.00"}, "after": {"price": "2.50"}}
    created = next(r for r in rows if r.action == "create_order")
    assert created.document == order.number
    assert json.loads(created.detail)["after"]["lines"] == [["A", 4]]


def test_a_refused_use_case_leaves_no_audit_row(shop):
    db, order = shop
    with db.read() as session:
        before = len(list(audit.entries(session)))
    with pytest.raises(Conflict):
        services.record_payment(db, order.invoices[0], "1000.00")
    with db.read() as session:
        assert len(list(audit.entries(session))) == before


def test_the_user_set_once_is_seen_by_a_worker_thread(db):
    import threading

    audit.set_current_user("Olga")
    try:
        seen = []
        worker = threading.Thread(target=lambda: seen.append(audit.current_user()))
        worker.start()
        worker.join()
    finally:
        audit.set_current_user(None)
    assert seen == ["Olga"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE invoice_line SET qty = qty + 1",
        "DELETE FROM invoice_line",
        "UPDATE stock_move SET qty = qty + 1",
        "DELETE FROM stock_move",
        "UPDATE delivery_line SET cost = 0",
        "DELETE FROM delivery_line",
        "UPDATE payment SET amount = 1",
        "DELETE FROM payment",
        "UPDATE invoice SET gross = gross + 100",
        "UPDATE invoice SET number = 'INV-X'",
        "UPDATE invoice SET issue_date = '2020-01-01'",
        "DELETE FROM invoice",
        "UPDATE audit_log SET user_name = 'someone else'",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_to_rewrite_history(shop, statement):
    db, _ = shop
    with pytest.raises(Exception, match="append-only|cannot change") as refused:
        with db.write() as session:
            session.execute(text(statement))
    assert type(refused.value).__name__ == "IntegrityError"


def test_credit_notes_are_guarded_too_and_running_totals_still_move(shop):
    db, order = shop
    services.create_return(db, order.number, {"A": 1}, condition="sellable", reason="other")
    for statement in ("UPDATE credit_note SET net = 0", "DELETE FROM credit_note_line"):
        with pytest.raises(Exception, match="append-only"):
            with db.write() as session:
                session.execute(text(statement))
    with db.write() as session:  # the permitted columns
        session.execute(text("UPDATE invoice SET paid = paid, credited = credited"))


def test_audit_csv_neutralises_formula_cells(db, tmp_path):
    services.add_customer(db, "=HYPERLINK", "=cmd|'/c calc'!A1")
    services.add_customer(db, "@SUM", "+1+2")
    out = tmp_path / "audit.csv"
    assert audit.export_csv(db, out) == 2
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(audit.CSV_HEADER)
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)
    assert any("'=HYPERLINK" == cell for cell in cells)


def test_lock_notice_names_other_live_processes_and_drops_dead_ones(db_path):
    assert instance_lock.notice(db_path) is None
    mine = instance_lock.register(db_path)
    assert instance_lock.notice(db_path) is None  # I am not "also" here
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = instance_lock.lock_path(db_path)
    entries = json.loads(path.read_text())
    host = socket.gethostname()
    entries += [{"host": host, "pid": other.pid, "started_at": "2026-11-29T08:15:00"},
                {"host": host, "pid": dead.pid, "started_at": "2026-11-29T07:00:00"}]
    path.write_text(json.dumps(entries))
    try:
        assert instance_lock.notice(db_path) == (
            f"also open on {host} (pid {other.pid}) since 2026-11-29 08:15:00"
        )
    finally:
        other.kill()
        other.wait()
    assert instance_lock.notice(db_path) is None
    instance_lock.unregister(db_path)
    assert not path.exists()
    assert mine.pid == os.getpid()
