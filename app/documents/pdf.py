"""PDF documents (ReportLab platypus): invoices, credit notes and delivery notes, one or many.

Every document is laid out from a `PrintedDocument` (app.documents.data), i.e. from the stored
rows. Text typed by people (names, addresses, descriptions, SKUs, settings) is escaped before
it reaches a Paragraph, so `<`, `&` and markup print as typed and never open a file; it is set
in the embedded DejaVu Sans, and characters DejaVu lacks (Chinese, Japanese, Korean) fall back
to ReportLab's standard CID fonts, which PDF viewers supply (they are not embedded).

Fonts, styles and the glyph table are built once per process (`_kit`), and so is each distinct
embedded font subset (`_EmbeddedFont`); plain table text is written straight to the page
(`_NumberedCanvas.drawString`). Both write exactly the bytes ReportLab's own code writes
(tests/documents/test_pdf_reuse.py), so a reprint stays byte-identical.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import (
    FF_NONSYMBOLIC,
    FF_SYMBOLIC,
    SUBSETN,
    TTFont,
    makeToUnicodeCMap,
)
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import formatting as fmt
from app.documents.data import (
    PrintedDocument,
    load_credit_note,
    load_delivery_note,
    load_invoice,
)
from app.errors import InvalidInput
from app.resources import resource_path
from db.models import Invoice

log = logging.getLogger(__name__)

FONT_DIR = resource_path("resources", "fonts")  # inside the bundle when frozen
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
CJK_FONT, HANGUL_FONT = "HeiseiKakuGo-W5", "HYGothic-Medium"

PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
BOTTOM = 20 * mm  # room for the footer
FRAME_PAD = 6  # ReportLab's Frame pads its content by 6 pt on each side
WIDTH = PAGE_W - 2 * (MARGIN + FRAME_PAD)
GREY = colors.HexColor("#555555")
LIGHT = colors.HexColor("#EEEEEE")
RULE = colors.HexColor("#999999")
MAX_PENDING_SHOWN = 12

# Binary (Flate only) streams: ASCII85 on top costs time and a quarter more bytes, and no
# viewer of this century needs 7-bit PDFs.
rl_config.useA85 = 0

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class _Hole(pdfdoc.PDFObject):
    """Marks where a per-document value goes in a dictionary formatted once (`_spliced`)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def format(self, document: Any) -> bytes:
        return b"\x00%d\x00" % self.n


_HOLE = re.compile(rb"\x00(\d+)\x00")


@dataclass(frozen=True)
class _Template:
    pieces: tuple[bytes, ...]  # the formatted text between the holes
    order: tuple[int, ...]  # which value goes in each hole, in the order they are written

    @classmethod
    def of(cls, obj: pdfdoc.PDFObject) -> _Template:
        parts = _HOLE.split(obj.format(None))
        return cls(tuple(parts[0::2]), tuple(int(n) for n in parts[1::2]))


class _Spliced(pdfdoc.PDFObject):
    """A font dictionary from its template and this document's values (references and the
    font's name in this document): only those are formatted per document."""

    __RefOnly__ = 1  # an indirect object, as ReportLab's font dictionaries are

    def __init__(self, template: _Template, *values: Any) -> None:
        self.template, self.values = template, values

    def format(self, document: Any) -> bytes:
        pieces = self.template.pieces
        out = [pieces[0]]
        for hole, piece in zip(self.template.order, pieces[1:], strict=True):
            out += (pdfdoc.format(self.values[hole], document), piece)
        return b"".join(out)


