"""Probes of the documents area (nội dung hồ sơ, bản in): record documents are PDFs with metadata and a
matching hash; a printed copy carries the conversion mark (NĐ 137/2024 Đ5; Luật GDĐT 2023 Đ12)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from conformance.messages import Msg
from conformance.pdf_text import PdfTextError, pdf_text
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su
from conformance.probes._record_documents import label, record_documents
from conformance.probes.signatures import REQUIRES

DATE_TIME = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b.*\d{1,2}:\d{2}|\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@probe("documents.pdf_with_metadata", requires=REQUIRES)
def pdf_with_metadata(ctx: ProbeContext) -> ProbeResult:
    """Every document of a discharged record is a PDF, described by its type, author, time of issue and a
    SHA-256 hash equal to the hash of the bytes served."""
    docs = record_documents(ctx)
    problems: list[Msg] = []
    for doc in docs.documents:
        d, name = doc.document, label(doc)
        if d.media_type.split(";")[0].strip().lower() != "application/pdf" or not doc.data.startswith(b"%PDF-"):
            problems.append(Msg(f"{name}: không phải PDF ({d.media_type})", f"{name}: not a PDF ({d.media_type})"))
        missing = [k for k, v in (("doc_type", d.doc_type), ("author", d.author), ("created_at", d.created_at),
                                  ("sha256", d.sha256)) if not v]
        if missing:
            problems.append(Msg(f"{name}: thiếu siêu dữ liệu {', '.join(missing)}",
                                f"{name}: metadata missing: {', '.join(missing)}"))
        actual = hashlib.sha256(doc.data).hexdigest()
        if d.sha256 and d.sha256.lower() != actual:
            problems.append(Msg(f"{name}: giá trị băm khai báo khác giá trị băm của tệp nhận được",
                                f"{name}: the declared hash differs from the hash of the file served"))
    details = {"encounter": docs.encounter_id, "documents": [label(d) for d in docs.documents],
               "problems": [p.to_json() for p in problems]}
    if problems:
        return failed("; ".join(p.vi for p in problems), "; ".join(p.en for p in problems), **details)
    return passed(f"{len(docs.documents)} tài liệu PDF có đủ loại, tác giả, thời điểm và giá trị băm khớp",
                  f"{len(docs.documents)} PDF documents with type, author, time and a matching hash", **details)


def _fold(text: str) -> str:
    """Lower case without diacritics, for tolerant matching of printed labels."""
    decomposed = unicodedata.normalize("NFD", text.casefold()).replace("đ", "d")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@probe("documents.conversion_mark", requires=(*REQUIRES,))
def conversion_mark(ctx: ProbeContext) -> ProbeResult:
    """The printed copy of each record document carries the conversion mark: the mark itself, the information
    system and its owner, a lookup code (or QR code), the time of conversion and who converted it."""
    docs = record_documents(ctx)
    session = su.session(ctx, "author_role", "bac_si")
    account = session.account
    converter_names = [n for n in ((account.raw.get("full_name") if account else None),
                                   account.username if account else None) if n]
    marks = [_fold(m) for m in ctx.param("mark_phrases", ["chuyển đổi từ văn bản điện tử",
                                                          "chuyển đổi từ tài liệu điện tử"])]
    problems: list[Msg] = []
    checked = 0
    for doc in docs.documents:
        printed = session.print_document(doc.document.id)
        ctx.evidence.add_file(f"ban-in-{doc.document.id}.pdf", printed, "application/pdf")
        try:
            text = pdf_text(printed)
        except PdfTextError as exc:
            return indeterminate(f"không đọc được văn bản của bản in {label(doc)}: {exc}",
                                 f"the printed copy of {label(doc)} cannot be read: {exc}")
        folded = _fold(text)
        checked += 1
        missing: list[tuple[str, str]] = []
        if not any(m in folded for m in marks):
            missing.append(("dấu hiệu chuyển đổi", "the conversion mark"))
        if "he thong" not in folded:
            missing.append(("tên hệ thống thông tin", "the information system's name"))
        if "chu quan" not in folded and "don vi" not in folded:
            missing.append(("tên chủ quản hệ thống", "the system owner's name"))
        if "ma tra cuu" not in folded and "qr" not in folded:
            missing.append(("mã tra cứu hoặc mã QR", "a lookup code or QR code"))
        if not DATE_TIME.search(text):
            missing.append(("thời gian chuyển đổi", "the time of conversion"))
        if converter_names and not any(_fold(n) in folded for n in converter_names):
            missing.append(("người thực hiện chuyển đổi", "who converted it"))
        if missing:
            problems.append(Msg(f"{label(doc)}: bản in thiếu {', '.join(m[0] for m in missing)}",
                                f"{label(doc)}: the printed copy lacks {', '.join(m[1] for m in missing)}"))
    details = {"encounter": docs.encounter_id, "printed": checked, "problems": [p.to_json() for p in problems]}
    if problems:
        return failed("; ".join(p.vi for p in problems), "; ".join(p.en for p in problems), **details)
    return passed(f"{checked} bản in đều có dấu hiệu chuyển đổi đầy đủ",
                  f"all {checked} printed copies carry the full conversion mark", **details)
