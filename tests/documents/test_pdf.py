"""Invoices, credit notes and delivery notes as printed: numbers, totals, pages, escaping."""

from __future__ import annotations

import builtins
import time
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.documents import pdf
from app.documents.data import load_invoice
from app.errors import NotFound
from tests.documents.conftest import INJECTED, TRICKY, Docs
from tests.documents.helpers import pdf_pages, pdf_text
from tests.scenarios.shop import Shop


def test_invoice_prints_lines_tax_summary_totals_and_terms(docs: Docs) -> None:
    with docs.db.read() as s:
        data = pdf.render_invoice(s, docs.first_invoice, locale="en_US")
    text = pdf_text(data)
    assert f"Invoice {docs.first_invoice}" in text
    assert "Eisenwaren & Söhne" in text and "Hauptstraße 12" in text and "DE123456789" in text
    # 4 hammers at 12.50 (19 %), 3 nails at 3.99 (7 %)
    assert "Hammer <large>" in text and "Nails & screws" in text
    assert "€12.50" in text and "€50.00" in text and "€11.97" in text
    assert "19% €50.00 €9.50" in text and "7% €11.97 €0.84" in text
    assert "Net total €61.97" in text and "Tax total €10.34" in text
    assert "Total due €72.31" in text
    assert "Due date Apr 1, 2026" in text
    assert "Payable within 30 days of the invoice date, by Apr 1, 2026." in text
    assert "Page 1 of 1" in text


def test_tax_rows_add_up_to_the_stored_invoice_tax(docs: Docs) -> None:
    with docs.db.read() as s:
        doc = load_invoice(s, docs.first_invoice)
    assert sum(t.tax for t in doc.tax_rows) == doc.tax
    assert sum(t.net for t in doc.tax_rows) == doc.net
    assert doc.gross == doc.net + doc.tax == Decimal("72.31")


def test_backorder_line_says_what_was_pending_as_of_that_invoice(docs: Docs) -> None:
    """C was cancelled after both invoices: their reprints still show it as pending then."""
    with docs.db.read() as s:
        first = pdf_text(pdf.render_invoice(s, docs.first_invoice, locale="en_US"))
        second = pdf_text(pdf.render_invoice(s, docs.second_invoice, locale="en_US"))
    assert f"partial delivery of order {docs.order}." in first
    assert "Still pending after this delivery: 6 × A (Hammer <large>); 2 × C (Saw)." in first
    assert f"partial delivery of order {docs.order} (1 earlier delivery)" in second
    assert "Still pending after this delivery: 3 × A (Hammer <large>); 2 × C (Saw)." in second


def test_a_cancellation_before_the_invoice_is_not_pending(docs: Docs, clock) -> None:  # type: ignore[no-untyped-def]
    shop = Shop(docs.db)
    order = shop.order("SMITH", A=5, C=4)  # nothing in stock: all pending
    clock.tick(hours=1)
    shop.cancel(order, sku="C")
    clock.tick(hours=1)
    shop.receive("A", 5, cost="5.00")  # 3 finish the older order, 2 come here
    invoice = shop.invoices(order)[0].number
    with docs.db.read() as s:
        text = pdf_text(pdf.render_invoice(s, invoice, locale="en_US"))
    assert "Still pending after this delivery: 3 × A (Hammer <large>)." in text
    assert "× C" not in text


def test_an_invoice_that_completes_the_order_says_nothing_is_pending(docs: Docs) -> None:
    shop = Shop(docs.db)
    shop.receive("A", 3, cost="5.00")  # the last 3 A of the first order (C was cancelled)
    last = shop.invoices(docs.order)[-1].number
    with docs.db.read() as s:
        text = pdf_text(pdf.render_invoice(s, last, locale="en_US"))
    assert "(2 earlier deliveries). Nothing more is pending on the order" in text


def test_an_invoice_for_a_whole_order_has_no_backorder_line(docs: Docs) -> None:
    with docs.db.read() as s:
        text = pdf_text(pdf.render_invoice(s, docs.evil_invoice, locale="en_US"))
    assert "partial delivery" not in text


