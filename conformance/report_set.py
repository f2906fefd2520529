"""The end of a run: report.html, report.pdf (signed when a certificate is given) and bundle.zip.

`hsba appraise` and `hsba demo` call :func:`prepare` before the run (a wrong certificate or password is a
configuration problem, found before anything runs) and :func:`write_report_set` after results.json exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.bundle import write_bundle
from conformance.messages import Msg
from conformance.report_html import write_html
from conformance.report_pdf import render_pdf
from conformance.report_sign import ReportSigner, SigningOptions, load_signer, sign_pdf

REASON = Msg("Hội đồng thẩm định xác nhận biên bản thẩm định phần mềm HSBA điện tử",
             "The appraisal council certifies the EMR appraisal record")


@dataclass
class ReportSet:
    html: Path
    pdf: Path
    bundle: Path
    signed: bool
    timestamped: bool
    notes: list[Msg] = field(default_factory=list)


def prepare(options: SigningOptions | None) -> ReportSigner | None:
    """The signer for this run (raises :class:`conformance.report_sign.SigningError`), or None: unsigned."""
    return load_signer(options) if options is not None else None


def write_report_set(out_dir: Path, document: dict[str, Any], signer: ReportSigner | None,
                     secrets: set[str] | None = None) -> ReportSet:
    html = write_html(document, out_dir, secrets)
    pdf_bytes = render_pdf(document, secrets)
    notes: list[Msg] = []
    if signer is not None:
        location = str((document.get("target") or {}).get("facility", {}).get("name", "")) or "Việt Nam"
        pdf_bytes = sign_pdf(pdf_bytes, signer, reason=REASON, location=location)
        if not signer.timestamped:
            notes.append(Msg("report.pdf đã ký nhưng KHÔNG có dấu thời gian (không có --tsa-url)",
                             "report.pdf is signed but has NO timestamp (no --tsa-url given)"))
    else:
        notes.append(Msg("report.pdf và manifest CHƯA được ký (không có --sign-with): hsba verify sẽ báo không đạt",
                         "report.pdf and the manifest are NOT signed (no --sign-with): hsba verify will fail"))
    pdf = out_dir / "report.pdf"
    pdf.write_bytes(pdf_bytes)
    bundle = write_bundle(out_dir, document, signer)
    return ReportSet(html, pdf, bundle, signer is not None, bool(signer and signer.timestamped), notes)