def _flate_stream(content: bytes, **entries: Any) -> pdfdoc.PDFStream:
    """A stream whose content is already Flate-compressed (ReportLab skips its own filters
    when the dictionary names one)."""
    return pdfdoc.PDFStream(pdfdoc.PDFDictionary(
        {**entries, "Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])}), content)


@dataclass(frozen=True)
class _SubsetObjects:
    base: str  # the subset's font name, e.g. AAAAAA+DejaVuSans
    to_unicode: bytes  # compressed
    font_file: bytes  # compressed
    font_file_length: int  # uncompressed (Length1)
    descriptor: _Template  # hole 0: the font file
    font: _Template  # holes 0, 1, 2: name in the document, ToUnicode, descriptor


class _EmbeddedFont(TTFont):
    """A TTFont that builds each distinct glyph subset's PDF objects once per process.

    ReportLab makes the subset font program (parsing the TTF tables), its ToUnicode map, its
    widths array and its dictionaries again for every document, and compresses them: two
    thirds of an invoice's writing time. The first subset of every invoice is ASCII plus the
    same handful of other characters, so keyed by the subset's characters nearly every
    document reuses bytes made before. The objects written are the ones `TTFont.addObjects`
    writes, byte for byte (same names, same order), so output does not depend on what was
    printed before."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self._subsets: dict[tuple[int, tuple[int, ...]], _SubsetObjects] = {}

    def _subset_objects(self, n: int, subset: list[int]) -> _SubsetObjects:
        key = (n, tuple(subset))
        made = self._subsets.get(key)
        if made is None:
            made = self._make_subset_objects(n, subset)
            if len(self._subsets) >= 256:  # a bound, not a policy: shops reuse few subsets
                self._subsets.clear()
            self._subsets[key] = made
        return made

    def _make_subset_objects(self, n: int, subset: list[int]) -> _SubsetObjects:
        """What TTFont.addObjects and TTFontFace.addSubsetObjects make for one subset."""
        face = self.face
        base = (SUBSETN(n) + b"+" + face.name + face.subfontNameX).decode("pdfdoc")
        program = face.makeSubset(subset)
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor",
            "Ascent": face.ascent,
            "CapHeight": face.capHeight,
            "Descent": face.descent,
            "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(face.bbox),
            "FontName": pdfdoc.PDFName(base),
            "ItalicAngle": face.italicAngle,
            "StemV": face.stemV,
            "FontFile2": _Hole(0),
            "MissingWidth": face.defaultWidth,
        })
        font = pdfdoc.PDFDictionary({  # as PDFTrueTypeFont.format lays it out
            "Type": pdfdoc.PDFName("Font"),
            "Subtype": pdfdoc.PDFName("TrueType"),
            "BaseFont": pdfdoc.PDFName(base),
            "Name": _Hole(0),
            "FirstChar": 0,
            "LastChar": len(subset) - 1,
            "Widths": pdfdoc.PDFArray([face.getCharWidth(c) for c in subset]),
            "ToUnicode": _Hole(1),
            "FontDescriptor": _Hole(2),
        })
        return _SubsetObjects(
            base=base,
            to_unicode=pdfdoc.PDFZCompress.encode(makeToUnicodeCMap(base, subset)),
            font_file=pdfdoc.PDFZCompress.encode(program),
            font_file_length=len(program),
            descriptor=_Template.of(descriptor),
            font=_Template.of(font),
        )

    def addObjects(self, doc: Any) -> None:  # noqa: N802 (ReportLab's name)
        if not doc.compression:
            super().addObjects(doc)
            return
        state = self._assignState(doc)
        state.frozen = 1
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            made = self._subset_objects(n, subset)
            base = made.base
            # registered in ReportLab's order, so the objects get the same numbers
            to_unicode = doc.Reference(_flate_stream(made.to_unicode), "toUnicodeCMap:" + base)
            font_file = doc.Reference(
                _flate_stream(made.font_file, Length1=made.font_file_length),
                f"fontFile:{self.face.filename}({base})")
            descriptor = doc.Reference(_Spliced(made.descriptor, font_file),
                                       "fontDescriptor:" + base)
            font = _Spliced(made.font, pdfdoc.PDFName(internal), to_unicode, descriptor)
            doc.Reference(font, internal)
            doc.idToObject["BasicFonts"].dict[internal] = font
        del self.state[doc]


@dataclass(frozen=True)
class _Kit:
    glyphs: frozenset[str]
    normal: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    shop: ParagraphStyle
    title: ParagraphStyle
    label: ParagraphStyle
    note: ParagraphStyle


@cache
def _kit() -> _Kit:
    """Fonts and styles, once per process (registering a TTF parses it: keep it out of the
    per-document path)."""
    regular = _EmbeddedFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(_EmbeddedFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                  boldItalic=BOLD)
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    pdfmetrics.registerFont(UnicodeCIDFont(HANGUL_FONT))
    glyphs = frozenset(chr(cp) for cp in regular.face.charToGlyph)
    base = ParagraphStyle("shop-normal", fontName=REGULAR, fontSize=9, leading=12)
    return _Kit(
        glyphs=glyphs,
        normal=base,
        small=ParagraphStyle("shop-small", parent=base, fontSize=8, leading=10, textColor=GREY),
        cell=ParagraphStyle("shop-cell", parent=base, fontSize=8.5, leading=10.5,
                            wordWrap="CJK"),  # long SKUs and words break instead of spilling
        cell_right=ParagraphStyle("shop-cell-r", parent=base, fontSize=8.5, leading=10.5,
                                  alignment=TA_RIGHT),
        shop=ParagraphStyle("shop-name", parent=base, fontName=BOLD, fontSize=14, leading=18),
        title=ParagraphStyle("shop-title", parent=base, fontName=BOLD, fontSize=16, leading=20,
                             spaceAfter=4 * mm),
        label=ParagraphStyle("shop-label", parent=base, fontSize=7.5, leading=12,
                             textColor=GREY),
        note=ParagraphStyle("shop-note", parent=base, fontSize=8.5, leading=11),
    )


def _is_hangul(ch: str) -> bool:
    cp = ord(ch)
    return 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F


def markup(text: str) -> str:
    """Plain text typed by someone -> safe Paragraph markup that prints exactly that text.

    `<`, `>` and `&` are escaped (so `<img src=...>` is text, not an image), line breaks
    become <br/>, control characters are dropped, and runs of characters the embedded font
    lacks are set in a CID font that has them."""
    text = _CONTROL.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    glyphs = _kit().glyphs
    if not set(text) - glyphs - {"\n"}:
        return escape(text).replace("\n", "<br/>")
    out: list[str] = []
    run: list[str] = []
    run_font = ""

    def flush() -> None:
        if run:
            chunk = escape("".join(run))
            out.append(f'<font name="{run_font}">{chunk}</font>' if run_font else chunk)
            run.clear()

    for ch in text:
        if ch == "\n":
            flush()
            out.append("<br/>")
            continue
        font = "" if ch in glyphs else (HANGUL_FONT if _is_hangul(ch) else CJK_FONT)
        if font != run_font:
            flush()
            run_font = font
        run.append(ch)
    flush()
    return "".join(out)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text), style)


def _cell(text: str, width: float, size: float = 8.5) -> str | Paragraph:
    """A table cell: the plain string when it fits on one line in the embedded font (a
    Table draws it as text, no markup is read), else a wrapping Paragraph. Plain strings
    are several times cheaper to lay out, which keeps batches fast."""
    text = str(text)
    if (
        "\n" not in text
        and not set(text) - _kit().glyphs
        and pdfmetrics.stringWidth(text, REGULAR, size) <= width - 6
    ):
        return text
    return _p(text, _kit().cell)


def _block(rows: list[tuple[str, str, float, Any]], width: float) -> Table:
    """Stacked lines of (text, font, size, colour): each line a plain table string when it
    fits (cheap, no markup read), else a wrapping Paragraph with the same look."""
    data: list[list[Any]] = []
    style: list[Any] = [
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    glyphs = _kit().glyphs
    for text, font, size, colour in rows:
        for line in _CONTROL.sub("", text).replace("\r", "").split("\n"):
            n = len(data)
            style += [("FONTNAME", (0, n), (0, n), font), ("FONTSIZE", (0, n), (0, n), size),
                      ("LEADING", (0, n), (0, n), size * 1.3),
                      ("TEXTCOLOR", (0, n), (0, n), colour)]
            if not set(line) - glyphs and pdfmetrics.stringWidth(line, font, size) <= width:
                data.append([line])
            else:
                para = ParagraphStyle("shop-block", fontName=font, fontSize=size,
                                      leading=size * 1.3, textColor=colour, wordWrap="CJK")
                data.append([Paragraph(markup(line), para)])
    table = Table(data or [[""]], colWidths=[width], hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


# -- letterhead ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letterhead:
    name: str
    address: str
    tax_id: str
    logo: str
    payment_terms_text: str


def letterhead(session: Session) -> Letterhead:
    from app.settings import load

    s = load(session)
    return Letterhead(s.shop_name, s.shop_address, s.shop_tax_id, s.shop_logo,
                      s.payment_terms_text)


def _as_issued(head: Letterhead, doc: PrintedDocument) -> Letterhead:
    """The shop's name, address and tax id as stored on the document (the current settings
    only for a document without them); logo and payment terms text stay current."""
    if doc.shop is None:
        return head
    return replace(head, name=doc.shop.name, address=doc.shop.address, tax_id=doc.shop.tax_id)


def _logo(path: str) -> Flowable | None:
    """The shop's logo scaled into 50 x 22 mm, or nothing when the file cannot be read."""
    if not path:
        return None
    try:
        from reportlab.lib.utils import ImageReader

        reader = ImageReader(path)
        w, h = reader.getSize()
    except Exception:  # a moved or broken logo must not stop an invoice
        log.warning("shop logo %r cannot be read; printing without it", path)
        return None
    scale = min(50 * mm / w, 22 * mm / h)
    image = Image(path, width=w * scale, height=h * scale)
    image.hAlign = "RIGHT"
    return image


# -- page furniture -------------------------------------------------------------------------------


class _Mark(Flowable):
    """Zero-size marker at the start of each document: tells the canvas which document the
    following pages belong to, so a merged batch numbers each document's pages on its own."""

    def __init__(self, seq: int, label: str) -> None:
        super().__init__()
        self.seq, self.label = seq, label

    def wrap(self, *_: Any) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.shop_mark = (self.seq, self.label)  # type: ignore[attr-defined]


@lru_cache(maxsize=4096)
def _num(value: float) -> str:
    """A number as ReportLab writes it (fp_str); table columns and rows repeat the same few."""
    return str(fp_str(value))


class _NumberedCanvas(Canvas):
    """Holds the pages back until the end, then writes 'Page n of N' per document."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shop_mark: tuple[int, str] = (0, "")
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._held.append(dict(self.__dict__))
        self._startPage()

    # Table cells and the footer draw one short string at a time. ReportLab builds a text
    # object for each (and measures strings it does not need to); the common case (an
    # embedded font, no spacing or direction options) is written here directly, with the
    # very operators ReportLab writes. Anything else goes to ReportLab.
    def drawString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:  # noqa: N802
        if args or kwargs or not self._plain_text(x, y, text):
            super().drawString(x, y, text, *args, **kwargs)

    def drawRightString(  # noqa: N802
        self, x: float, y: float, text: str, *args: Any, **kwargs: Any
    ) -> None:
        if (
            args
            or kwargs
            or type(text) is not str
            or not self._plain_text(
                x - pdfmetrics.stringWidth(text, self._fontname, self._fontsize), y, text)
        ):
            super().drawRightString(x, y, text, *args, **kwargs)

    def _plain_text(self, x: float, y: float, text: str) -> bool:
        """Write `BT x y Tm <font> <text> T* ET` as PDFTextObject.textLine would; False
        (nothing written) when ReportLab must do it."""
        font = pdfmetrics.getFont(self._fontname)
        if type(text) is not str or not self.bottomup or not getattr(font, "_dynamicFont", 0):
            return False
        doc = self._doc
        parts = []
        current = -1
        for subset, chunk in font.splitString(text, doc):
            if subset != current:
                parts.append(f"{font.getSubsetInternalName(subset, doc)} "
                             f"{_num(self._fontsize)} Tf {_num(self._leading)} TL")
                current = subset
            parts.append(f"({self._escape(chunk)}) Tj")
        self._code.append(f"BT 1 0 0 1 {_num(x)} {_num(y)} Tm {' '.join(parts)} T* ET")
        return True

    def save(self) -> None:
        totals = Counter(state["shop_mark"][0] for state in self._held)
        seen: Counter[int] = Counter()
        for state in self._held:
            self.__dict__.update(state)
            seq, label = self.shop_mark
            seen[seq] += 1
            self._footer(label, seen[seq], totals[seq])
            super().showPage()
        super().save()

    def _footer(self, label: str, page: int, pages: int) -> None:
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        left, right = MARGIN + FRAME_PAD, PAGE_W - MARGIN - FRAME_PAD
        self.line(left, 13 * mm, right, 13 * mm)
        self.setFont(REGULAR, 7.5)
        self.setFillColor(GREY)
        self.drawString(left, 9 * mm, _fit(label, REGULAR, 7.5, WIDTH - 40 * mm))
        self.drawRightString(right, 9 * mm, f"Page {page} of {pages}")
        self.restoreState()


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Plain canvas text (the footer) cut to a width, with an ellipsis."""
    text = _CONTROL.sub("", text).replace("\n", " ")
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


# -- one document's flowables ----------------------------------------------------------------------


# Babel parses its pattern on every call; a batch formats the same few values again and again.
# Equal Decimals (12.5, 12.50) format alike in each of these, so equal keys may share a result.
@lru_cache(maxsize=8192)
def _money(value: Decimal, currency: str, locale: str) -> str:
    return fmt.money(value, currency, locale)


@lru_cache(maxsize=1024)
def _percent(value: Decimal, locale: str) -> str:
    return fmt.percent(value, locale)


@lru_cache(maxsize=4096)
def _day(value: date, locale: str) -> str:
    return fmt.day(value, locale)


@lru_cache(maxsize=4096)
def _qty(value: int, locale: str) -> str:
    return fmt.number(value, locale)


class _Formats:
    def __init__(self, currency: str, locale: str) -> None:
        self.currency, self.locale = currency, locale

    def money(self, value: Decimal) -> str:
        return _money(value, self.currency, self.locale)

    def percent(self, value: Decimal) -> str:
        return _percent(value, self.locale)

    def day(self, value: date) -> str:
        return _day(value, self.locale)

    def qty(self, value: int) -> str:
        return _qty(value, self.locale)


def _header(head: Letterhead) -> Table:
    rows: list[tuple[str, str, float, Any]] = [(head.name, BOLD, 14, colors.black)]
    if head.address:
        rows.append((head.address, REGULAR, 9, colors.black))
    if head.tax_id:
        rows.append((f"Tax ID: {head.tax_id}", REGULAR, 9, colors.black))
    left = _block(rows, WIDTH - 55 * mm)
    logo = _logo(head.logo)
    table = Table([[left, logo or ""]], colWidths=[WIDTH - 55 * mm, 55 * mm])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 0), (1, 0), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, RULE),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 3 * mm),
    ]))
    return table