def test_names_print_literally_and_markup_opens_no_file(
    docs: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    with docs.db.read() as s:
        smith = pdf_text(pdf.render_invoice(s, docs.first_invoice, locale="en_US"))
        evil = pdf_text(pdf.render_invoice(s, docs.evil_invoice, locale="en_US"))
    assert TRICKY in smith
    assert "1 <High> St & Co London" in smith
    assert INJECTED in evil
    assert not any("passwd" in name for name in opened)


def test_markup_escapes_and_falls_back_for_missing_glyphs() -> None:
    assert pdf.markup("<b>a & b</b>\nx") == "&lt;b&gt;a &amp; b&lt;/b&gt;<br/>x"
    assert pdf.markup("Ü 日本") == f'Ü <font name="{pdf.CJK_FONT}">日本</font>'


def test_the_fonts_are_embedded(docs: Docs) -> None:
    with docs.db.read() as s:
        data = pdf.render_invoice(s, docs.first_invoice)
    fonts = set()
    for page in PdfReader(__import__("io").BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            if "DejaVu" in str(font["/BaseFont"]):
                assert "/FontFile2" in font["/FontDescriptor"]
    assert any("DejaVuSans" in f for f in fonts)


def test_credit_note_references_the_invoice_it_corrects(docs: Docs) -> None:
    with docs.db.read() as s:
        text = pdf_text(pdf.render_credit_note(s, docs.credit_note, locale="en_US"))
        doc_invoice = s.execute(
            __import__("sqlalchemy").text(
                "SELECT i.number FROM credit_note c JOIN invoice i ON i.id = c.invoice_id "
                "WHERE c.number = :n"), {"n": docs.credit_note}).scalar_one()
    assert f"Credit note {docs.credit_note}" in text
    assert f"Corrects invoice {doc_invoice}" in text
    assert f"This credit note corrects invoice {doc_invoice} of" in text
    assert "(reason: broken)" in text
    # 2 hammers at 12.50 + 19 %
    assert "Total credited €29.75" in text


def test_delivery_note_shows_quantities_and_no_prices(docs: Docs) -> None:
    with docs.db.read() as s:
        text = pdf_text(pdf.render_delivery_note(s, docs.first_delivery, locale="en_US"))
    assert f"Delivery note {docs.first_delivery}" in text
    assert "Ordered Delivered Still pending" in text
    assert "1 A Hammer <large> 10 4 6" in text
    assert "2 B Nails & screws 3 3 0" in text
    assert "€" not in text


def test_reprint_is_byte_identical_and_ignores_current_prices(docs: Docs) -> None:
    from app import services

    with docs.db.read() as s:
        before = pdf.render_invoice(s, docs.first_invoice, locale="en_US")
    services.set_product_price(docs.db, "A", "99.00")
    with docs.db.read() as s:
        after = pdf.render_invoice(s, docs.first_invoice, locale="en_US")
    assert before == after


def test_many_lines_repeat_the_header_and_number_the_pages(docs: Docs) -> None:
    from app import services

    shop = Shop(docs.db)
    for i in range(70):
        services.add_product(docs.db, f"P{i:03d}", f"Part {i} with a long descriptive name", "2.00")
        shop.receive(f"P{i:03d}", 5, cost="1.00")
    order = shop.order("SMITH", **{f"P{i:03d}": 1 for i in range(70)})
    invoice = shop.invoices(order)[0]
    with docs.db.read() as s:
        pages = pdf_pages(pdf.render_invoice(s, invoice.number, locale="en_US"))
    assert len(pages) >= 2
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page
        if "Part " in page:  # every page with lines has the table header
            assert "Unit price" in page
    assert "Total due €166.60" in " ".join(" ".join(pages).split())  # 70 x 2.00 + 19 %


def test_batch_merges_invoices_and_numbers_each_on_its_own(docs: Docs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with docs.db.read() as s:
        numbers = pdf.invoice_numbers(s, date(2026, 3, 1), date(2026, 12, 31))
        merged = pdf.render_invoices(s, numbers, locale="en_US")
        written = pdf.write_invoices(s, None, None, tmp_path / "out", locale="en_US")
    pages = pdf_pages(merged)
    assert len(pages) == len(numbers) >= 3
    assert all("Page 1 of 1" in p for p in pages)
    assert [p.name for p in written] == [f"{n}.pdf" for n in numbers]
    assert pdf_text(written[0].read_bytes()).count("Invoice ") >= 1


def test_unknown_numbers_are_refused(docs: Docs) -> None:
    with docs.db.read() as s, pytest.raises(NotFound, match="no invoice INV-0"):
        pdf.render_invoice(s, "INV-0")


def test_batch_rendering_keeps_its_speed(docs: Docs) -> None:
    """The target is 100 invoices/s (measured ~100-130/s CPU time on a quiet 2-core box);
    this guard is set at 50/s, because on a shared, loaded machine even CPU time swells.
    CPU time, best of three, so other work on the machine does not decide the outcome."""
    with docs.db.read() as s:
        numbers = pdf.invoice_numbers(s) * 20
        pdf.render_invoice(s, numbers[0])
        best = float("inf")
        for _ in range(3):  # best of three: a busy machine slows even CPU time a little
            started = time.process_time()
            pdf.render_invoices(s, numbers)
            best = min(best, time.process_time() - started)
        rate = len(numbers) / best
    assert rate >= 50, f"{rate:.0f} invoices per second"
