"""The PDF (PAdES) signature validator: every signature and document timestamp of a file, judged like a
trust-service validator (ETSI EN 319 102-1 indications), never raising.

Kiểm tra chữ ký số trên tệp PDF: từng chữ ký và dấu thời gian tài liệu; mọi lỗi trở thành kết luận
INDETERMINATE kèm lý do, không bao giờ làm dừng chương trình.

Per signature: intact (the signed bytes hash to the signed digest, the signature value verifies), coverage
(entire file / entire revision / partial), changes after signing (form filling and LTA updates allowed; content
or page changes not — analysed once per document, :mod:`conformance.pdf_revisions`), the signer's certificate
chained to the :class:`~conformance.trust.TrustStore` and judged at the signing time (the embedded RFC 3161
timestamp when there is one) with the supplied revocation data plus the revocation data embedded in the file
(DSS), the signer's name and title, the signing time. The signing policy's constraints
(:class:`~conformance.signing_policy.Constraints`) add FAIL/WARN/INFORM checks.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import KeyUsageConstraints
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from conformance import pdf_fast
from conformance.messages import Msg
from conformance.pdf_revisions import LEVEL_WORDS, AnalysisTimeout, RevisionAnalysis
from conformance.signature_report import FileSignatures, SignatureReport, signer_identity
from conformance.signing_policy import Constraints
from conformance.trust import INDETERMINATE, TOTAL_FAILED, TOTAL_PASSED, TrustStore

# pyHanko logs every failed check with its traceback; the verdicts carry the reasons instead.
for _logger in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_logger).setLevel(logging.CRITICAL)

pdf_fast.install()

MAX_PDF_BYTES = 64 * 1024 * 1024
DEFAULT_TIME_LIMIT = 60.0  # seconds per file
MAX_SIGNATURES = 500

COVERAGE_WORDS = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}
ALLOWED_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)
# Key usage a signer's certificate needs for a document signature (either bit is accepted).
KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)


def _indeterminate_file(name: str, vi: str, en: str) -> FileSignatures:
    return FileSignatures(name, [], Msg(vi, en))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _timestamp_time(emb: EmbeddedPdfSignature) -> datetime | None:
    """The time in the signature's embedded RFC 3161 timestamp token (unverified here; pyHanko verifies it)."""
    attrs = emb.signer_info["unsigned_attrs"]
    if not attrs or attrs.native is None:
        return None
    for attr in attrs:
        if attr["type"].native == "signature_time_stamp_token":
            token: cms.ContentInfo = attr["values"][0]
            tst = token["content"]["encap_content_info"]["content"].parsed
            value = tst["gen_time"].native
            return value if isinstance(value, datetime) else None
    return None


def _embedded_revocation(reader: PdfFileReader) -> tuple[list[asn1_crl.CertificateList], list[asn1_ocsp.OCSPResponse],
                                                          list[asn1_x509.Certificate]]:
    """CRLs, OCSP responses and certificates kept in the document security store (LTV material)."""
    crls: list[asn1_crl.CertificateList] = []
    ocsps: list[asn1_ocsp.OCSPResponse] = []
    certs: list[asn1_x509.Certificate] = []
    try:
        dss = reader.root.get("/DSS")
    except Exception:
        return crls, ocsps, certs
    if dss is None:
        return crls, ocsps, certs
    dss = dss.get_object()
    for key, kind, out in (("/CRLs", asn1_crl.CertificateList, crls), ("/OCSPs", asn1_ocsp.OCSPResponse, ocsps),
                           ("/Certs", asn1_x509.Certificate, certs)):
        for ref in dss.get(key, []) or []:
            try:
                out.append(kind.load(ref.get_object().data))
            except Exception:  # a broken LTV item is ignored; validation proceeds without it
                continue
    return crls, ocsps, certs


class _Context:
    """What every signature of one file shares: trust, embedded revocation data, the revision analysis."""

    def __init__(self, reader: PdfFileReader, trust: TrustStore | None, at: datetime | None,
                 constraints: Constraints, known_titles: tuple[str, ...], deadline: float) -> None:
        self.reader = reader
        self.trust = trust
        self.at = at
        self.constraints = constraints
        self.known_titles = known_titles
        self.deadline = deadline
        self.crls, self.ocsps, self.certs = _embedded_revocation(reader)
        self.revisions = RevisionAnalysis(reader, deadline=deadline)

    def validation_context(self, moment: datetime, extra: list[asn1_x509.Certificate]) -> ValidationContext:
        trust = self.trust
        roots = list(trust.anchors) if trust else []
        others = [*(trust.intermediates if trust else ()), *self.certs, *extra]
        return ValidationContext(
            trust_roots=roots, other_certs=others,
            crls=[*(trust.crls if trust else ()), *self.crls], ocsps=[*(trust.ocsps if trust else ()), *self.ocsps],
            allow_fetching=bool(trust and trust.allow_fetching), moment=moment, revocation_mode="soft-fail",
            retroactive_revinfo=True)