def _parties(doc: PrintedDocument, f: _Formats) -> Table:
    who = "Deliver to" if doc.kind == "delivery_note" else "Bill to"
    rows: list[tuple[str, str, float, Any]] = [
        (who, REGULAR, 7.5, GREY), (doc.customer.name, REGULAR, 9, colors.black)]
    if doc.customer.address:
        rows.append((doc.customer.address, REGULAR, 9, colors.black))
    if doc.customer.tax_id:
        rows.append((f"Tax ID: {doc.customer.tax_id}", REGULAR, 9, colors.black))
    customer = _block(rows, WIDTH - 82 * mm)
    facts = [
        [label, _cell(f.day(value) if isinstance(value, date) else str(value), 45 * mm, 9)]
        for label, value in doc.facts
    ]
    facts_table = Table(facts, colWidths=[30 * mm, 45 * mm])
    facts_table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (0, -1), 7.5),
        ("TEXTCOLOR", (0, 0), (0, -1), GREY),
        ("FONTSIZE", (1, 0), (1, -1), 9),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    table = Table([[customer, facts_table]], colWidths=[WIDTH - 78 * mm, 78 * mm])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
    ]))
    return table


_TABLE_STYLE = [
    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
    ("LEADING", (0, 0), (-1, -1), 10.5),
    ("FONTNAME", (0, 0), (-1, 0), BOLD),
    ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
    ("LINEBELOW", (0, 0), (-1, 0), 0.75, RULE),
    ("LINEBELOW", (0, -1), (-1, -1), 0.75, RULE),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
]


