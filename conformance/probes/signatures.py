"""Probes of the signatures area (chữ ký số): the documents of a fresh, discharged record are fetched through
the adapter and every signature is checked by the project's validator; each probe judges one property.

A document without any digital signature is judged only by the first probe (KY-01); the others look at the
signatures that exist, so that one defect turns one criterion."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from conformance.adapters.protocol import Capability, Refused
from conformance.messages import Msg
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su
from conformance.probes._record_documents import (
    ALLOWED_AFTER_SIGNING,
    CheckedDocument,
    label,
    record_documents,
    signers_seen,
)
from conformance.signature_report import SignatureReport
from conformance.signing_policy import check_document

REQUIRES = (Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES, Capability.DOCUMENTS)
CHAIN_FAILURES = frozenset({"NO_CERTIFICATE_CHAIN_FOUND", "CHAIN_CONSTRAINTS_FAILURE",
                            "CERTIFICATE_CHAIN_GENERAL_FAILURE", "NO_SIGNING_CERTIFICATE_FOUND"})
REVOCATIONS = frozenset({"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"})
VALIDITY = frozenset({"OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "NOT_YET_VALID", "EXPIRED"})

Check = Callable[[CheckedDocument, SignatureReport], Msg | None]


def _each_signature(ctx: ProbeContext, check: Check, ok: Msg, *, untrusted: Msg | None = None) -> ProbeResult:
    """Judge every signature of the record's documents with ``check``. With ``untrusted`` the check needs the
    trust folder: without one the criterion cannot be decided (nothing would be trusted), said by that message."""
    docs = record_documents(ctx)
    if untrusted is not None and not docs.trusted:
        return indeterminate(untrusted.vi, untrusted.en)
    signed = docs.signed()
    if not signed:
        return indeterminate("không có tài liệu nào mang chữ ký số để kiểm tra",
                             "no document carries a digital signature to check", encounter=docs.encounter_id)
    problems: list[Msg] = []
    count = 0
    for doc in signed:
        for sig in doc.signatures:
            count += 1
            found = check(doc, sig)
            if found is not None:
                problems.append(Msg(f"{label(doc)} chữ ký #{sig.index} ({sig.signer or '?'}): {found.vi}",
                                    f"{label(doc)} signature #{sig.index} ({sig.signer or '?'}): {found.en}"))
    details = {"encounter": docs.encounter_id, "documents": len(docs.documents), "signatures": count,
               "problems": [p.to_json() for p in problems]}
    if problems:
        return failed("; ".join(p.vi for p in problems), "; ".join(p.en for p in problems), **details)
    return passed(f"{count} chữ ký trên {len(signed)} tài liệu: {ok.vi}",
                  f"{count} signatures on {len(signed)} documents: {ok.en}", **details)


@probe("signatures.documents_digitally_signed", requires=REQUIRES)
def documents_digitally_signed(ctx: ProbeContext) -> ProbeResult:
    """Every document of a discharged record carries at least one PDF digital signature (a picture of a
    handwritten signature, or a printed name, is not one)."""
    docs = record_documents(ctx)
    unsigned = [d for d in docs.documents if not d.signatures]
    details = {"encounter": docs.encounter_id, "documents": [label(d) for d in docs.documents],
               "unsigned": [label(d) for d in unsigned]}
    if unsigned:
        names = ", ".join(label(d) for d in unsigned)
        return failed(f"tài liệu không có chữ ký số: {names}", f"documents without a digital signature: {names}",
                      **details)
    return passed(f"cả {len(docs.documents)} tài liệu của hồ sơ đều có chữ ký số",
                  f"all {len(docs.documents)} documents of the record carry a digital signature", **details)


def _integrity(doc: CheckedDocument, sig: SignatureReport) -> Msg | None:
    if sig.intact is not True:
        return Msg("nội dung đã ký không còn toàn vẹn", "the signed content is not intact")
    if sig.coverage not in ("entire_file", "entire_revision"):
        return Msg(f"chữ ký chỉ bao trùm một phần tệp ({sig.coverage})",
                   f"the signature covers only part of the file ({sig.coverage})")
    if sig.modification not in ALLOWED_AFTER_SIGNING:
        return Msg(f"tài liệu bị thay đổi sau khi ký ({sig.modification}: chỉ cho phép điền biểu mẫu, thêm chữ ký "
                   "và dữ liệu kiểm tra lâu dài)",
                   f"the document was changed after signing ({sig.modification}: only form filling, further "
                   "signatures and long-term validation data are allowed)")
    return None


@probe("signatures.intact_and_unchanged", requires=REQUIRES)
def intact_and_unchanged(ctx: ProbeContext) -> ProbeResult:
    """Every signature is intact, covers a whole revision, and nothing but form filling, later signatures and
    LTV data was added after it."""
    return _each_signature(ctx, _integrity, Msg("toàn vẹn, không bị sửa sau khi ký",
                                                "intact, not changed after signing"))


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _validity(doc: CheckedDocument, sig: SignatureReport) -> Msg | None:
    cert = sig.details.get("certificate", {})
    when = _moment(sig.signing_time)
    start, end = _moment(cert.get("not_before")), _moment(cert.get("not_after"))
    if when is not None and start is not None and end is not None and not start <= when <= end:
        return Msg(f"chứng thư số hiệu lực {start.date()}–{end.date()} không bao trùm thời điểm ký {when}",
                   f"the certificate's validity {start.date()}–{end.date()} does not include the signing time {when}")
    if sig.sub_indication in VALIDITY:
        return sig.message or Msg("chứng thư số ngoài thời hạn hiệu lực", "the certificate is outside its validity")
    return None


@probe("signatures.certificate_valid_at_signing", requires=REQUIRES)
def certificate_valid_at_signing(ctx: ProbeContext) -> ProbeResult:
    """Every signer's certificate was within its validity period at the signing time."""
    return _each_signature(ctx, _validity, Msg("chứng thư số còn hiệu lực tại thời điểm ký",
                                               "the certificate was valid at the signing time"))