def _indication_of(sub: Any) -> tuple[str, str]:
    return (TOTAL_FAILED if isinstance(sub, AdESFailure) else INDETERMINATE), sub.name


async def _signature(ctx: _Context, index: int, emb: EmbeddedPdfSignature) -> SignatureReport:
    ts_time = _timestamp_time(emb)
    claimed = emb.self_reported_timestamp
    moment = ctx.at or ts_time or claimed or datetime.now(UTC)
    vc = ctx.validation_context(moment, list(emb.other_embedded_certs))
    status = await async_validate_pdf_signature(emb, signer_validation_context=vc, skip_diff=True,
                                                key_usage_settings=KEY_USAGE)
    ident = signer_identity(emb.signer_cert, ctx.known_titles)
    cert = emb.signer_cert
    details: dict[str, Any] = {
        "field": emb.fq_name, "revision": emb.signed_revision,
        "certificate": {"subject": cert.subject.human_friendly, "issuer": cert.issuer.human_friendly,
                        "serial": format(cert.serial_number, "x"),
                        "not_before": _iso(cert.not_valid_before), "not_after": _iso(cert.not_valid_after),
                        "organisation_certificate": _is_organisation(cert)},
        "validated_at": moment.isoformat(), "claimed_signing_time": _iso(claimed),
        "timestamp_time": _iso(ts_time), "ltv": {"crls": len(ctx.crls), "ocsps": len(ctx.ocsps)},
    }
    tsv = status.timestamp_validity
    timestamped = tsv is not None
    if tsv is not None:
        details["timestamp"] = {"intact": tsv.intact, "valid": tsv.valid, "trusted": tsv.trusted,
                                "time": _iso(tsv.timestamp)}
    report = SignatureReport(index=index, kind="pdf", indication=TOTAL_PASSED, signer=ident.name, title=ident.title,
                             title_source=ident.title_source, signing_time=_iso(ts_time or claimed),
                             intact=bool(status.intact), trusted=bool(status.trusted),
                             coverage=COVERAGE_WORDS.get(status.coverage, "unclear") if status.coverage else "unclear",
                             timestamped=timestamped, details=details)
    _judge_modifications(ctx, emb, report)
    problems: list[tuple[str, str | None, Msg]] = []
    if not status.intact:
        problems.append((TOTAL_FAILED, "HASH_FAILURE", Msg("nội dung đã ký bị thay đổi (sai giá trị băm)",
                                                           "the signed content was altered (hash mismatch)")))
    elif not status.valid:
        problems.append((TOTAL_FAILED, "SIG_CRYPTO_FAILURE", Msg("giá trị chữ ký không kiểm được bằng khóa công khai",
                                                                 "the signature value does not verify")))
    if report.coverage in ("partial", "unclear"):
        problems.append((TOTAL_FAILED, "FORMAT_FAILURE", Msg("chữ ký không bao trùm trọn một phiên bản của tệp",
                                                             "the signature does not cover a whole revision")))
    if report.modification == "other":
        problems.append((TOTAL_FAILED, "SIG_CONSTRAINTS_FAILURE",
                         Msg("tài liệu bị sửa nội dung hoặc trang sau khi ký",
                             "the document's content or pages were changed after signing")))
    if status.trust_problem_indic is not None:
        indication, sub = _indication_of(status.trust_problem_indic)
        revoked_at = status.revocation_details.revocation_date if status.revocation_details else None
        if sub == "REVOKED_NO_POE" and revoked_at is not None and revoked_at <= moment:
            # the signature's own time (its timestamp, or the claimed time) is after the revocation
            indication, sub = TOTAL_FAILED, "REVOKED"
            details["revoked_at"] = revoked_at.isoformat()
        problems.append((indication, sub, _trust_message(sub)))
    elif not status.trusted:
        problems.append((INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND",
                         _trust_message("NO_CERTIFICATE_CHAIN_FOUND")))
    if tsv is not None and not (tsv.intact and tsv.valid):
        problems.append((TOTAL_FAILED, "FORMAT_FAILURE",
                         Msg("dấu thời gian của chữ ký không hợp lệ", "the signature's timestamp is not valid")))
    _constraints(ctx.constraints, report, problems, tsv is not None and bool(tsv.valid and tsv.trusted),
                 bool(ctx.crls or ctx.ocsps))
    _settle(report, problems)
    return report


def _is_organisation(cert: asn1_x509.Certificate) -> bool:
    """An organisation's own certificate: no title, the common name is the organisation's name."""
    subject = cert.subject.native
    return bool(subject.get("common_name") and subject.get("common_name") == subject.get("organization_name")
                and not subject.get("title"))