def _lines_table(doc: PrintedDocument, f: _Formats) -> Table:
    _kit()  # fonts registered before the table measures text
    if doc.kind == "delivery_note":
        header = ["#", "SKU", "Description", "Ordered", "Delivered", "Still pending"]
        fixed = [8 * mm, 30 * mm, 0, 20 * mm, 20 * mm, 24 * mm]
        rows = [
            [str(ln.position), ln.sku, ln.description, f.qty(ln.qty_ordered), f.qty(ln.qty),
             f.qty(ln.qty_pending)]
            for ln in doc.lines
        ]
        numeric = range(3, 6)
    else:
        header = ["#", "SKU", "Description", "Qty", "Unit price", "Disc.", "Tax", "Net amount"]
        fixed = [8 * mm, 22 * mm, 0, 12 * mm, 22 * mm, 13 * mm, 12 * mm, 25 * mm]
        rows = [
            [str(ln.position), ln.sku, ln.description, f.qty(ln.qty), f.money(ln.unit_price),
             f.percent(ln.discount) if ln.discount else "", f.percent(ln.tax_rate),
             f.money(ln.net)]
            for ln in doc.lines
        ]
        numeric = range(3, 8)
    widths = [w or WIDTH - sum(fixed) for w in fixed]
    for row in rows:  # SKU and description: plain text when it fits, else wrapped
        row[1] = _cell(row[1], widths[1])
        row[2] = _cell(row[2], widths[2])
    table = Table([header, *rows], colWidths=widths, repeatRows=1)
    style = list(_TABLE_STYLE)
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in numeric]
    style.append(("ALIGN", (0, 0), (0, -1), "RIGHT"))
    if len(rows) > 1:
        style.append(("LINEBELOW", (0, 1), (-1, -2), 0.25, LIGHT))
    table.setStyle(TableStyle(style))
    return table


