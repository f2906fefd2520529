"""Probes of the CV 365 record export (bản trích xuất HSBA theo phụ lục Công văn 365): XD-10 and following.

The target exports encounters through the adapter (``export_record``) in XML and/or JSON; the shared validator
(:mod:`conformance.cv365`) judges each file; a criterion counts only the findings of its own rule (``rule``
parameter: the rule-id prefix, e.g. ``XD-11``). The encounters are the sample episodes the target file names
(``[exports] encounters``) and, when the adapter can create data, one fresh record made for the probe (a new
patient with a synthetic 12-digit số định danh whose leading zeros the export must keep).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance import cv365
from conformance.adapters.protocol import Capability, Patient, Refused, Unsupported
from conformance.findings import FileResult
from conformance.messages import Msg
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su

FORMATS = ("xml", "json")


@dataclass(frozen=True)
class Exported:
    encounter: str
    fmt: str
    result: FileResult
    evidence: str
    data: bytes
    patient: Patient | None = None  # set for the fresh record the probe created


def _fresh(ctx: ProbeContext) -> tuple[str, Patient] | None:
    """A new patient, encounter and entry, when the adapter can create them (None otherwise)."""
    if not {Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES} <= ctx.adapter.capabilities():
        return None
    try:
        rec = su.new_record(ctx, su.session(ctx, "role", "bac_si"), "trích xuất")
    except (Refused, Unsupported):
        return None
    return rec.encounter.id, rec.patient


def _exports(ctx: ProbeContext) -> list[Exported]:
    session = su.session(ctx, "role", "bac_si")
    targets: list[tuple[str, Patient | None]] = [(e, None) for e in (ctx.target.export_encounters if ctx.target
                                                                      else ())]
    if ctx.param("fresh_record", True):
        fresh = _fresh(ctx)
        if fresh is not None:
            targets.append(fresh)
    out: list[Exported] = []
    for fmt in ctx.param("formats", list(FORMATS)):
        for encounter, patient in targets:
            data = session.export_record(encounter, fmt)
            name = f"HoSoBenhAn_{encounter}.{fmt}"
            path = ctx.attach(name, data)
            out.append(Exported(encounter, fmt, cv365.validate_record_export(data, name=name), path, data, patient))
    return out


def _summary(items: list[Exported], rule: str) -> list[dict[str, Any]]:
    return [{"encounter": x.encounter, "format": x.fmt, "file": x.evidence, "verdict": x.result.verdict,
             "findings": [f.to_json() for f in x.result.findings if f.rule.startswith(rule)],
             "message": x.result.message.to_json() if x.result.message else None} for x in items]


@probe("cv365.record_export", requires=(Capability.EXPORTS,))
def record_export(ctx: ProbeContext) -> ProbeResult:
    """Export encounters in XML and JSON; each file must show no error finding of this criterion's rule
    (``rule``: XD-10 structure and groups, XD-11 cccd_so, XD-12 maicd). An unreadable file fails XD-10 and
    leaves the other rules undecided. ``requires_value`` (a field name): the rule is undecided unless some
    export carries a value for it."""
    rule = str(ctx.param("rule", cv365.STRUCTURE))
    items = _exports(ctx)
    details: dict[str, Any] = {"rule": rule, "exports": _summary(items, rule)}
    if not items:
        return indeterminate(
            "không có đợt điều trị nào để trích xuất: hãy khai báo [exports] encounters trong tệp cấu hình",
            "no encounter to export: name sample encounters in the target file's [exports] encounters", **details)
    unreadable = [x for x in items if x.result.message is not None]
    bad = [x for x in items if _fails(x, rule)]
    if bad:
        first = bad[0]
        reason = first.result.message or next(
            (f.message for f in first.result.findings if f.rule.startswith(rule)),
            Msg("cccd_so khác số định danh cá nhân đã đăng ký cho người bệnh",
                "cccd_so differs from the personal identification number the patient was registered with"))
        return failed(f"{len(bad)}/{len(items)} tệp trích xuất không đạt; ví dụ {first.encounter} ({first.fmt}): "
                      f"{reason.vi}",
                      f"{len(bad)}/{len(items)} export files fail; e.g. {first.encounter} ({first.fmt}): {reason.en}",
                      **details)
    if unreadable:
        return indeterminate("có tệp trích xuất không đọc được nên không kiểm tra được quy tắc này",
                             "some export files could not be read, so this rule could not be checked", **details)
    needed = ctx.param("requires_value")
    if needed and not any(_has_value(x, str(needed)) for x in items):
        return indeterminate(f"không tệp trích xuất nào có giá trị {needed} để kiểm tra",
                             f"no export file carries a value for {needed} to check", **details)
    return passed(f"{len(items)} tệp trích xuất (XML, JSON) đạt quy tắc {rule}",
                  f"{len(items)} export files (XML, JSON) meet rule {rule}", **details)


def _fails(x: Exported, rule: str) -> bool:
    """Whether one exported file breaks ``rule`` (an unreadable file breaks the structure rule only)."""
    if x.result.message is not None:
        return rule == cv365.STRUCTURE
    if any(f.rule.startswith(rule) and f.severity == "error" for f in x.result.findings):
        return True
    return rule == cv365.CCCD and x.patient is not None and not _keeps_id(x)


def _keeps_id(x: Exported) -> bool:
    """Whether the export of the fresh record carries exactly the 12-digit id it was registered with."""
    assert x.patient is not None
    try:
        doc = cv365.read_document(x.data)
        value = doc["HoSoBenhAn"]["ThongTinBenhNhan"]["cccd_so"]
    except (cv365.ExportUnreadable, KeyError, TypeError):
        return False
    return isinstance(value, str) and value == x.patient.national_id


def _has_value(x: Exported, field: str) -> bool:
    return any(f == field for f in x.result.details.get("fields_with_values", ()))
