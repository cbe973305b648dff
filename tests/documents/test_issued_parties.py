"""Issued documents keep the customer and the shop they were issued to and by: renaming either
later does not change a reprint."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app import services
from app.documents import pdf
from tests.documents.conftest import TRICKY, Docs
from tests.documents.helpers import pdf_text


def _rename_everyone(docs: Docs) -> None:
    with docs.db.write() as session:
        session.execute(text(
            "UPDATE customer SET name = 'Renamed Ltd', address = 'Elsewhere 9',"
            " tax_id = 'GB999' WHERE code = 'SMITH'"
        ))
    services.set_setting(docs.db, "shop_name", "New Owner GmbH")
    services.set_setting(docs.db, "shop_address", "Neue Straße 1")
    services.set_setting(docs.db, "shop_tax_id", "DE000000000")


def _render_all(docs: Docs) -> dict[str, bytes]:
    with docs.db.read() as s:
        return {
            "invoice": pdf.render_invoice(s, docs.first_invoice, locale="en_US"),
            "credit note": pdf.render_credit_note(s, docs.credit_note, locale="en_US"),
            "delivery note": pdf.render_delivery_note(s, docs.first_delivery, locale="en_US"),
        }


def test_renaming_the_customer_and_the_shop_leaves_old_documents_as_issued(docs: Docs) -> None:
    before = _render_all(docs)
    _rename_everyone(docs)
    after = _render_all(docs)
    for kind, data in after.items():
        printed = pdf_text(data)
        assert printed == pdf_text(before[kind]), kind
        assert "Smith & Sons" in printed and "1 <High> St & Co" in printed, kind
        assert "Eisenwaren & Söhne" in printed and "Hauptstraße 12" in printed, kind
        assert "DE123456789" in printed, kind
        for new in ("Renamed Ltd", "Elsewhere 9", "GB999", "New Owner", "Neue Straße",
                    "DE000000000"):
            assert new not in printed, (kind, new)
        assert data == before[kind], kind  # the same bytes, author included


def test_documents_issued_after_the_rename_carry_the_new_names(docs: Docs) -> None:
    _rename_everyone(docs)
    from tests.scenarios.shop import Shop

    shop = Shop(docs.db)
    order = shop.order("SMITH", C=1)
    shop.receive("C", 1, cost="9.00")
    invoice = shop.invoices(order)[0].number
    with docs.db.read() as s:
        printed = pdf_text(pdf.render_invoice(s, invoice, locale="en_US"))
    assert "Renamed Ltd" in printed and "Elsewhere 9" in printed and "GB999" in printed
    assert "New Owner GmbH" in printed and "Neue Straße 1" in printed
    assert "Smith & Sons" not in printed and "Eisenwaren" not in printed


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE invoice SET customer_name = 'x'",
        "UPDATE invoice SET shop_address = 'x'",
        "UPDATE credit_note SET customer_tax_id = 'x'",
        "UPDATE delivery SET customer_address = 'x'",
        "UPDATE delivery SET shop_name = 'x'",
    ],
)
def test_the_stored_parties_cannot_be_rewritten(docs: Docs, statement: str) -> None:
    with pytest.raises(Exception, match="append-only|cannot change") as refused:
        with docs.db.write() as session:
            session.execute(text(statement))
    assert type(refused.value).__name__ == "IntegrityError"


def test_a_document_without_stored_parties_prints_the_current_records(
    docs: Docs, db_path: Path
) -> None:
    """An invoice issued before migration 0003 and never backfilled (emptied here behind the
    trigger's back) falls back to the customer record and the settings, party by party."""
    docs.db.dispose()
    conn = sqlite3.connect(db_path)
    try:
        (trigger,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'trg_invoice_frozen'"
        ).fetchone()
        with conn:
            conn.execute("DROP TRIGGER trg_invoice_frozen")
            conn.execute(
                "UPDATE invoice SET customer_name = '', customer_address = '',"
                " customer_tax_id = '', shop_name = '', shop_address = '', shop_tax_id = ''"
                " WHERE number = ?", (docs.first_invoice,),
            )
            conn.execute(trigger)
    finally:
        conn.close()
    _rename_everyone(docs)
    with docs.db.read() as s:
        printed = pdf_text(pdf.render_invoice(s, docs.first_invoice, locale="en_US"))
        second = pdf_text(pdf.render_invoice(s, docs.second_invoice, locale="en_US"))
    assert "Renamed Ltd" in printed and "New Owner GmbH" in printed and "GB999" in printed
    assert TRICKY not in printed
    assert "Smith & Sons" in second and "Eisenwaren & Söhne" in second  # stored: unchanged