def _totals(doc: PrintedDocument, f: _Formats) -> Flowable:
    _kit()  # fonts registered before the table measures text
    total_label = "Total credited" if doc.kind == "credit_note" else "Total due"
    rows: list[list[Any]] = [["Tax rate", "Net", "Tax"]]
    rows += [[f.percent(t.rate), f.money(t.net), f.money(t.tax)] for t in doc.tax_rows]
    first_total = len(rows)
    rows += [
        ["Net total", "", f.money(doc.net)],
        ["Tax total", "", f.money(doc.tax)],
        [total_label, "", f.money(doc.gross)],
    ]
    table = Table(rows, colWidths=[34 * mm, 30 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("TEXTCOLOR", (0, 0), (-1, 0), GREY),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
        ("LINEABOVE", (0, first_total), (-1, first_total), 0.5, RULE),
        ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black),
        ("FONTNAME", (0, -1), (-1, -1), BOLD),
        ("FONTSIZE", (0, -1), (-1, -1), 10),
        ("TOPPADDING", (0, -1), (-1, -1), 4),
    ]))
    return KeepTogether([Spacer(1, 4 * mm), table])


def _backorder_text(doc: PrintedDocument, f: _Formats) -> str | None:
    b = doc.backorder
    if b is None:
        return None
    what = "This invoice" if doc.kind == "invoice" else "This delivery"
    text = f"{what} is a partial delivery of order {b.order}"
    if b.earlier_deliveries:
        n = b.earlier_deliveries
        text += f" ({n} earlier deliver{'y' if n == 1 else 'ies'})"
    if not b.pending:
        return text + ". Nothing more is pending on the order after this delivery."
    shown = [f"{f.qty(qty)} × {sku} ({desc})" for sku, desc, qty in b.pending[:MAX_PENDING_SHOWN]]
    more = len(b.pending) - MAX_PENDING_SHOWN
    if more > 0:
        shown.append(f"and {more} more line{'s' if more > 1 else ''}")
    return text + ". Still pending after this delivery: " + "; ".join(shown) + "."


