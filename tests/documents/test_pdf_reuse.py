"""What the PDF writer reuses between documents (embedded font subsets) changes no byte."""

from __future__ import annotations

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from app import services
from app.documents import pdf
from tests.documents.conftest import Docs
from tests.documents.helpers import pdf_text
from tests.scenarios.shop import Shop

# More distinct characters than one 256-glyph subset holds: the document needs a second one.
GREEK_CYRILLIC = "".join(
    map(chr, [*range(0x391, 0x3A2), *range(0x3A3, 0x3CA), *range(0x410, 0x450)]))
LATIN_EXTENDED = "".join(map(chr, range(0x100, 0x17F)))


def _render_all(docs: Docs, numbers: list[str]) -> list[bytes]:
    with docs.db.read() as s:
        return [pdf.render_invoice(s, n, locale="en_US") for n in numbers]


def _many_glyph_invoice(docs: Docs) -> str:
    services.add_customer(docs.db, "GLYPHS", GREEK_CYRILLIC, address=LATIN_EXTENDED)
    shop = Shop(docs.db)
    shop.receive("B", 1, cost="1.00")
    return shop.invoices(shop.order("GLYPHS", B=1))[0].number


def test_reused_font_subsets_write_the_bytes_reportlab_writes(
    docs: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [docs.first_invoice, docs.second_invoice, docs.evil_invoice,
               _many_glyph_invoice(docs)]
    warm = _render_all(docs, numbers + numbers)  # the second round reuses the first's subsets
    assert warm[: len(numbers)] == warm[len(numbers):]
    monkeypatch.setattr(pdf._EmbeddedFont, "addObjects", TTFont.addObjects)
    assert _render_all(docs, numbers) == warm[: len(numbers)]


def test_a_document_with_two_subsets_per_font_prints_every_character(docs: Docs) -> None:
    (data,) = _render_all(docs, [_many_glyph_invoice(docs)])
    text = pdf_text(data).replace(" ", "")  # long names wrap where they must
    assert GREEK_CYRILLIC in text and LATIN_EXTENDED in text
    assert data.count(b"/FontFile2") >= 3  # DejaVu regular in two subsets, bold in one
