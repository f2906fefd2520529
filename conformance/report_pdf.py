"""report.pdf: the same appraisal record as report.html, as a PDF with an embedded Unicode font.

DejaVu Sans ships in ``reports/fonts/`` (licence beside it) and is embedded as a subset, so Vietnamese
diacritics come out right on any reader. The PDF is written unsigned here; :mod:`conformance.report_sign`
adds the PAdES signature as an incremental update.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from conformance.report_model import ReportView, build_view
from conformance.resources import data_path

FONT = "DejaVu"
GREY = (90, 90, 90)
VERDICT_COLOURS = {"pass": (26, 127, 55), "fail": (180, 35, 24), "warn": (181, 71, 8), "error": (181, 71, 8),
                   "indeterminate": (181, 71, 8), "manual-pending": (181, 71, 8)}
EVIDENCE_NAMES = 6  # the PDF names the first few evidence files of a criterion; report.html links them all


class _Record(FPDF):
    def __init__(self, view: ReportView) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.view = view
        self.add_font(FONT, "", str(data_path("reports", "fonts", "DejaVuSans.ttf")))
        self.add_font(FONT, "B", str(data_path("reports", "fonts", "DejaVuSans-Bold.ttf")))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.set_title(f"{view.title.vi} — {view.product} {view.product_version}")
        self.set_author(view.facility)
        self.set_subject(view.title.en)
        self.set_creator(view.tool)
        self.set_lang("vi")

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 7)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.view.product} {self.view.product_version} · {self.view.appraisal_date} · "
                        f"Trang / Page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, vi: str, en: str) -> None:
        self.ln(3)
        self.set_font(FONT, "B", 11)
        self.multi_cell(0, 6, vi, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.multi_cell(0, 4, en, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def fact(self, label_vi: str, label_en: str, value: str) -> None:
        self.set_font(FONT, "B", 9)
        self.cell(85, 5, f"{label_vi} / {label_en}")
        self.set_font(FONT, "", 9)
        self.multi_cell(0, 5, value or "—", new_x="LMARGIN", new_y="NEXT")


def _cover(pdf: _Record) -> None:
    v = pdf.view
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, v.title.vi, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, v.title.en, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.heading("I. Thông tin chung", "General information")
    pdf.fact("Cơ sở khám bệnh, chữa bệnh", "Facility",
             v.facility + (f" (mã / code {v.facility_code})" if v.facility_code else ""))
    pdf.fact("Phần mềm HSBA điện tử", "EMR product",
             v.product + (f", phiên bản / version {v.product_version}" if v.product_version else ""))
    pdf.fact("Hồ sơ tiêu chí", "Profile", f"{v.profile_title.vi} / {v.profile_title.en} ({v.profile_id})")
    pdf.fact("Ngày thẩm định", "Appraisal date", v.appraisal_date)
    pdf.fact("Thời gian chạy", "Run", f"{v.started} → {v.finished} ({v.tool})")
    for n in v.notices:
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(0, 4, f"{n.vi} / {n.en}", new_x="LMARGIN", new_y="NEXT")

    pdf.heading("II. Hội đồng thẩm định", "Appraisal council")
    pdf.set_font(FONT, "", 9)
    if v.council:
        for i, m in enumerate(v.council, 1):
            pdf.multi_cell(0, 5, f"{i}. {m['name']} — {m['role']}", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(0, 5, "Chưa có danh sách hội đồng trong kết quả. / No council list in the results.",
                       new_x="LMARGIN", new_y="NEXT")
    if v.attestation:
        pdf.multi_cell(0, 5, f"Biên bản xác nhận / Council attestation: {v.attestation.get('file', '')} "
                             f"SHA-256 {v.attestation.get('sha256', '')} {v.attestation.get('date', '')}",
                       new_x="LMARGIN", new_y="NEXT")

    pdf.heading("III. Kết luận", "Conclusion")
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 7, f"Kết luận thẩm định: {v.overall_label.vi} / Conclusion: {v.overall_label.en}",
             border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, "Kết luận chỉ dựa trên các tiêu chí bắt buộc. / The conclusion rests on mandatory criteria "
                         "only.", new_x="LMARGIN", new_y="NEXT")
    counts = "; ".join(f"{v.verdict_labels[k].vi} / {v.verdict_labels[k].en}: {n}" if k in v.verdict_labels
                       else f"{k}: {n}" for k, n in v.counts.items() if n)
    pdf.multi_cell(0, 5, counts, new_x="LMARGIN", new_y="NEXT")
    if v.coverage:
        pdf.multi_cell(0, 5, "Phạm vi / Coverage: " + " · ".join(f"{k}: {n}" for k, n in v.coverage),
                       new_x="LMARGIN", new_y="NEXT")


def _areas(pdf: _Record) -> None:
    v = pdf.view
    pdf.heading("IV. Kết quả theo nhóm tiêu chí", "Results by area")
    head = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    for number, area in enumerate(v.areas, 1):
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 6, f"{number}. {area.title.vi} / {area.title.en}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 7.5)
        with pdf.table(col_widths=(12, 62, 48, 28, 80, 43), headings_style=head, line_height=3.6,
                       text_align="LEFT", repeat_headings=1) as table:
            table.row(["Mã / Id", "Tiêu chí / Criterion", "Căn cứ / Basis", "Kết quả / Verdict",
                       "Nhận xét / Message", "Bằng chứng / Evidence"])
            for r in area.rows:
                verdict = f"{r.verdict_label.vi} / {r.verdict_label.en}"
                message = f"{r.message.vi}\n{r.message.en}"
                if r.attestation:
                    verdict += "\nHội đồng xác nhận / Attested"
                    message += (f"\nXác nhận / Attestation: {r.attestation['verdict']}, {r.attestation['by']}, "
                                f"{r.attestation['date']}")
                paths = list(r.evidence) + [e["path"] for e in (r.attestation or {}).get("evidence", [])]
                shown = [p.rsplit("/", 1)[-1][:20] for p in paths[:EVIDENCE_NAMES]]
                if len(paths) > EVIDENCE_NAMES:
                    shown.append(f"… +{len(paths) - EVIDENCE_NAMES} (report.html)")
                evidence = f"{len(paths)} tệp / files:\n" + "\n".join(shown) if paths else "—"
                row = table.row()
                row.cell(r.id, style=FontFace(emphasis="BOLD"))
                row.cell(f"{r.title.vi}\n{r.title.en}\n{r.level.vi} · {r.method.vi}")
                row.cell("\n".join(r.basis))
                row.cell(verdict, style=FontFace(emphasis="BOLD", color=VERDICT_COLOURS.get(r.verdict, (0, 0, 0))))
                row.cell(message)
                row.cell(evidence)
        pdf.ln(2)
    pdf.ln(4)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(0, 4, "Bằng chứng: đường dẫn trong gói bundle.zip (evidence/objects/…); kiểm tra bằng "
                         "hsba verify bundle.zip --trust DIR. Định danh người bệnh đã được che.\n"
                         "Evidence: paths inside bundle.zip (evidence/objects/…); check with hsba verify. "
                         "Patient identifiers are masked.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 9)
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.cell(half, 5, "Thư ký hội đồng / Council secretary", align="C")
    pdf.cell(half, 5, "Chủ tịch hội đồng / Council chair", align="C", new_x="LMARGIN", new_y="NEXT")


def render_pdf(document: dict[str, Any], secrets: set[str] | None = None) -> bytes:
    pdf = _Record(build_view(document, secrets))
    pdf.alias_nb_pages()
    pdf.add_page()
    _cover(pdf)
    _areas(pdf)
    return bytes(pdf.output())
