"""What the evidence report shows, built once from ``results.json`` for both report.html and report.pdf.

Everything a person reads passes through :func:`conformance.redaction.mask_identifiers` (patient identifiers)
and through the known secret values of the run (never printed). The council and attestation keys of
``results.json`` are optional: a run without an attestation simply shows none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.messages import Msg
from conformance.redaction import mask_identifiers, scrub_text
from conformance.verdicts import OVERALL_LABELS, VERDICT_LABELS, Overall, Verdict

TITLE = Msg("BIÊN BẢN THẨM ĐỊNH PHẦN MỀM HỒ SƠ BỆNH ÁN ĐIỆN TỬ",
            "Appraisal record of electronic medical record software")
LEVELS = {"mandatory": Msg("Bắt buộc", "Mandatory"), "recommended": Msg("Nên có", "Recommended")}
METHODS = {"automated": Msg("Tự động", "Automated"), "manual": Msg("Hội đồng xác nhận", "Council attestation"),
           "mixed": Msg("Kết hợp", "Mixed")}


@dataclass
class CriterionRow:
    id: str
    title: Msg
    basis: list[str]
    level: Msg
    method: Msg
    verdict: str
    verdict_label: Msg
    message: Msg
    evidence: list[str]
    attested: bool = False
    attestation: dict[str, Any] | None = None


@dataclass
class AreaSection:
    id: str
    title: Msg
    rows: list[CriterionRow] = field(default_factory=list)


@dataclass
class ReportView:
    title: Msg
    facility: str
    facility_code: str
    product: str
    product_version: str
    target_name: str
    profile_id: str
    profile_title: Msg
    appraisal_date: str
    started: str
    finished: str
    tool: str
    overall: str
    overall_label: Msg
    counts: dict[str, int]
    coverage: list[tuple[str, str]]
    council: list[dict[str, str]]
    attestation: dict[str, Any] | None
    notices: list[Msg]
    areas: list[AreaSection]
    verdict_labels: dict[str, Msg]


class _Clean:
    """Masks patient identifiers and removes any known secret from a text meant for people."""

    def __init__(self, secrets: set[str]) -> None:
        self.secrets = secrets

    def __call__(self, text: Any) -> str:
        return mask_identifiers(scrub_text(str(text if text is not None else ""), self.secrets))

    def msg(self, data: Any) -> Msg:
        try:
            m = Msg.from_json(data)
        except ValueError:
            m = Msg(str(data or ""), str(data or ""))
        return Msg(self(m.vi), self(m.en))


def _area_titles() -> dict[str, Msg]:
    try:
        from conformance.criteria_loader import load_catalogue

        return {a.id: a.title for a in load_catalogue().areas.values()}
    except Exception:  # the report is still made from results.json alone
        return {}


def _attestation(data: Any, clean: _Clean) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    evidence = [{"path": str(e.get("path", "")), "sha256": str(e.get("sha256", ""))}
                for e in data.get("evidence") or () if isinstance(e, dict)]
    return {"verdict": str(data.get("verdict", "")), "by": clean(data.get("by") or ""),
            "date": str(data.get("date", "")), "notes": clean.msg(data["notes"]) if data.get("notes") else None,
            "evidence": evidence}


def build_view(document: dict[str, Any], secrets: set[str] | None = None) -> ReportView:
    clean = _Clean(set(secrets or ()))
    target = document.get("target") or {}
    facility = target.get("facility") or {}
    product = target.get("product") or {}
    profile = document.get("profile") or {}
    summary = document.get("summary") or {}
    titles = _area_titles()
    areas: dict[str, AreaSection] = {}
    for c in document.get("criteria") or ():
        area = str(c.get("area", ""))
        section = areas.setdefault(area, AreaSection(area, titles.get(area, Msg(area, area))))
        verdict = str(c.get("verdict", ""))
        attestation = _attestation(c.get("attestation"), clean)
        attested_files = {e["path"] for e in attestation["evidence"]} if attestation else set()
        section.rows.append(CriterionRow(
            id=str(c.get("id", "")), title=clean.msg(c.get("title")),
            basis=[clean(f"{b.get('text', '')}, {b.get('ref', '')}".strip(", ")) for b in c.get("basis") or ()],
            level=LEVELS.get(c.get("level", ""), Msg(str(c.get("level", "")), str(c.get("level", "")))),
            method=METHODS.get(c.get("method", ""), Msg(str(c.get("method", "")), str(c.get("method", "")))),
            verdict=verdict, verdict_label=_verdict_label(verdict), message=clean.msg(c.get("message")),
            # the probes' evidence; the council's files (also in results.json's list) are shown with the attestation
            evidence=[str(p) for p in c.get("evidence") or () if str(p) not in attested_files],
            attested=attestation is not None,
            attestation=attestation))
    overall = str(summary.get("overall", "undecided"))
    council = [{"name": clean(m.get("name", "")), "role": clean(m.get("role", ""))}
               for m in document.get("council") or () if isinstance(m, dict)]
    top_attestation = document.get("attestation")
    return ReportView(
        title=TITLE, facility=clean(facility.get("name", "")), facility_code=clean(facility.get("code", "")),
        product=clean(product.get("name", "")), product_version=clean(product.get("version", "")),
        target_name=clean(target.get("name", "")), profile_id=clean(profile.get("id", "")),
        profile_title=clean.msg(profile.get("title") or {"vi": "", "en": ""}),
        appraisal_date=clean(document.get("appraisal_date", "")), started=clean(document.get("started", "")),
        finished=clean(document.get("finished", "")),
        tool=clean(f"{document.get('tool', '')} {document.get('version', '')}"),
        overall=overall, overall_label=_overall_label(overall),
        counts={str(k): int(v) for k, v in (summary.get("counts") or {}).items()},
        coverage=_flatten(summary.get("coverage"), clean), council=council,
        attestation={k: clean(top_attestation.get(k, "")) for k in ("file", "sha256", "date")}
        if isinstance(top_attestation, dict) else None,
        notices=[clean.msg(n) for n in document.get("notices") or ()], areas=list(areas.values()),
        verdict_labels={v.value: VERDICT_LABELS[v] for v in Verdict})


def _flatten(value: Any, clean: _Clean, prefix: str = "") -> list[tuple[str, str]]:
    """Coverage counts as (label, value) pairs, however deeply the run nests them."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _flatten(v, clean, f"{prefix}{k} ")]
    return [(clean(prefix.strip()), clean(value))] if prefix else []


def _verdict_label(verdict: str) -> Msg:
    try:
        return VERDICT_LABELS[Verdict(verdict)]
    except ValueError:
        return Msg(verdict, verdict)


def _overall_label(overall: str) -> Msg:
    try:
        return OVERALL_LABELS[Overall(overall)]
    except ValueError:
        return Msg(overall, overall)
