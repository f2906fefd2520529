"""Probes of the BHYT claim export (XD-01..XD-09): ask the target for the GIAMDINHHS submission of a fresh
encounter (or one the target file names) and judge one criterion from the validator's findings.

Phép thử dữ liệu giám định BHYT: yêu cầu hệ thống xuất gói GIAMDINHHS của một đợt điều trị mới tạo và chấm một tiêu
chí từ các phát hiện của bộ kiểm tra (mỗi phát hiện thuộc đúng một tiêu chí).

The export and its validation happen once per run and encounter; each criterion keeps the file and the findings
that belong to it as evidence. Trust for the facility signature comes from the target file (``[target] trust`` =
``"test-pki"`` or a folder); without it the signature's certificate cannot be judged and XD-08 is indeterminate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.adapters.protocol import Capability
from conformance.bhyt_validate import criterion_of, validate_claim_file
from conformance.findings import FileResult
from conformance.probe_api import CannotDecide, ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su
from conformance.target import TargetError
from conformance.trust import TrustStore, TrustStoreError

_CACHE: dict[tuple[int, str], tuple[bytes, FileResult, str]] = {}


def trust_for(ctx: ProbeContext) -> tuple[TrustStore | None, str]:
    """The trust store the target file names (``[target] trust``), or None."""
    target = getattr(ctx, "target", None)
    if target is not None:
        try:
            store = target.trust_store()
        except TargetError as exc:
            raise CannotDecide(f"kho tin cậy không dùng được: {exc.message.vi}",
                               f"the trust store cannot be used: {exc.message.en}") from None
        return store, str(target.trust) if store is not None else "none"
    config = getattr(ctx.adapter, "config", None)  # an adapter built without a target file (tests)
    value = ctx.param("trust") or getattr(config, "trust", None)
    options = getattr(config, "options", None)
    if not value and isinstance(options, dict):
        value = options.get("trust")
    if not value:
        return None, "none"
    if value == "test-pki":
        return TrustStore.test_pki(), "test-pki"
    try:
        return TrustStore.load(Path(str(value))), str(value)
    except TrustStoreError as exc:
        raise CannotDecide(f"kho tin cậy không dùng được: {exc.message.vi}",
                           f"the trust store cannot be used: {exc.message.en}") from None


def claim_of(ctx: ProbeContext) -> tuple[bytes, FileResult, str]:
    """The submission for the encounter the probe uses — the ``encounter`` parameter (the target file's
    ``[probes."exports.bhyt_claim"]``), else the first of ``[exports] encounters``, else a fresh one —
    validated once per run."""
    exporter = su.session(ctx, "export_role", "bac_si")
    target = getattr(ctx, "target", None)
    listed = tuple(getattr(target, "export_encounters", ()) or ())
    encounter_id = ctx.param("encounter") or (listed[0] if listed else None)
    if not encounter_id:
        key = (id(ctx.adapter), "fresh")
        if key in _CACHE:
            return _CACHE[key]
        author = su.session(ctx, "author_role", "bac_si")
        patient = su.new_patient(ctx, author)
        encounter_id = su.new_encounter(ctx, author, patient).id
    else:
        key = (id(ctx.adapter), str(encounter_id))
        if key in _CACHE:
            return _CACHE[key]
    data = exporter.export_claim(str(encounter_id))
    trust, source = trust_for(ctx)
    result = validate_claim_file(data, name=f"giamdinhhs-{encounter_id}.xml", trust=trust)
    result.details["trust"] = source
    _CACHE[key] = (data, result, str(encounter_id))
    return _CACHE[key]


def _summary(result: FileResult, criterion: str) -> dict[str, Any]:
    mine = [f.to_json() for f in result.findings if criterion_of(f) == criterion]
    return {"file": result.file, "verdict": result.verdict, "tables": result.details.get("tables"),
            "findings": mine, "trust": result.details.get("trust")}


def _untrusted_only(result: FileResult) -> bool:
    """The facility signature is intact and covers the submission, but no trust store was given."""
    sigs = (result.details.get("signatures") or {}).get("signatures") or []
    return result.details.get("trust") == "none" and any(
        s.get("intact") and s.get("trusted") is None and s.get("sub_indication") == "NO_CERTIFICATE_CHAIN_FOUND"
        for s in sigs)


@probe("exports.bhyt_claim", requires=(Capability.PATIENTS, Capability.ENCOUNTERS, Capability.EXPORTS))
def bhyt_claim(ctx: ProbeContext) -> ProbeResult:
    """Export the BHYT submission of a fresh encounter and judge the criterion named by ``criterion``
    (default: the criterion being judged) from the findings that belong to it."""
    criterion = str(ctx.param("criterion") or ctx.criterion_id)
    data, result, encounter_id = claim_of(ctx)
    ctx.evidence.add_file(f"giamdinhhs-{encounter_id}.xml", data, "application/xml")
    details = _summary(result, criterion)
    details["encounter"] = encounter_id
    if criterion == "XD-08":
        details["signatures"] = result.details.get("signatures")
    if criterion == "XD-09":
        details["paper_signatures"] = result.details.get("paper_signatures")
    ctx.attach("findings.json", details)
    if result.message is not None:
        if criterion == "XD-01":
            return failed(f"gói hồ sơ không đọc được: {result.message.vi}",
                          f"the submission cannot be read: {result.message.en}", **details)
        return indeterminate(f"gói hồ sơ không đọc được nên không chấm được {criterion}: {result.message.vi}",
                             f"the submission cannot be read, so {criterion} cannot be judged: {result.message.en}",
                             **details)
    errors = [f for f in result.findings if criterion_of(f) == criterion and f.severity == "error"]
    if criterion == "XD-08" and errors and _untrusted_only(result):
        return indeterminate("chữ ký của cơ sở toàn vẹn nhưng tệp cấu hình không nêu kho tin cậy (trust) nên "
                             "không đánh giá được chứng thư số",
                             "the facility signature is intact but the target file names no trust store (trust), "
                             "so the certificate cannot be judged", **details)
    if errors:
        shown = "; ".join(f"{f.message.vi}" for f in errors[:5])
        shown_en = "; ".join(f"{f.message.en}" for f in errors[:5])
        more = f" (+{len(errors) - 5})" if len(errors) > 5 else ""
        return failed(f"{len(errors)} lỗi: {shown}{more}", f"{len(errors)} error(s): {shown_en}{more}", **details)
    warnings = [f for f in result.findings if criterion_of(f) == criterion and f.severity == "warning"]
    note_vi = f"; {len(warnings)} cảnh báo" if warnings else ""
    note_en = f"; {len(warnings)} warning(s)" if warnings else ""
    tables = ", ".join(sorted((result.details.get("tables") or {}), key=lambda t: int(t[3:])))
    return passed(f"gói hồ sơ của đợt {encounter_id} ({tables}) đạt {criterion}{note_vi}",
                  f"the submission of encounter {encounter_id} ({tables}) meets {criterion}{note_en}", **details)
