"""Hostile input, as a catalogue: every bad request is refused with a sentence and leaves the
shop's file byte-for-byte as it was; odd but legitimate text is accepted and stored exactly.

How "unchanged" is measured: the shop is a closed WAL-mode file (no -wal beside it). Each case
opens it, runs, and disposes of its engines; the last connection's close checkpoints and deletes
the -wal file, so any committed change would reach the main file. We then compare the main
file's SHA-256 and assert that no -wal file with content is left behind (only the read-only
case leaves an empty -wal and a -shm: a read-only connection may not delete them).

The catalogue is a plain table (`CATALOGUE`): CLI cases can be appended later as more `Case`
rows whose `run` invokes the `shopdesk` command instead of a service.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app import services, users
from app.errors import Conflict, InvalidInput, NotFound, ShopError
from app.services import LineInput, PurchaseLineInput
from db import backup as bk
from db.errors import StorageError
from db.session import Database

Ref = dict[str, Any]
Run = Callable[[Path, Ref], object]


@dataclass(frozen=True)
class Case:
    id: str
    run: Run  # (shop file, reference numbers) -> anything; opens what it needs
    refused: type[Exception]  # the class the refusal must be (a ShopError or StorageError)
    says: str = ""  # a fragment the sentence must contain (case-insensitive)


def svc(call: Callable[[Database, Ref], object]) -> Run:
    """Run a service call on a Database opened on the shop file, disposed afterwards."""

    def run(path: Path, ref: Ref) -> object:
        database = Database("sqlite:///" + str(path))
        try:
            return call(database, ref)
        finally:
            database.dispose()

    return run


def order(qty: object = 1, *, sku: str = "A", price: object = None, discount: object = 0,
          **kw: Any) -> Run:
    return svc(lambda db, ref: services.create_order(
        db, "C1", [LineInput(sku, qty, price, discount)], **kw))


CATALOGUE: list[Case] = []
BAD_QTY = [-1, 0, "0", "-5", "abc", "", " ", "NaN", "nan", "sNaN", "Infinity", "-Infinity",
           "inf", "1e400", "1.5", "0.0001", 10**7, "1000001", 10**100, None, 1.5, [3], "1,5",
           "0x10", "5 pcs", True]
CATALOGUE += [Case(f"order qty {q!r}", order(q), InvalidInput, "quantity of a")
              for q in BAD_QTY]
BAD_PRICE = ["-0.01", "1.001", "NaN", "Infinity", "1e400", "abc", "1000000000", "12,50", 1.1,
             "0.005"]
CATALOGUE += [Case(f"order price {p!r}", order(price=p), InvalidInput, "price of a")
              for p in BAD_PRICE]
CATALOGUE += [Case(f"order discount {d!r}", order(discount=d), InvalidInput, "discount of a")
              for d in ["-1", "100.01", "1.001", "NaN", "x"]]
CATALOGUE += [
    Case(f"receive qty {q!r}", svc(lambda db, ref, q=q: services.receive_stock(db, "A", q, "1")),
         InvalidInput, "quantity")
    for q in [0, -3, "NaN", "1e400", "2.5"]
]
CATALOGUE += [
    Case(f"receive cost {c!r}", svc(lambda db, ref, c=c: services.receive_stock(db, "A", 1, c)),
         InvalidInput, "unit cost")
    for c in ["-1", "NaN", "0.001", "1e400"]
]
CATALOGUE += [
    Case(f"payment {a!r}", svc(lambda db, ref, a=a: services.record_payment(db, ref["invoice"], a)),
         InvalidInput, "amount")
    for a in ["0", "-5", "NaN", "Infinity", "1e400", "0.001", "abc"]
]
CATALOGUE += [
    Case("payment above what is due",
         svc(lambda db, ref: services.record_payment(db, ref["invoice"], "9.53")),
         Conflict, "only 9.52 is open"),
    Case("payment far above what is due",
         svc(lambda db, ref: services.record_payment(db, ref["invoice"], "999999.99")),
         Conflict, "is too much"),
    Case("payment on a settled invoice",
         svc(lambda db, ref: services.record_payment(db, ref["settled"], "0.01")),
         Conflict, "already settled"),
    Case("payment date in 1999",
         svc(lambda db, ref: services.record_payment(db, ref["invoice"], "1",
                                                     paid_on=date(1999, 12, 31))),
         InvalidInput, "out of range"),
]
CATALOGUE += [
    Case(f"adjust by {q!r}", svc(lambda db, ref, q=q: services.adjust_stock(db, "A", q, "count")),
         InvalidInput, "quantity change")
    for q in ["0", "abc", "1.5", "NaN", "1e400", ""]
]
CATALOGUE += [
    Case("adjust away more than is free",
         svc(lambda db, ref: services.adjust_stock(db, "A", -999, "count")), Conflict, "free"),
    Case("write off more than is defective",
         svc(lambda db, ref: services.dispose_defective(db, "A", 5, "write_off")),
         Conflict, "defective units"),
    Case("write off zero",
         svc(lambda db, ref: services.dispose_defective(db, "A", 0, "write_off")),
         InvalidInput, "more than zero"),
    Case("dispose with an unknown action",
         svc(lambda db, ref: services.dispose_defective(db, "A", 1, "burn")),
         InvalidInput, "write_off or supplier_return"),
    Case("supplier return without a supplier",
         svc(lambda db, ref: services.dispose_defective(db, "A", 1, "supplier_return")),
         InvalidInput, "which supplier"),
    Case("mark more defective than is free",
         svc(lambda db, ref: services.mark_defective(db, "A", 999, "dropped")),
         Conflict, "free on the shelf"),
]
UNKNOWN = [
    ("order of an unknown SKU", order(sku="NOPE"), "no product with SKU 'NOPE'"),
    ("order for an unknown customer",
     svc(lambda db, ref: services.create_order(db, "NOBODY", [LineInput("A", 1)])),
     "no customer with code 'NOBODY'"),
    ("payment of an unknown invoice",
     svc(lambda db, ref: services.record_payment(db, "INV-2026-99999", "1")), "no invoice"),
    ("return on an unknown order",
     svc(lambda db, ref: services.create_return(db, "SO-1999-00001", {"A": 1},
                                                condition="sellable", reason="x")),
     "no sales order"),
    ("cancel an unknown order",
     svc(lambda db, ref: services.cancel_pending(db, "SO-X", "reason")), "no sales order"),
    ("deliver an unknown order",
     svc(lambda db, ref: services.deliver_order(db, "SO-X")), "no sales order"),
    ("receive an unknown purchase order",
     svc(lambda db, ref: services.receive_purchase(db, "PO-X")), "no purchase order"),
    ("receive from an unknown supplier",
     svc(lambda db, ref: services.receive_stock(db, "A", 1, "1", supplier="NOPE")),
     "no supplier"),
    ("receive an unknown SKU",
     svc(lambda db, ref: services.receive_stock(db, "NOPE", 1, "1")), "no product"),
    ("price of an unknown SKU",
     svc(lambda db, ref: services.set_product_price(db, "NOPE", "1")), "no product"),
    ("ship-complete of an unknown customer",
     svc(lambda db, ref: services.set_customer_ship_complete(db, "NOPE", True)), "no customer"),
    ("adjust an unknown SKU",
     svc(lambda db, ref: services.adjust_stock(db, "NOPE", 1, "count")), "no product"),
    ("dispose an unknown SKU",
     svc(lambda db, ref: services.dispose_defective(db, "NOPE", 1, "write_off")), "no product"),
    ("purchase from an unknown supplier",
     svc(lambda db, ref: services.create_purchase(db, "NOPE", [PurchaseLineInput("A", 1, "1")])),
     "no supplier"),
    ("purchase for an unknown order",
     svc(lambda db, ref: services.create_purchase(db, "S1", [PurchaseLineInput("A", 1, "1")],
                                                  for_order="SO-X")), "no sales order"),
]
CATALOGUE += [Case(name, run, NotFound, says) for name, run, says in UNKNOWN]
CATALOGUE += [
    Case("setting that does not exist",
         svc(lambda db, ref: services.set_setting(db, "no_such_setting", "1")), NotFound),
]


def ret(items: dict[str, object], *, condition: str = "sellable", reason: str = "faulty",
        key: str = "delivered") -> Run:
    return svc(lambda db, ref: services.create_return(db, ref[key], items, condition=condition,
                                                      reason=reason))


CATALOGUE += [
    Case("return more than was delivered", ret({"A": 5}), Conflict, "at most 4 can be returned"),
    Case("return a SKU the order does not have", ret({"B": 1}), InvalidInput, "has no line for B"),
    Case("return on an order nothing was delivered of", ret({"B": 1}, key="pending"),
         Conflict, "at most 0"),
    Case("return in an unknown condition", ret({"A": 1}, condition="new"), InvalidInput,
         "sellable or defective"),
    Case("return of nothing", ret({}), InvalidInput, "what is returned"),
    Case("return of zero", ret({"A": 0}), InvalidInput, "more than zero"),
    Case("return of minus one", ret({"A": -1}), InvalidInput, "more than zero"),
    Case("return without a reason", ret({"A": 1}, reason="  "), InvalidInput, "cannot be empty"),
]
CATALOGUE += [
    Case("promised in 1999", order(promised=date(1999, 12, 31)), InvalidInput, "out of range"),
    Case("promised in 2101", order(promised=date(2101, 1, 1)), InvalidInput, "out of range"),
    Case("promised before the order date",
         order(order_date=date(2026, 5, 10), promised=date(2026, 5, 9)), InvalidInput,
         "before the order date"),
    Case("order dated 1900", order(order_date=date(1900, 1, 1)), InvalidInput, "out of range"),
    Case("purchase expected in 2200",
         svc(lambda db, ref: services.create_purchase(db, "S1", [PurchaseLineInput("A", 1, "1")],
                                                      expected=date(2200, 1, 1))),
         InvalidInput, "out of range"),
    Case("payment dated 2101",
         svc(lambda db, ref: services.record_payment(db, ref["invoice"], "1",
                                                     paid_on=date(2101, 1, 1))),
         InvalidInput, "out of range"),
]
LONG = "x" * 10_000
CATALOGUE += [
    Case("customer name of 10,000 characters",
         svc(lambda db, ref: services.add_customer(db, "LONG", LONG)), InvalidInput, "too long"),
    Case("product name of 10,000 non-Latin characters",
         svc(lambda db, ref: services.add_product(db, "LONG", "漢" * 10_000, "1")),
         InvalidInput, "too long"),
    Case("order note of 10,001 characters", order(note="n" * 10_001), InvalidInput, "too long"),
    Case("customer address of 10,000 characters",
         svc(lambda db, ref: services.add_customer(db, "ADR", "Name", address=LONG)),
         InvalidInput, "too long"),
    Case("cancel reason of 10,000 characters",
         svc(lambda db, ref: services.cancel_pending(db, ref["pending"], LONG)),
         InvalidInput, "too long"),
    Case("empty customer name", svc(lambda db, ref: services.add_customer(db, "E1", "")),
         InvalidInput, "cannot be empty"),
    Case("blank product name", svc(lambda db, ref: services.add_product(db, "E2", " \t ", "1")),
         InvalidInput, "cannot be empty"),
    Case("NUL in a name", svc(lambda db, ref: services.add_customer(db, "E3", "Bad\x00Name")),
         InvalidInput, "control characters"),
    Case("terminal escape in a name",
         svc(lambda db, ref: services.add_customer(db, "E4", "\x1b[31mRed")),
         InvalidInput, "control characters"),
    Case("SKU with a space", svc(lambda db, ref: services.add_product(db, "A B", "Name", "1")),
         InvalidInput, "cannot contain spaces"),
    Case("SKU of 41 characters",
         svc(lambda db, ref: services.add_product(db, "S" * 41, "Name", "1")),
         InvalidInput, "too long"),
    Case("empty customer code", svc(lambda db, ref: services.add_customer(db, "", "Name")),
         InvalidInput, "cannot be empty"),
    Case("cancel without a reason",
         svc(lambda db, ref: services.cancel_pending(db, ref["pending"], "")),
         InvalidInput, "cannot be empty"),
    Case("product price negative",
         svc(lambda db, ref: services.add_product(db, "NEG", "Name", "-1")),
         InvalidInput, "negative"),
    Case("product tax rate 101",
         svc(lambda db, ref: services.add_product(db, "TAX", "N", "1", "101")),
         InvalidInput, "between 0 and 100"),
    Case("payment terms of 10,000 days",
         svc(lambda db, ref: services.add_customer(db, "PT", "N", payment_terms_days=10_000)),
         InvalidInput, "3650"),
]
CATALOGUE += [
    Case("duplicate SKU", svc(lambda db, ref: services.add_product(db, "A", "Again", "1")),
         Conflict, "already exists"),
    Case("duplicate customer code", svc(lambda db, ref: services.add_customer(db, "C1", "Again")),
         Conflict, "already exists"),
    Case("duplicate supplier code", svc(lambda db, ref: services.add_supplier(db, "S1", "Again")),
         Conflict, "already exists"),
    Case("EAN with a wrong check digit",
         svc(lambda db, ref: services.add_product(db, "EAN1", "N", "1", ean="4006381333932")),
         InvalidInput, "check digit"),
    Case("EAN made of letters",
         svc(lambda db, ref: services.add_product(db, "EAN2", "N", "1", ean="ABCDEFGHIJKLM")),
         InvalidInput, "not a valid EAN"),
    Case("duplicate EAN",
         svc(lambda db, ref: services.add_product(db, "EAN3", "N", "1", ean="4006381333931")),
         Conflict, "already has the barcode"),
]
CATALOGUE += [
    Case("order without lines",
         svc(lambda db, ref: services.create_order(db, "C1", [])), InvalidInput, "at least one"),
    Case("order with 501 lines",
         svc(lambda db, ref: services.create_order(db, "C1", [LineInput("A", 1)] * 501)),
         InvalidInput, "at most 500 lines"),
    Case("receive more than the purchase order is open for",
         svc(lambda db, ref: services.receive_purchase(db, ref["po"], {"B": 99})),
         Conflict, "still to receive"),
    Case("receive a SKU the purchase order does not have",
         svc(lambda db, ref: services.receive_purchase(db, ref["po"], {"A": 1})),
         InvalidInput, "has no line for A"),
    Case("receive a cancelled purchase order",
         svc(lambda db, ref: services.receive_purchase(db, ref["po_cancelled"])),
         Conflict, "is cancelled"),
    Case("cancel a cancelled purchase order",
         svc(lambda db, ref: services.cancel_purchase(db, ref["po_cancelled"])),
         Conflict, "already cancelled"),
    Case("deliver an order with nothing reserved",
         svc(lambda db, ref: services.deliver_order(db, ref["pending"])),
         Conflict, "no reserved goods"),
    Case("cancel an order with nothing pending",
         svc(lambda db, ref: services.cancel_pending(db, ref["delivered"], "late")),
         Conflict, "nothing pending"),
    Case("setting with a bad value",
         svc(lambda db, ref: services.set_setting(db, "payment_terms_days", "soon")),
         InvalidInput, "whole number"),
    Case("currency that does not exist",
         svc(lambda db, ref: services.set_setting(db, "currency", "XYZ1")), InvalidInput),
]
CATALOGUE += [
    Case("user with an unknown role",
         svc(lambda db, ref: users.add_user(db, "Eve", "admin", "1234")), InvalidInput, "role"),
    Case("user with a 3-digit PIN",
         svc(lambda db, ref: users.add_user(db, "Eve", "owner", "123")), InvalidInput, "pin"),
    Case("second user of the same name",
         svc(lambda db, ref: users.add_user(db, "Olga", "clerk", "1234")), Conflict, "exists"),
    Case("log in with a wrong PIN",
         svc(lambda db, ref: users.verify(db, "Olga", "0000")), users.NotAllowed, "wrong"),
    Case("log in as nobody",
         svc(lambda db, ref: users.verify(db, "'; DROP TABLE app_user;--", "1234")),
         users.NotAllowed, "wrong"),
]


def _restore_text_file(path: Path, ref: Ref) -> object:
    fake = path.parent / "fake-backup.sqlite"
    fake.write_text("not a backup")
    return bk.restore(fake, path)


def _read_only(path: Path, ref: Ref) -> object:
    os.chmod(path, 0o444)
    # root ignores file modes: open it read-only through SQLite as well, as a locked-down
    # share or a read-only medium would present it
    url = f"sqlite:///file:{path}?mode=ro&uri=true" if os.geteuid() == 0 else f"sqlite:///{path}"
    database = Database(url)
    try:
        return services.add_customer(database, "RO", "Read-only")
    finally:
        database.dispose()
        os.chmod(path, 0o644)


def _missing_folder(path: Path, ref: Ref) -> object:
    missing = path.parent / "gone" / "shop.sqlite"
    database = Database("sqlite:///" + str(missing))
    try:
        return services.add_customer(database, "X", "Nowhere")
    finally:
        database.dispose()
        assert not missing.parent.exists()


def _full_disk(path: Path, ref: Ref) -> object:
    """A real full disk: a tmpfs just big enough for the shop; else SQLite's own SQLITE_FULL
    through PRAGMA max_page_count."""
    mount = path.parent / "small-disk"
    mount.mkdir()
    size = path.stat().st_size + 160 * 1024
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                             capture_output=True).returncode == 0
    try:
        shop = mount / path.name
        if mounted:
            shutil.copyfile(path, shop)
            (mount / "filler").write_bytes(b"\0" * (size - shop.stat().st_size - 120 * 1024))
            database = Database("sqlite:///" + str(shop))
        else:
            database = Database("sqlite:///" + str(path))
            from sqlalchemy import event

            @event.listens_for(database.write_engine, "connect")
            def _cap(dbapi_conn: Any, _record: Any) -> None:
                pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
                dbapi_conn.execute(f"PRAGMA max_page_count={pages}")
        try:
            lines = [LineInput("B", 1, discount="0")] * 500
            for n in range(40):  # more than the disk can take
                services.create_order(database, "C1", lines, note="z" * 2000)
                services.add_product(database, f"F{n}", "€" * 200, "1")
        finally:
            database.dispose()
            if mounted:
                assert hashlib.sha256(shop.read_bytes()).digest() == hashlib.sha256(
                    path.read_bytes()).digest(), "the full disk's copy of the shop changed"
    finally:
        if mounted:
            subprocess.run(["umount", str(mount)], check=True)
    return None


CATALOGUE += [
    Case("restore from a text file", _restore_text_file, StorageError, "not a shopdesk"),
    Case("read-only database file", _read_only, ShopError, "read-only"),
    Case("missing database folder", _missing_folder, ShopError, "folder missing"),
    Case("full disk", _full_disk, ShopError, "disk is full"),
]


@pytest.fixture(scope="module")
def hostile_shop(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> tuple[Path, Ref]:
    """A closed shop with a delivered order, a pending one, an open and a cancelled purchase
    order, a settled invoice, defective stock and an owner."""
    path = tmp_path_factory.mktemp("hostile") / "shop.sqlite"
    shutil.copyfile(template_db, path)
    db = Database("sqlite:///" + str(path))
    services.add_product(db, "A", "Apple", "2.00", ean="4006381333931")
    services.add_product(db, "B", "Bolt", "0.50")
    services.add_customer(db, "C1", "Customer")
    services.add_supplier(db, "S1", "Supplier")
    services.receive_stock(db, "A", 12, "1.00")
    delivered = services.create_order(db, "C1", [LineInput("A", 4)])
    settled = services.create_order(db, "C1", [LineInput("A", 1)])
    services.record_payment(db, settled.invoices[0], "2.38")
    pending = services.create_order(db, "C1", [LineInput("B", 3)])
    services.mark_defective(db, "A", 1, "dropped")
    po = services.create_purchase(db, "S1", [PurchaseLineInput("B", 5, "0.20")])
    cancelled = services.create_purchase(db, "S1", [PurchaseLineInput("B", 5, "0.20")])
    services.cancel_purchase(db, cancelled.number)
    users.add_user(db, "Olga", "owner", "1234")
    db.dispose()
    assert not Path(str(path) + "-wal").exists()
    return path, {"invoice": delivered.invoices[0], "settled": settled.invoices[0],
                  "delivered": delivered.number, "pending": pending.number, "po": po.number,
                  "po_cancelled": cancelled.number}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_catalogue_is_big_enough():
    assert len(CATALOGUE) >= 100, len(CATALOGUE)
    assert len({c.id for c in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_bad_input_is_refused_with_a_sentence_and_changes_nothing(case, hostile_shop, tmp_path):
    source, ref = hostile_shop
    path = tmp_path / "shop.sqlite"
    shutil.copyfile(source, path)
    before = sha(path)
    with pytest.raises((ShopError, StorageError)) as refused:
        case.run(path, ref)
    error = refused.value
    assert isinstance(error, case.refused), f"{type(error).__name__}: {error}"
    sentence = str(error)
    assert sentence and not sentence[:1].islower(), sentence
    assert sentence.rstrip().endswith((".", "?")), sentence
    assert "Traceback" not in sentence and "sqlalchemy" not in sentence.lower()
    assert case.says.lower() in sentence.lower(), sentence
    assert sha(path) == before, "the shop's file changed"
    wal = Path(str(path) + "-wal")  # a read-only connection leaves an empty one behind
    assert not wal.exists() or wal.stat().st_size == 0


ACCEPTED = [
    "株式会社テスト", "Ελληνικά Α.Ε.", "Müller & Söhne GmbH", "שלום בע״מ", "شركة مرحبا",
    "Ооо Ромашка", "🛒 Shop 🧾", "Cafe\u0301 (NFD)", "Café (NFC)", "\u202eevil rtl",
    "Robert'); DROP TABLE customer;--", "' OR '1'='1", "1; DELETE FROM invoice",
    "=HYPERLINK(\"http://x\")",
    "+SUM(1,2)", "-2+3", "@cmd", "=1+1\tTAB", "<script>alert(1)</script>", "%s %n {0} ${x}",
    "漢" * 200,
]


@pytest.mark.parametrize("name", ACCEPTED, ids=[f"accepted-{i}" for i in range(len(ACCEPTED))])
def test_odd_but_legitimate_text_is_accepted_and_stored_exactly(name, hostile_shop, tmp_path):
    source, _ = hostile_shop
    path = tmp_path / "shop.sqlite"
    shutil.copyfile(source, path)
    db = Database("sqlite:///" + str(path))
    try:
        services.add_customer(db, "ODD", name)
        services.add_product(db, "ODD", name, "1.00")
        order = services.create_order(db, "ODD", [LineInput("ODD", 1)], note=name)
    finally:
        db.dispose()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT name FROM customer WHERE code='ODD'").fetchone()[0] == name
        assert conn.execute("SELECT name FROM product WHERE sku='ODD'").fetchone()[0] == name
        assert conn.execute("SELECT note FROM sales_order WHERE number=?",
                            (order.number,)).fetchone()[0] == name
        assert conn.execute("SELECT COUNT(*) FROM invoice").fetchone()[0] == 2  # still there
    finally:
        conn.close()
