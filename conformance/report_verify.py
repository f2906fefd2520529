"""Checking the report's two signatures: report.pdf (PAdES) and the bundle manifest (detached CMS).

One function each, :func:`verify_report_pdf` and :func:`verify_detached`, both returning a
:class:`SignatureCheck` — intact (the bytes are what was signed), trusted (the signer chains to the trust
folder, not revoked per its CRLs), and the timestamp if any. Every exception becomes a finding, never a crash.
The trust folder is read by :class:`conformance.trust.TrustStore` (CA certificates, CRLs under ``crl/``, OCSP
responses under ``ocsp/``); nothing is fetched from the network.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import cms, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from conformance.messages import Msg
from conformance.trust import TrustStore


@dataclass
class SignatureCheck:
    intact: bool
    trusted: bool
    signer: str | None
    certificate_sha256: str | None
    timestamp: str | None
    summary: Msg

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted


def validation_context(trust: TrustStore | None) -> ValidationContext:
    """Offline: the trust folder's anchors, intermediates and revocation data; none at all without a folder."""
    if trust is None:
        return ValidationContext(trust_roots=[], allow_fetching=False)
    return trust.validation_context()


_REVOKED = Msg("chứng thư đã bị thu hồi", "the certificate is revoked")
_REASONS = {"REVOKED": _REVOKED, "REVOKED_NO_POE": _REVOKED, "REVOKED_CA_NO_POE": _REVOKED,
            "OUT_OF_BOUNDS_NO_POE": Msg("chứng thư hết hạn hoặc chưa có hiệu lực",
                                        "the certificate is expired or not yet valid"),
            "OUT_OF_BOUNDS_NOT_REVOKED": Msg("chứng thư hết hạn hoặc chưa có hiệu lực",
                                             "the certificate is expired or not yet valid"),
            "NO_CERTIFICATE_CHAIN_FOUND": Msg("không có chuỗi tới CA tin cậy", "no chain to a trusted CA")}


def _summary(intact: bool, trusted: bool, trust: TrustStore | None, signer: str | None, ts: str | None,
             extra: Msg | None = None, reason: str | None = None) -> Msg:
    who = signer or "?"
    if not intact:
        base = Msg(f"chữ ký KHÔNG hợp lệ: nội dung đã bị thay đổi sau khi ký ({who})",
                   f"signature NOT valid: the content changed after signing ({who})")
    elif trusted:
        base = Msg(f"hợp lệ, được tin cậy; người ký: {who}", f"valid and trusted; signer: {who}")
    elif trust is None:
        base = Msg(f"nguyên vẹn, chưa xác định độ tin cậy (không có --trust); người ký: {who}",
                   f"intact, trust unknown (no --trust given); signer: {who}")
    else:
        why = _REASONS.get(reason or "", Msg(f"chuỗi chứng thư hoặc thu hồi {reason or ''}".strip(),
                                             f"certificate chain or revocation {reason or ''}".strip()))
        base = Msg(f"nguyên vẹn nhưng KHÔNG được tin cậy theo {trust.source} ({why.vi}); người ký: {who}",
                   f"intact but NOT trusted by {trust.source} ({why.en}); signer: {who}")
    stamp = Msg(f"; dấu thời gian {ts}", f"; timestamp {ts}") if ts else Msg("; không có dấu thời gian",
                                                                              "; no timestamp")
    vi, en = base.vi + stamp.vi, base.en + stamp.en
    if extra:
        vi, en = f"{vi}; {extra.vi}", f"{en}; {extra.en}"
    return Msg(vi, en)


def _from_status(status: Any, trust: TrustStore | None, extra: Msg | None = None, *,
                 whole: bool = True) -> SignatureCheck:
    cert = status.signing_cert
    signer = _common_name(cert) if cert is not None else None
    ts_status = getattr(status, "timestamp_validity", None)
    ts = ts_status.timestamp.isoformat() if ts_status is not None else None
    ts_ok = ts_status is None or (ts_status.intact and ts_status.valid and (ts_status.trusted or trust is None))
    intact = bool(status.intact and status.valid and whole and (ts_status is None or
                                                                (ts_status.intact and ts_status.valid)))
    trusted = bool(trust is not None and intact and status.trusted and ts_ok)
    digest = hashlib.sha256(cert.dump()).hexdigest() if cert is not None else None
    problem = getattr(status, "trust_problem_indic", None)
    if problem is None and ts_status is not None and not ts_ok:
        problem = ts_status.trust_problem_indic
    reason = getattr(problem, "name", None)
    return SignatureCheck(intact, trusted, signer, digest, ts,
                          _summary(intact, trusted, trust, signer, ts, extra, reason))


def _common_name(cert: x509.Certificate) -> str:
    name = cert.subject.native
    return str(name.get("common_name") or cert.subject.human_friendly)


def _failure(vi: str, en: str) -> SignatureCheck:
    return SignatureCheck(False, False, None, None, None, Msg(vi, en))


def verify_report_pdf(pdf: bytes, trust: TrustStore | None) -> SignatureCheck:
    """The PAdES signature of report.pdf: exactly one, covering the entire file."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception as exc:
        return _failure(f"report.pdf hỏng, không đọc được: {type(exc).__name__}",
                        f"report.pdf is corrupt and cannot be read: {type(exc).__name__}")
    if not signatures:
        return _failure("report.pdf không có chữ ký số", "report.pdf has no digital signature")
    try:
        context = validation_context(trust)
        status = validate_pdf_signature(signatures[-1], context, ts_validation_context=context)
    except Exception as exc:
        return _failure(f"không kiểm tra được chữ ký của report.pdf: {type(exc).__name__}",
                        f"the signature of report.pdf could not be checked: {type(exc).__name__}")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(signatures) == 1
    extra = None if whole else Msg("chữ ký không bao trùm toàn bộ tệp (có phần thêm sau khi ký)",
                                   "the signature does not cover the whole file (content added after signing)")
    return _from_status(status, trust, extra, whole=whole)


def verify_detached(data: bytes, signed_data: cms.SignedData, trust: TrustStore | None) -> SignatureCheck:
    """A detached CMS signature over ``data`` (the bundle manifest)."""
    try:
        context = validation_context(trust)
        status = asyncio.run(async_validate_detached_cms(data, signed_data, signer_validation_context=context,
                                                         ts_validation_context=context))
    except Exception as exc:
        return _failure(f"không kiểm tra được chữ ký của manifest: {type(exc).__name__}",
                        f"the manifest signature could not be checked: {type(exc).__name__}")
    return _from_status(status, trust)