def _not_revoked(doc: CheckedDocument, sig: SignatureReport) -> Msg | None:
    if sig.sub_indication in REVOCATIONS:
        return sig.message or Msg("chứng thư số đã bị thu hồi", "the certificate is revoked")
    return None


@probe("signatures.certificate_not_revoked", requires=REQUIRES)
def certificate_not_revoked(ctx: ProbeContext) -> ProbeResult:
    """No signer's certificate was revoked at the signing time, per the CRLs/OCSP responses supplied in the
    trust folder and embedded in the document."""
    return _each_signature(ctx, _not_revoked, Msg("không chứng thư số nào bị thu hồi theo dữ liệu thu hồi có sẵn",
                                                  "no certificate is revoked per the revocation data at hand"),
                           untrusted=Msg("chưa cấu hình thư mục tin cậy ([target] trust) nên không kiểm tra được "
                                         "thu hồi", "no trust folder configured ([target] trust): revocation "
                                         "cannot be checked"))


def _chain(doc: CheckedDocument, sig: SignatureReport) -> Msg | None:
    if sig.sub_indication in CHAIN_FAILURES:
        return sig.message or Msg("không dựng được chuỗi tới tổ chức chứng thực tin cậy",
                                  "no chain to a trusted authority")
    return None


@probe("signatures.certificate_trusted", requires=REQUIRES)
def certificate_trusted(ctx: ProbeContext) -> ProbeResult:
    """Every signer's certificate chains to a certification authority of the facility's trust folder."""
    return _each_signature(ctx, _chain, Msg("chứng thư số chuỗi tới tổ chức chứng thực tin cậy",
                                            "the certificates chain to a trusted authority"),
                           untrusted=Msg("chưa cấu hình thư mục tin cậy ([target] trust)",
                                         "no trust folder configured ([target] trust)"))


def _identity(doc: CheckedDocument, sig: SignatureReport) -> Msg | None:
    organisation = bool(sig.details.get("certificate", {}).get("organisation_certificate"))
    if not sig.signer:
        return Msg("chứng thư số không ghi tên người ký", "the certificate names no signer")
    if not sig.title and not organisation:
        return Msg("chứng thư số không ghi chức danh người ký (thuộc tính title, OU hoặc CN)",
                   "the certificate states no title (title attribute, OU or CN)")
    return None


@probe("signatures.signer_name_and_title", requires=REQUIRES)
def signer_name_and_title(ctx: ProbeContext) -> ProbeResult:
    """Every personal signature shows the signer's name and title (chức danh); the facility's own signature
    shows the organisation."""
    return _each_signature(ctx, _identity, Msg("có họ tên và chức danh người ký", "signer name and title shown"))


def _timing(doc: CheckedDocument, sig: SignatureReport) -> Msg | None:
    if not sig.signing_time:
        return Msg("chữ ký không có thời điểm ký", "the signature has no signing time")
    ts = sig.details.get("timestamp") or {}
    if not (ts.get("valid") and ts.get("trusted")):
        return Msg("chữ ký không có dấu thời gian RFC 3161 hợp lệ của đơn vị tin cậy",
                   "the signature has no valid RFC 3161 timestamp from a trusted authority")
    if not (sig.details.get("ltv") or {}).get("crls") and not (sig.details.get("ltv") or {}).get("ocsps"):
        return Msg("tài liệu không kèm dữ liệu thu hồi để kiểm tra lâu dài",
                   "the document carries no revocation data for long-term validation")
    return None


@probe("signatures.signing_time_and_timestamp", requires=REQUIRES)
def signing_time_and_timestamp(ctx: ProbeContext) -> ProbeResult:
    """Every signature has a signing time, a trusted RFC 3161 timestamp and revocation data kept with it."""
    return _each_signature(ctx, _timing, Msg("có thời điểm ký, dấu thời gian và dữ liệu thu hồi đi kèm",
                                             "signing time, timestamp and revocation data present"),
                           untrusted=Msg("chưa cấu hình thư mục tin cậy ([target] trust) nên không xác định được "
                                         "đơn vị cấp dấu thời gian có được tin cậy không",
                                         "no trust folder configured ([target] trust): whether the timestamp "
                                         "authority is trusted cannot be decided"))