def _payment_terms(doc: PrintedDocument, head: Letterhead, f: _Formats) -> str | None:
    if doc.kind != "invoice" or doc.issue_date is None or doc.due_date is None:
        return None
    if head.payment_terms_text.strip():
        return head.payment_terms_text
    days = (doc.due_date - doc.issue_date).days
    if days <= 0:
        return f"Payable on receipt ({f.day(doc.due_date)})."
    return f"Payable within {days} days of the invoice date, by {f.day(doc.due_date)}."


def _flowables(doc: PrintedDocument, head: Letterhead, seq: int, locale: str) -> list[Flowable]:
    head = _as_issued(head, doc)
    kit = _kit()
    f = _Formats(doc.currency, locale)
    story: list[Flowable] = [
        _Mark(seq, f"{head.name} · {doc.title} {doc.number}"),
        _header(head),
        Spacer(1, 6 * mm),
        Paragraph(f"{escape(doc.title)} {markup(doc.number)}", kit.title),
        _parties(doc, f),
        Spacer(1, 6 * mm),
    ]
    backorder = _backorder_text(doc, f)
    if backorder:
        box = Table([[_p(backorder, kit.note)]], colWidths=[WIDTH])
        box.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 0.5, RULE),
            ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F7F7F7")),
        ]))
        story += [box, Spacer(1, 4 * mm)]
    story.append(_lines_table(doc, f))
    if doc.kind != "delivery_note":
        story.append(_totals(doc, f))
    texts = list(doc.notes)
    if doc.corrects:
        invoice, invoice_date, return_number, reason = doc.corrects
        texts.append(f"This credit note corrects invoice {invoice} of {f.day(invoice_date)} "
                     f"for the goods returned on {return_number} (reason: {reason}).")
    terms = _payment_terms(doc, head, f)
    if terms:
        texts.insert(0, terms)
    if texts:
        story.append(Spacer(1, 6 * mm))
        story += [_p(t, kit.note) for t in texts]
    return story


