"""Text of a PDF as a reader sees it, bounded: for checks of printed content (e.g. the conversion mark).

Trích văn bản của tệp PDF (có giới hạn kích thước, số trang), để kiểm tra nội dung in như dấu hiệu chuyển đổi.
"""

from __future__ import annotations

import io
import logging
import unicodedata

from pypdf import PdfReader

MAX_BYTES = 32 * 1024 * 1024
MAX_PAGES = 200

logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfTextError(Exception):
    """The PDF's text cannot be read (encrypted, malformed, too large)."""


def pdf_text(data: bytes) -> str:
    """All pages' text, NFC-normalised; raises :class:`PdfTextError`."""
    if len(data) > MAX_BYTES:
        raise PdfTextError(f"file too large ({len(data)} bytes)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfTextError("the PDF is encrypted")
        pages = reader.pages[:MAX_PAGES]
        text = "\n".join(page.extract_text() or "" for page in pages)
    except PdfTextError:
        raise
    except Exception as exc:  # pypdf raises many kinds on malformed files
        raise PdfTextError(f"{type(exc).__name__}: {exc}") from None
    return unicodedata.normalize("NFC", text)
