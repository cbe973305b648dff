"""Reading generated files back as a person (or a script) would."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    """All text, with runs of whitespace folded to one space."""
    return re.sub(r"\s+", " ", "\n".join(pdf_pages(data)))