def _build(docs: Sequence[PrintedDocument], head: Letterhead, locale: str | None) -> bytes:
    if not docs:
        raise InvalidInput("There is nothing to print.")
    locale = locale or fmt.user_locale()
    story: list[Flowable] = []
    for seq, doc in enumerate(docs):
        if seq:
            story.append(PageBreak())
        story += _flowables(doc, head, seq, locale)
    out = io.BytesIO()
    first = docs[0]
    template = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=BOTTOM, title=f"{first.title} {first.number}" if len(docs) == 1 else
        f"{len(docs)} documents", author=_as_issued(head, first).name, creator="ShopDesk",
        invariant=1,  # no timestamps or random ids: the same rows print the same bytes
    )
    template.build(story, canvasmaker=_NumberedCanvas)
    return out.getvalue()


# -- public API ---------------------------------------------------------------------------------


def render_invoice(session: Session, number: str, *, locale: str | None = None) -> bytes:
    return _build([load_invoice(session, number)], letterhead(session), locale)


def render_credit_note(session: Session, number: str, *, locale: str | None = None) -> bytes:
    return _build([load_credit_note(session, number)], letterhead(session), locale)


def render_delivery_note(session: Session, number: str, *, locale: str | None = None) -> bytes:
    return _build([load_delivery_note(session, number)], letterhead(session), locale)


def render_invoices(
    session: Session, numbers: Iterable[str], *, locale: str | None = None
) -> bytes:
    """Several invoices in one PDF; each starts on a new page and numbers its own pages."""
    return _build([load_invoice(session, n) for n in numbers], letterhead(session), locale)


def invoice_numbers(
    session: Session, date_from: date | None = None, date_to: date | None = None
) -> list[str]:
    stmt = select(Invoice.number).order_by(Invoice.issue_date, Invoice.id)
    if date_from is not None:
        stmt = stmt.where(Invoice.issue_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Invoice.issue_date <= date_to)
    return list(session.execute(stmt).scalars())


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(number: str) -> str:
    return (_UNSAFE.sub("_", number).strip("._") or "document") + ".pdf"


def write_invoices(
    session: Session,
    date_from: date | None,
    date_to: date | None,
    folder: Path | str,
    *,
    locale: str | None = None,
) -> list[Path]:
    """One PDF per invoice issued between the dates (inclusive) into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    head = letterhead(session)
    written = []
    for number in invoice_numbers(session, date_from, date_to):
        path = folder / safe_filename(number)
        data = _build([load_invoice(session, number)], head, locale)
        tmp = path.with_suffix(".pdf.part")
        tmp.write_bytes(data)
        tmp.replace(path)  # never a half-written PDF under the real name
        written.append(path)
    return written
