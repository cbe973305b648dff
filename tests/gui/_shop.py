"""A small shop for the GUI tests, built through the services; helpers to drive the window."""

from __future__ import annotations

from app import services
from db.session import Database

HAMMER_EAN = "4006381333931"  # a valid EAN-13
BAD_EAN = "4006381333932"  # the same with a wrong check digit


def small_shop(db: Database) -> None:
    services.add_product(db, "HAM-450", "Claw hammer 450 g", "14.90", "19", ean=HAMMER_EAN,
                         reorder_level=2)
    services.add_product(db, "SCR-PH2", "Screwdriver PH2", "4.50", "19", reorder_level=5)
    services.add_product(db, "BOOK-DIY", "DIY handbook", "24.00", "7")
    services.add_customer(db, "ACME", "Acme Builders")
    services.add_customer(db, "BOLT", "Bolt & Sons", ship_complete=True)
    services.add_supplier(db, "TOOLCO", "ToolCo Wholesale")
    services.receive_stock(db, "HAM-450", 6, "8.00")
    services.receive_stock(db, "SCR-PH2", 20, "2.00")


def row_by_number(tab, number: str):  # type: ignore[no-untyped-def]
    model = tab.model
    for row in range(model.rowCount()):
        r = model.row_at(row)
        if r is not None and r.number == number:
            return r
    return None