def _policy_problems(ctx: ProbeContext, which: int) -> ProbeResult:
    docs = record_documents(ctx)
    judged, problems = [], []
    for doc in docs.signed():
        doc_type = doc.document.doc_type
        rule = docs.policy.documents.get(doc_type or "")
        if doc_type is None or rule is None or (which == 1 and not rule.facility_final):
            continue
        judged.append(label(doc))
        problems += check_document(docs.policy, doc_type, signers_seen(doc))[which]
    details = {"encounter": docs.encounter_id, "policy": docs.policy.name, "judged": judged,
               "problems": [p.to_json() for p in problems]}
    if not judged:
        return indeterminate("không tài liệu đã ký nào thuộc loại mà quy chế ký quy định",
                             "no signed document is of a type the signing policy has a rule for", **details)
    if problems:
        return failed("; ".join(p.vi for p in problems), "; ".join(p.en for p in problems), **details)
    return passed(f"{len(judged)} tài liệu đúng quy chế ký ({docs.policy.name})",
                  f"{len(judged)} documents follow the signing policy ({docs.policy.name})", **details)


@probe("signatures.signing_order", requires=REQUIRES)
def signing_order(ctx: ProbeContext) -> ProbeResult:
    """Each document is signed by the roles its type needs, in the policy's order (roles read from the
    signers' titles)."""
    return _policy_problems(ctx, 0)


@probe("signatures.facility_final_signature", requires=REQUIRES)
def facility_final_signature(ctx: ProbeContext) -> ProbeResult:
    """The record archived at discharge ends with the facility's own signature over the whole document."""
    return _policy_problems(ctx, 1)


def _has_time(evidence: dict[str, Any]) -> bool:
    for value in evidence.values():
        if isinstance(value, str) and _moment(value) is not None and ("T" in value or " " in value):
            return True
    return False


@probe("signatures.patient_confirmation_evidence", requires=(*REQUIRES, Capability.PATIENT_CONFIRMATION))
def patient_confirmation_evidence(ctx: ProbeContext) -> ProbeResult:
    """A patient confirms a record document by each method the target offers (OTP, biometrics, e-signature);
    each confirmation must be kept, bound to the document's hash, with a server time and an evidence record."""
    docs = record_documents(ctx)
    target = docs.documents[0]
    operator = su.session(ctx, "operator_role", "bac_si")
    doc_hash = hashlib.sha256(target.data).hexdigest()
    made, refused, problems = [], [], []
    for method in ctx.param("methods", ["otp", "biometric", "e-signature"]):
        try:
            made.append(operator.confirm_document_as_patient(target.document.id, method))
        except Refused as exc:
            refused.append({"method": method, **su.refusal(exc)})
    kept = {c.id: c for c in operator.patient_confirmations(docs.encounter_id)}
    for c in made:
        name = f"{c.method} ({c.id})"
        stored = kept.get(c.id)
        if stored is None:
            problems.append(Msg(f"{name}: không còn trong danh sách xác nhận của hồ sơ",
                                f"{name}: not kept among the record's confirmations"))
            continue
        bound = stored.document_sha256 == doc_hash or doc_hash in map(str, stored.evidence.values())
        missing = [k for k, ok in (("evidence", bool(stored.evidence)), ("evidence time", _has_time(stored.evidence)),
                                   ("document hash", bound), ("confirmed_at", stored.confirmed_at is not None),
                                   ("confirmed_by", bool(stored.confirmed_by)),
                                   ("document", stored.document_id == target.document.id)) if not ok]
        if missing:
            problems.append(Msg(f"{name}: bản ghi xác nhận thiếu {', '.join(missing)}",
                                f"{name}: the confirmation record lacks {', '.join(missing)}"))
    details = {"document": label(target), "document_sha256": doc_hash, "refused": refused,
               "confirmations": [{"id": c.id, "method": c.method, "confirmed_at": su.iso(c.confirmed_at),
                                  "evidence": sorted(c.evidence)} for c in kept.values()],
               "problems": [p.to_json() for p in problems]}
    ctx.attach("confirmations.json", [c.raw for c in kept.values()])
    if not made:
        return failed("hệ thống không cho người bệnh xác nhận tài liệu bằng phương thức nào",
                      "the target let the patient confirm the document by no method", **details)
    if problems:
        return failed("; ".join(p.vi for p in problems), "; ".join(p.en for p in problems), **details)
    return passed(f"{len(made)} xác nhận của người bệnh ({', '.join(c.method for c in made)}) đều có bản ghi bằng "
                  "chứng gắn với tài liệu",
                  f"{len(made)} patient confirmations ({', '.join(c.method for c in made)}) each keep an evidence "
                  "record bound to the document", **details)
