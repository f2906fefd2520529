"""Coverage: how each criterion of the appraisal was checked — by probes, by the council, or both.

``coverage.csv`` in the output folder has one row per criterion the profile selects: its id, area,
level, method, probes, verdict, and (when it was not, or not only, tested automatically) the reason in
both languages. The counts per method go into ``results.json`` (``summary.coverage``) and the console.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from conformance.criteria_model import Criterion
from conformance.selection import Selection

COLUMNS = ("id", "area", "level", "method", "probes", "verdict", "reason_vi", "reason_en")
NOT_IN_FORCE = "not-in-force"


def _reason(criterion: Criterion, result: dict[str, Any] | None) -> tuple[str, str]:
    """Why the criterion is not (only) tested automatically, or why it could not be."""
    if result is None:
        return ("Văn bản làm căn cứ chưa hoặc không còn hiệu lực vào ngày thẩm định.",
                "Its basis is not in force on the appraisal date.")
    required = criterion.evidence_required
    attested = result.get("attestation")
    status_vi = "đã có xác nhận của hội đồng" if attested else "chưa có xác nhận của hội đồng"
    status_en = "attested by the council" if attested else "not yet attested by the council"
    if criterion.method == "manual":
        vi = "Chỉ hội đồng xác nhận được (không có phép thử trên phần mềm)"
        en = "Only the council can attest it (no probe on the software)"
    elif criterion.method == "mixed":
        vi = "Phép thử kiểm phần mềm; phần còn lại do hội đồng xác nhận"
        en = "Probes check the software; the rest is attested by the council"
    else:
        if result["verdict"] in ("indeterminate", "error"):
            return result["message"]["vi"], result["message"]["en"]
        return "", ""
    if required:
        vi, en = f"{vi}: {required.vi}", f"{en}: {required.en}"
    return f"{vi} ({status_vi}).", f"{en} ({status_en})."


def coverage_rows(selection: Selection, results: list[dict[str, Any]]) -> list[dict[str, str]]:
    by_id = {r["id"]: r for r in results}
    rows = []
    for criterion in [*selection.applied, *selection.not_in_force]:
        result = by_id.get(criterion.id)
        if result is None and criterion in selection.applied:
            continue  # filtered out of this run (-k, -m): not part of its coverage
        reason_vi, reason_en = _reason(criterion, result)
        rows.append({"id": criterion.id, "area": criterion.area, "level": criterion.level,
                     "method": criterion.method, "probes": ";".join(p.probe for p in criterion.probes),
                     "verdict": result["verdict"] if result else NOT_IN_FORCE,
                     "reason_vi": reason_vi, "reason_en": reason_en})
    return rows


def write_coverage(selection: Selection, results: list[dict[str, Any]], out_dir: Path) -> Path:
    path = out_dir / "coverage.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(coverage_rows(selection, results))
    return path
