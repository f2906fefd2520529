"""Results: one verdict per criterion, the roll-up, and ``results.json`` (validated by its schema)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema

from conformance import __version__
from conformance.criteria_model import Criterion
from conformance.messages import Msg
from conformance.resources import data_path
from conformance.selection import Selection
from conformance.verdicts import OVERALL_LABELS, Verdict, overall

TOOL = "hsba-conformance"


@dataclass
class ProbeRun:
    probe: str
    params: dict[str, Any]
    verdict: Verdict
    message: Msg
    duration_ms: float
    evidence: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"probe": self.probe, "params": self.params, "verdict": self.verdict.value,
                "message": self.message.to_json(), "duration_ms": round(self.duration_ms, 1),
                "evidence": list(self.evidence)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProbeRun:
        return cls(data["probe"], data.get("params") or {}, Verdict(data["verdict"]),
                   Msg.from_json(data["message"]), data.get("duration_ms", 0.0), list(data.get("evidence") or []))


@dataclass
class CriterionResult:
    criterion: Criterion
    verdict: Verdict
    message: Msg
    evidence: list[str] = field(default_factory=list)
    probes: list[ProbeRun] = field(default_factory=list)
    duration_ms: float = 0.0
    attestation: dict[str, Any] | None = None  # the council's attestation, as in results.json

    def to_json(self) -> dict[str, Any]:
        c = self.criterion
        return {"id": c.id, "title": c.title.to_json(), "area": c.area, "level": c.level, "method": c.method,
                "verdict": self.verdict.value, "basis": [b.to_json() for b in c.basis],
                "evidence": list(self.evidence), "message": self.message.to_json(),
                "probes": [p.to_json() for p in self.probes], "duration_ms": round(self.duration_ms, 1),
                "attestation": self.attestation}

    @classmethod
    def from_json(cls, data: dict[str, Any], criterion: Criterion) -> CriterionResult:
        return cls(criterion, Verdict(data["verdict"]), Msg.from_json(data["message"]), list(data["evidence"]),
                   [ProbeRun.from_json(p) for p in data.get("probes") or ()], data.get("duration_ms", 0.0),
                   data.get("attestation"))


def summarise(results: list[CriterionResult]) -> dict[str, Any]:
    counts = Counter(r.verdict.value for r in results)
    mandatory = [r for r in results if r.criterion.mandatory]
    result = overall(r.verdict for r in mandatory)
    methods = Counter(r.criterion.method for r in results)
    return {
        "overall": result.value,
        "overall_label": OVERALL_LABELS[result].to_json(),
        "criteria": len(results),
        "counts": {v.value: counts.get(v.value, 0) for v in Verdict},
        "mandatory_counts": {v.value: sum(1 for r in mandatory if r.verdict is v) for v in Verdict},
        "coverage": {m: methods.get(m, 0) for m in ("automated", "manual", "mixed")},
    }


def results_document(selection: Selection, results: list[CriterionResult], *, target: dict[str, Any],
                     started: datetime, finished: datetime, notices: list[Msg] | None = None,
                     council: list[dict[str, Any]] | None = None,
                     attestation: dict[str, Any] | None = None) -> dict[str, Any]:
    order = {c.id: i for i, c in enumerate(selection.applied)}
    ordered = sorted(results, key=lambda r: order.get(r.criterion.id, len(order)))
    profile = selection.profile.to_json()
    profile["in_force_on_appraisal_date"] = selection.profile_in_force
    profile_notice = selection.notice()
    all_notices = [profile_notice] if profile_notice else []
    all_notices += notices or []
    return {
        "tool": TOOL,
        "version": __version__,
        "profile": profile,
        "appraisal_date": selection.appraisal_date.isoformat(),
        "target": target,
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "duration_s": round((finished - started).total_seconds(), 2),
        "summary": summarise(ordered),
        "notices": [n.to_json() for n in all_notices],
        "not_in_force": [c.id for c in selection.not_in_force],
        "council": list(council or []),
        "attestation": attestation,
        "criteria": [r.to_json() for r in ordered],
    }


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(data_path("schemas", "results.schema.json").read_text(encoding="utf-8"))
    return loaded


def validate(document: dict[str, Any]) -> list[str]:
    """Schema violations of a results document (empty when valid)."""
    validator = jsonschema.Draft202012Validator(schema())
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in validator.iter_errors(document)]


def write_results(document: dict[str, Any], out_dir: Path) -> Path:
    problems = validate(document)
    if problems:
        raise ValueError("results.json does not match its schema: " + "; ".join(problems[:5]))
    path = out_dir / "results.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
