"""`hsba attest init`: a template of the council's attestation for one profile.

One entry per manual or mixed criterion the profile selects, with comments in both languages saying
what the criterion asks and what evidence the council must attach. A blank verdict means "not yet
attested" (the criterion stays ``manual-pending``); the file loads as it is written.
"""

from __future__ import annotations

import json
from datetime import date

from conformance.criteria_model import Catalogue, Criterion, Profile


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines() or [""]]


HEADER = """\
Biên bản xác nhận của hội đồng thẩm định HSBA điện tử — mẫu do `hsba attest init` tạo.
Council attestation for the EMR appraisal — template written by `hsba attest init`.

Cách điền / How to fill it in:
- verdict: pass | fail | not-applicable (để trống = chưa xác nhận / blank = not attested yet, stays manual-pending).
  not-applicable cần reason / needs a reason; pass cần ít nhất một tệp bằng chứng / needs at least one evidence file.
- evidence: đường dẫn tệp, tương đối với thư mục của tệp này / file paths, relative to this file's folder.
  Mỗi tệp được băm SHA-256 và sao vào gói kết quả / each file is hashed (SHA-256) and copied into the report bundle.
- Tiêu chí kết hợp (mixed): phép thử VÀ xác nhận của hội đồng đều phải đạt / probes AND the attestation must both pass.
- Dùng / use: hsba appraise --target target.toml --out out/ --attestation THIS_FILE.yaml"""


def _entry(criterion: Criterion, catalogue: Catalogue) -> list[str]:
    area = catalogue.areas.get(criterion.area)
    lines = ["", f"  # ── {criterion.id} [{area.title.vi if area else criterion.area}] "
                 f"{criterion.level}, {criterion.method}"]
    lines += _comment(f"{criterion.title.vi}\n{criterion.title.en}", "  ")
    lines += _comment("Căn cứ / Basis: " + "; ".join(str(b) for b in criterion.basis), "  ")
    if criterion.method == "mixed":
        lines += _comment("Phép thử / Probes: " + ", ".join(p.probe for p in criterion.probes), "  ")
    if criterion.parameters:
        lines += _comment("Ngưỡng của cơ sở / Facility thresholds: "
                          + json.dumps(criterion.parameters, ensure_ascii=False), "  ")
    if criterion.evidence_required:
        lines += _comment(f"Bằng chứng cần đính kèm: {criterion.evidence_required.vi}", "  ")
        lines += _comment(f"Evidence to attach: {criterion.evidence_required.en}", "  ")
    lines += [f"  - id: {criterion.id}", "    verdict:", "    by:", "    notes: \"\"", "    evidence: []"]
    return lines


def template(catalogue: Catalogue, profile: Profile, today: date) -> str:
    """The template's text for ``profile``: every manual and mixed criterion it selects."""
    chosen = [c for c in catalogue.ordered() if profile.selects(c) and c.method in ("manual", "mixed")]
    lines = _comment(HEADER)
    lines += ["", f"profile: {profile.id}   # {profile.title.vi}",
              f"date: {today.isoformat()}   # ngày họp hội đồng / date of the council's meeting",
              "example: false", "facility: \"\"   # tên cơ sở / facility name",
              "# thành viên hội đồng / council members, e.g.",
              "#   - {name: \"Nguyễn Văn A\", role: \"Chủ tịch hội đồng / Chair\"}",
              "council: []",
              f"attestations:   # {len(chosen)} tiêu chí / criteria"]
    for criterion in chosen:
        lines += _entry(criterion, catalogue)
    return "\n".join(lines) + "\n"
