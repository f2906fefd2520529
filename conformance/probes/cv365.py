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
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, not_applicable, passed, probe
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


@dataclass
class Attempts:
    """Every export the probe asked for: the files received and the refusals (format, encounter, refusal)."""

    files: list[Exported]
    refused: list[tuple[str, str, Refused]]

    def offered(self) -> set[str]:
        return {x.fmt for x in self.files}

    def gaps(self) -> list[tuple[str, str, Refused]]:
        """Refusals in a format the target does offer (another encounter exported in it): a record that cannot
        be exported."""
        return [r for r in self.refused if r[0] in self.offered()]


def _exports(ctx: ProbeContext) -> Attempts:
    session = su.session(ctx, "role", "bac_si")
    targets: list[tuple[str, Patient | None]] = [(e, None) for e in (ctx.target.export_encounters if ctx.target
                                                                      else ())]
    if ctx.param("fresh_record", True):
        fresh = _fresh(ctx)
        if fresh is not None:
            targets.append(fresh)
    out = Attempts([], [])
    for fmt in ctx.param("formats", list(FORMATS)):
        for encounter, patient in targets:
            try:
                data = session.export_record(encounter, fmt)
            except Refused as exc:
                out.refused.append((fmt, encounter, exc))
                continue
            name = f"HoSoBenhAn_{encounter}.{fmt}"
            path = ctx.attach(name, data)
            result = cv365.validate_record_export(data, name=name)
            out.files.append(Exported(encounter, fmt, result, path, data, patient))
    return out


def _summary(items: list[Exported], rule: str) -> list[dict[str, Any]]:
    return [{"encounter": x.encounter, "format": x.fmt, "file": x.evidence, "verdict": x.result.verdict,
             "findings": [f.to_json() for f in x.result.findings if f.rule.startswith(rule)],
             "message": x.result.message.to_json() if x.result.message else None} for x in items]


@probe("cv365.record_export", requires=(Capability.EXPORTS,))
def record_export(ctx: ProbeContext) -> ProbeResult:
    """Export encounters in XML and JSON (CV 365 asks for XML *or* JSON: a format refused for every encounter is
    not offered; one refused for some encounters only is a record that cannot be exported, failing XD-10). Each
    file must show no error finding of this criterion's rule (``rule``: XD-10 structure and groups, XD-11 cccd_so,
    XD-12 maicd). An unreadable file fails XD-10 and leaves the other rules undecided. ``requires_value`` (a field
    name): the rule is undecided unless some export carries a value for it."""
    rule = str(ctx.param("rule", cv365.STRUCTURE))
    attempts = _exports(ctx)
    items = attempts.files
    details: dict[str, Any] = {"rule": rule, "exports": _summary(items, rule), "formats": sorted(attempts.offered()),
                               "refused": [{"format": f, "encounter": e, **su.refusal(x)}
                                           for f, e, x in attempts.refused]}
    if not items and not attempts.refused:
        return indeterminate(
            "không có đợt điều trị nào để trích xuất: hãy khai báo [exports] encounters trong tệp cấu hình",
            "no encounter to export: name sample encounters in the target file's [exports] encounters", **details)
    if rule == cv365.STRUCTURE and (not items or attempts.gaps()):
        fmt, encounter, exc = (attempts.gaps() or attempts.refused)[0]
        return failed(f"không trích xuất được hồ sơ {encounter} ở dạng {fmt}: {exc.vi}",
                      f"the record {encounter} cannot be exported as {fmt}: {exc.en}", **details)
    if not items:
        return indeterminate("hệ thống không trích xuất được hồ sơ ở dạng XML hay JSON nên không kiểm tra được "
                             "quy tắc này", "the target exports no record as XML or JSON, so this rule could not be "
                             "checked", **details)
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
    formats = ", ".join(sorted(attempts.offered())).upper()
    return passed(f"{len(items)} tệp trích xuất ({formats}) đạt quy tắc {rule}",
                  f"{len(items)} export files ({formats}) meet rule {rule}", **details)


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


def _plain(value: Any) -> Any:
    """A record with every value as the text its XML form carries (numbers as digits, null as empty)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _differences(a: Any, b: Any, path: str = "HoSoBenhAn") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{path}/{key}")
            else:
                out += _differences(a[key], b[key], f"{path}/{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path} ({len(a)} ≠ {len(b)})"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}[{i + 1}]")]
    return [] if a == b else [path]


@probe("cv365.forms_agree", requires=(Capability.EXPORTS,))
def forms_agree(ctx: ProbeContext) -> ProbeResult:
    """When the target offers both XML and JSON, the two forms of each exported record must carry the same groups,
    records, fields and values (compared as text). Only one form offered: not applicable."""
    attempts = _exports(ctx)
    by_encounter: dict[str, dict[str, Exported]] = {}
    for x in attempts.files:
        if x.result.message is None:
            by_encounter.setdefault(x.encounter, {})[x.fmt] = x
    pairs = {e: forms for e, forms in by_encounter.items() if set(FORMATS) <= set(forms)}
    details: dict[str, Any] = {"formats": sorted(attempts.offered()), "encounters": sorted(pairs)}
    if attempts.offered() != set(FORMATS):
        return not_applicable("hệ thống chỉ cung cấp một dạng trích xuất nên không có gì để đối chiếu",
                              "the target offers one export form only, so there is nothing to compare", **details)
    if not pairs:
        return indeterminate("không có hồ sơ nào đọc được ở cả hai dạng XML và JSON",
                             "no record could be read in both XML and JSON", **details)
    differing: dict[str, list[str]] = {}
    for encounter, forms in pairs.items():
        xml = _plain(cv365.read_document(forms["xml"].data))
        js = _plain(cv365.read_document(forms["json"].data))
        found = _differences(xml, js)
        if found:
            differing[encounter] = found[:20]
    details["differences"] = differing
    if differing:
        encounter, found = next(iter(differing.items()))
        return failed(f"dạng XML và JSON của hồ sơ {encounter} khác nhau tại {', '.join(found[:5])}",
                      f"the XML and JSON forms of record {encounter} differ at {', '.join(found[:5])}", **details)
    return passed(f"dạng XML và JSON của {len(pairs)} hồ sơ mang cùng dữ liệu",
                  f"the XML and JSON forms of {len(pairs)} records carry the same data", **details)