def _trust_message(sub: str) -> Msg:
    texts = {
        "REVOKED": ("chứng thư số của người ký đã bị thu hồi tại thời điểm ký",
                    "the signer's certificate was revoked at the signing time"),
        "REVOKED_NO_POE": ("chứng thư số đã bị thu hồi, không có bằng chứng chữ ký có trước thời điểm thu hồi",
                           "the certificate is revoked and nothing proves the signature came earlier"),
        "OUT_OF_BOUNDS_NO_POE": ("chứng thư số hết hạn (hoặc chưa có hiệu lực) tại thời điểm ký",
                                 "the certificate had expired (or was not yet valid) at the signing time"),
        "NOT_YET_VALID": ("chứng thư số chưa có hiệu lực tại thời điểm ký",
                          "the certificate was not yet valid at the signing time"),
        "EXPIRED": ("chứng thư số đã hết hạn", "the certificate has expired"),
        "NO_CERTIFICATE_CHAIN_FOUND": ("không dựng được chuỗi chứng thư tới tổ chức chứng thực tin cậy",
                                       "no certificate chain to a trusted authority"),
    }
    vi, en = texts.get(sub, (f"chứng thư số không hợp lệ ({sub})", f"the certificate is not valid ({sub})"))
    return Msg(vi, en)


def _judge_modifications(ctx: _Context, emb: EmbeddedPdfSignature, report: SignatureReport) -> None:
    if report.coverage == "entire_file":
        report.modification = "none"
        return
    if report.coverage != "entire_revision":
        report.modification = "other"
        return
    level, reason = ctx.revisions.after(emb)
    report.modification = LEVEL_WORDS[level]
    if reason:
        report.details["modification_reason"] = reason


def _constraints(c: Constraints, report: SignatureReport, problems: list[tuple[str, str | None, Msg]],
                 has_timestamp: bool, has_ltv: bool) -> None:
    organisation = bool(report.details.get("certificate", {}).get("organisation_certificate"))
    checks = [
        (c.signer_title, bool(report.signer and (report.title or organisation)), "signer_title",
         Msg("chứng thư số không ghi họ tên và chức danh người ký", "the certificate names no signer and title")),
        (c.signing_time, report.signing_time is not None, "signing_time",
         Msg("chữ ký không có thời điểm ký", "the signature has no signing time")),
        (c.signature_timestamp, has_timestamp, "signature_timestamp",
         Msg("chữ ký không có dấu thời gian RFC 3161 hợp lệ", "the signature has no valid RFC 3161 timestamp")),
        (c.revocation_data_embedded, has_ltv, "revocation_data_embedded",
         Msg("tệp không kèm dữ liệu thu hồi (LTV)", "the file carries no revocation data (LTV)")),
        (c.annotations_after_signing, report.modification != "annotations", "annotations_after_signing",
         Msg("có chú thích được thêm sau khi ký", "annotations were added after signing")),
    ]
    notes: dict[str, str] = {}
    for level, ok, key, msg in checks:
        if ok or level == "IGNORE":
            continue
        notes[key] = level
        if level == "FAIL":
            problems.append((INDETERMINATE, "SIG_CONSTRAINTS_FAILURE", msg))
        else:
            report.details.setdefault("warnings" if level == "WARN" else "information", []).append(msg.to_json())
    if notes:
        report.details["constraints_not_met"] = notes


def _settle(report: SignatureReport, problems: list[tuple[str, str | None, Msg]]) -> None:
    """The worst problem decides the indication (TOTAL_FAILED before INDETERMINATE); all are kept."""
    if not problems:
        report.message = Msg("chữ ký hợp lệ", "the signature is valid")
        return
    problems.sort(key=lambda p: 0 if p[0] == TOTAL_FAILED else 1)
    report.indication, report.sub_indication, report.message = problems[0]
    report.details["problems"] = [{"indication": i, "sub_indication": s, "message": m.to_json()}
                                  for i, s, m in problems]


