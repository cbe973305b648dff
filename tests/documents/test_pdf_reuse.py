"""The PDF writer's shortcuts (font subsets reused between documents, plain table text written
straight to the page) change no byte of what ReportLab itself would write."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app import services
from app.documents import pdf
from tests.documents.conftest import Docs
from tests.documents.helpers import pdf_pages, pdf_text
from tests.scenarios.shop import Shop

# More distinct characters than one 256-glyph subset holds: the document needs a second one.
GREEK_CYRILLIC = "".join(
    map(chr, [*range(0x391, 0x3A2), *range(0x3A3, 0x3CA), *range(0x410, 0x450)]))
LATIN_EXTENDED = "".join(map(chr, range(0x100, 0x17F)))


def _many_glyph_invoice(docs: Docs) -> str:
    services.add_customer(docs.db, "GLYPHS", GREEK_CYRILLIC, address=LATIN_EXTENDED)
    shop = Shop(docs.db)
    shop.receive("B", 1, cost="1.00")
    return shop.invoices(shop.order("GLYPHS", B=1))[0].number


def _long_invoice(docs: Docs) -> str:
    shop = Shop(docs.db)
    for i in range(45):
        services.add_product(docs.db, f"L{i:02d}", f"Längliches Teil {i} — ½ Zoll", "2.00", "7")
        shop.receive(f"L{i:02d}", 2, cost="1.00")
    return shop.invoices(shop.order("SMITH", **{f"L{i:02d}": 2 for i in range(45)}))[0].number


def _render_all(docs: Docs, invoices: list[str]) -> list[bytes]:
    with docs.db.read() as s:
        return [
            *(pdf.render_invoice(s, n, locale="en_US") for n in invoices),
            pdf.render_invoices(s, invoices, locale="de_DE"),
            pdf.render_credit_note(s, docs.credit_note, locale="en_US"),
            pdf.render_delivery_note(s, docs.first_delivery, locale="en_US"),
        ]


def test_the_shortcuts_write_the_bytes_reportlab_writes(
    docs: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices = [docs.first_invoice, docs.second_invoice, docs.evil_invoice,
                _many_glyph_invoice(docs), _long_invoice(docs)]
    first = _render_all(docs, invoices)
    assert _render_all(docs, invoices) == first  # the second round reuses the first's subsets
    assert len(pdf_pages(first[4])) >= 2  # footers and repeated headers are in the comparison
    monkeypatch.setattr(pdf._EmbeddedFont, "addObjects", TTFont.addObjects)
    monkeypatch.setattr(pdf._NumberedCanvas, "drawString", Canvas.drawString)
    monkeypatch.setattr(pdf._NumberedCanvas, "drawRightString", Canvas.drawRightString)
    assert _render_all(docs, invoices) == first


def test_a_document_with_two_subsets_per_font_prints_every_character(docs: Docs) -> None:
    with docs.db.read() as s:
        data = pdf.render_invoice(s, _many_glyph_invoice(docs), locale="en_US")
    text = pdf_text(data).replace(" ", "")  # long names wrap where they must
    assert GREEK_CYRILLIC in text and LATIN_EXTENDED in text
    assert data.count(b"/FontFile2") >= 3  # DejaVu regular in two subsets, bold in one


def _counting(real: Callable[[list[int]], bytes], calls: list[int]) -> Callable[..., bytes]:
    def make_subset(subset: list[int]) -> bytes:
        calls.append(len(subset))
        return real(subset)

    return make_subset


def test_a_batch_builds_each_font_subset_once_not_once_per_document(
    docs: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    armenian = "".join(c for c in map(chr, range(0x531, 0x587)) if c in pdf._kit().glyphs)
    services.add_customer(docs.db, "ARMEN", armenian[:60])
    shop = Shop(docs.db)
    shop.receive("B", 1, cost="1.00")
    new_characters = shop.invoices(shop.order("ARMEN", B=1))[0].number
    with docs.db.read() as s:
        pdf.render_invoice(s, docs.first_invoice, locale="en_US")  # its subsets are now made
        for name in (pdf.REGULAR, pdf.BOLD):
            face = pdf.pdfmetrics.getFont(name).face
            monkeypatch.setattr(face, "makeSubset", _counting(face.makeSubset, calls))
        for _ in range(5):
            pdf.render_invoice(s, docs.first_invoice, locale="en_US")
        assert calls == []  # nothing parsed again
        pdf.render_invoice(s, new_characters, locale="en_US")
    assert len(calls) == 1  # characters not printed before: one new subset, made once
