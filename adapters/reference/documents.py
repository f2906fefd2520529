"""The reference EMR's clinical documents as PDF: rendering (Unicode, DejaVu), metadata, the printed copy with
its conversion mark (NĐ 137/2024 Đ5; Luật GDĐT 2023 Đ12).

Tài liệu lâm sàng dạng PDF của hệ thống mẫu: dựng trang (Unicode), siêu dữ liệu, bản in có dấu hiệu chuyển đổi.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from conformance.resources import data_path

SYSTEM_NAME = "HSBA Reference EMR (TEST)"
OWNER_NAME = "Bệnh viện Đa khoa HSBA Thử nghiệm (TEST)"
CONVERSION_MARK = "BẢN CHUYỂN ĐỔI TỪ VĂN BẢN ĐIỆN TỬ"
SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@lru_cache(maxsize=2)
def font_file(bold: bool = False) -> Path:
    """DejaVu Sans: from the project's report fonts when shipped (reports/fonts), else the system's."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        shipped = data_path("reports", "fonts", name)
        if shipped.is_file():
            return shipped
    except (FileNotFoundError, ModuleNotFoundError):
        pass
    system = SYSTEM_FONT_DIR / name
    if system.is_file():
        return system
    raise FileNotFoundError(f"no DejaVu font found ({name}); install fonts-dejavu-core")


@dataclass(frozen=True)
class DocumentContent:
    doc_type: str
    title: str
    patient: str
    encounter_id: str
    department: str
    lines: tuple[str, ...]
    signature_lines: tuple[str, ...] = ()  # "Bác sĩ điều trị", ... printed where the signers sign


def _pdf(content: DocumentContent, author: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_compression(True)
    pdf.add_font("DejaVu", "", str(font_file()))
    pdf.add_font("DejaVu", "B", str(font_file(bold=True)))
    pdf.set_title(content.title)
    pdf.set_author(author)
    pdf.set_subject(f"{content.doc_type} {content.encounter_id}")
    pdf.set_creator(SYSTEM_NAME)
    pdf.set_producer(SYSTEM_NAME)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 6, OWNER_NAME, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, f"Khoa: {content.department}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(0, 10, content.title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 7, f"Người bệnh: {content.patient}    Mã đợt điều trị: {content.encounter_id}",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for line in content.lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 10)
    for label in content.signature_lines:
        pdf.cell(0, 6, f"{label}: (ký số)", new_x="LMARGIN", new_y="NEXT")
    return pdf


def render(content: DocumentContent, author: str) -> bytes:
    """The document as issued, before any signature."""
    return bytes(_pdf(content, author).output())


def render_with_signature_image(content: DocumentContent, author: str) -> bytes:
    """A document 'signed' with a picture of a handwritten signature and no digital signature at all."""
    pdf = _pdf(content, author)
    pdf.ln(2)
    y = pdf.get_y()
    pdf.set_line_width(0.6)
    pdf.bezier([(30, y + 10), (40, y), (50, y + 18), (60, y + 4)])
    pdf.bezier([(60, y + 4), (64, y + 2), (68, y + 16), (72, y + 8)])
    pdf.set_font("DejaVu", "", 9)
    pdf.set_xy(30, y + 18)
    pdf.cell(0, 5, "(đã ký)")
    return bytes(pdf.output())


@dataclass(frozen=True)
class ConversionMark:
    lookup_code: str
    converted_at: str  # dd/mm/yyyy HH:MM (+07:00)
    converter: str  # who printed the copy


def render_printed_copy(content: DocumentContent, author: str, mark: ConversionMark | None) -> bytes:
    """The copy for printing (a paper document converted from the electronic one). ``mark=None`` leaves the
    conversion mark out (the fault that omits it)."""
    pdf = _pdf(content, author)
    if mark is not None:
        pdf.ln(8)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(0, 6, CONVERSION_MARK, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        for line in (f"Hệ thống thông tin: {SYSTEM_NAME}",
                     f"Chủ quản hệ thống: {OWNER_NAME}",
                     f"Mã tra cứu: {mark.lookup_code}",
                     f"Thời gian chuyển đổi: {mark.converted_at}",
                     f"Người thực hiện chuyển đổi: {mark.converter}"):
            pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def modify_page_text(pdf_bytes: bytes, marker: str) -> bytes:
    """An incremental update that rewrites the first page's content after signing (a content change)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=f"BT /F1 12 Tf 72 72 Td ({marker}) Tj ET".encode("latin-1"))
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