async def _doc_timestamp(ctx: _Context, index: int, emb: EmbeddedPdfSignature) -> SignatureReport:
    moment = ctx.at or datetime.now(UTC)
    vc = ctx.validation_context(moment, list(emb.other_embedded_certs))
    status = await async_validate_pdf_timestamp(emb, validation_context=vc, skip_diff=True)
    report = SignatureReport(index=index, kind="pdf-timestamp", indication=TOTAL_PASSED,
                             signer=signer_identity(emb.signer_cert).name, signing_time=_iso(status.timestamp),
                             intact=bool(status.intact), trusted=bool(status.trusted),
                             coverage=COVERAGE_WORDS.get(status.coverage, "unclear") if status.coverage else "unclear",
                             timestamped=True, details={"field": emb.fq_name, "revision": emb.signed_revision})
    _judge_modifications(ctx, emb, report)
    problems: list[tuple[str, str | None, Msg]] = []
    if not status.intact or not status.valid:
        problems.append((TOTAL_FAILED, "HASH_FAILURE", Msg("dấu thời gian tài liệu không toàn vẹn",
                                                           "the document timestamp is not intact")))
    if report.modification == "other":
        problems.append((TOTAL_FAILED, "SIG_CONSTRAINTS_FAILURE",
                         Msg("tài liệu bị sửa nội dung sau dấu thời gian", "the document was changed after the "
                             "timestamp")))
    if not status.trusted:
        problems.append((INDETERMINATE, _indication_of(status.trust_problem_indic)[1] if status.trust_problem_indic
                         else "NO_CERTIFICATE_CHAIN_FOUND",
                         Msg("đơn vị cấp dấu thời gian không được tin cậy", "the timestamp authority is not trusted")))
    _settle(report, problems)
    return report


async def _all(ctx: _Context, sigs: list[EmbeddedPdfSignature]) -> list[SignatureReport]:
    reports: list[SignatureReport] = []
    for index, emb in enumerate(sigs):
        if time.monotonic() > ctx.deadline:
            reports.append(SignatureReport(index, "pdf", INDETERMINATE, "GENERIC", message=Msg(
                "hết thời gian cho phép kiểm tra tệp", "the file's time limit ran out")))
            continue
        try:
            if emb.sig_object_type == "/DocTimeStamp":
                reports.append(await _doc_timestamp(ctx, index, emb))
            else:
                reports.append(await _signature(ctx, index, emb))
        except AnalysisTimeout:
            reports.append(SignatureReport(index, "pdf", INDETERMINATE, "GENERIC", message=Msg(
                "hết thời gian cho phép khi phân tích các lần sửa tệp", "the time limit ran out analysing revisions")))
        except Exception as exc:  # any failure inside is a verdict for this signature
            kind = "pdf-timestamp" if _is_timestamp(emb) else "pdf"
            reports.append(SignatureReport(index, kind, INDETERMINATE, "FORMAT_FAILURE", message=Msg(
                f"không kiểm tra được chữ ký: {type(exc).__name__}: {exc}",
                f"the signature could not be checked: {type(exc).__name__}: {exc}")))
    return reports


def _is_timestamp(emb: EmbeddedPdfSignature) -> bool:
    try:
        return bool(emb.sig_object_type == "/DocTimeStamp")
    except Exception:
        return False


def verify_pdf_signatures(data: bytes, *, name: str, trust: TrustStore | None, at: datetime | None = None,
                          constraints: Constraints | None = None, known_titles: tuple[str, ...] = (),
                          time_limit: float = DEFAULT_TIME_LIMIT,
                          max_bytes: int = MAX_PDF_BYTES) -> FileSignatures:
    """Every signature of a PDF file; never raises. ``trust=None`` trusts nothing (every chain fails)."""
    if len(data) > max_bytes:
        return _indeterminate_file(name, f"tệp quá lớn ({len(data)} byte, giới hạn {max_bytes})",
                                   f"file too large ({len(data)} bytes, limit {max_bytes})")
    if not data.lstrip()[:5].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        return _indeterminate_file(name, "không phải tệp PDF", "not a PDF file")
    deadline = time.monotonic() + time_limit
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return _indeterminate_file(name, "tệp PDF được mã hóa: không kiểm tra được chữ ký",
                                       "the PDF is encrypted: its signatures cannot be checked")
        sigs = list(reader.embedded_signatures)
    except Exception as exc:
        return _indeterminate_file(name, f"không đọc được tệp PDF: {type(exc).__name__}: {exc}",
                                   f"the PDF cannot be read: {type(exc).__name__}: {exc}")
    if len(sigs) > MAX_SIGNATURES:
        return _indeterminate_file(name, f"quá nhiều chữ ký ({len(sigs)})", f"too many signatures ({len(sigs)})")
    try:
        ctx = _Context(reader, trust, at, constraints or Constraints(), known_titles, deadline)
        reports = asyncio.run(_all(ctx, sigs))
    except Exception as exc:
        return _indeterminate_file(name, f"lỗi khi kiểm tra chữ ký: {type(exc).__name__}: {exc}",
                                   f"error while checking the signatures: {type(exc).__name__}: {exc}")
    result = FileSignatures(name, reports)
    return result


def revision_steps_compared(data: bytes) -> int:
    """For tests and the benchmark: how many revision comparisons a full validation of ``data`` makes."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    analysis = RevisionAnalysis(reader)
    for emb in reader.embedded_signatures:
        analysis.after(emb)
    return analysis.steps_compared
