"""A results.json as a run with a council attestation writes it, and a small output folder around it.

Built here (not by a run) so the report tests cover the keys another part of the harness adds — ``council``,
``attestation``, per-criterion ``attestation`` — plus hostile text and patient identifiers in messages.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

PATIENT_NAME = "Lê Thị Hồng Nhung"
CCCD = "001190012345"
BHYT = "DN4010123456789"
INJECTION = '<script>alert("x")</script><img src="http://evil.test/x.png">'
COUNCIL = [{"name": "PGS.TS. Nguyễn Thị Hoà", "role": "Chủ tịch hội đồng"},
           {"name": "ThS. Trần Văn Đức", "role": "Thư ký"}]
EVIDENCE = ["evidence/objects/aa/" + "a" * 64 + ".json", "evidence/objects/bb/" + "b" * 64 + ".json"]
ATTESTATION_FILE = "attestation/bien-ban-hoi-dong.pdf"
ATTESTATION_EVIDENCE = "attestation/quy-trinh-sao-luu.pdf"

_DOCUMENT: dict[str, Any] = {
    "tool": "hsba-conformance", "version": "0.1.0",
    "profile": {"id": "tt13-2025", "title": {"vi": "Thông tư 13/2025/TT-BYT (hiện hành)",
                                             "en": "Circular 13/2025/TT-BYT (current)"},
                "basis": [], "in_force": {"from": "2025-07-21"}, "in_force_on_appraisal_date": True},
    "appraisal_date": "2026-01-15",
    "target": {"name": "EMR Bệnh viện Xanh", "adapter": "reference", "base_url": "https://127.0.0.1:1",
               "facility": {"name": "Bệnh viện Đa khoa Tỉnh Hà Giang", "code": "02001"},
               "product": {"name": "Phần mềm HSBA Sông Lô", "version": "4.2.1"}},
    "started": "2026-01-15T08:00:00+07:00", "finished": "2026-01-15T08:05:00+07:00", "duration_s": 300,
    "summary": {"overall": "fail", "overall_label": {"vi": "Không đạt", "en": "Fail"}, "criteria": 3,
                "counts": {"pass": 1, "fail": 1, "warn": 0, "indeterminate": 0, "manual-pending": 0,
                           "not-applicable": 0, "error": 0},
                "mandatory_counts": {}, "coverage": {"automated": 2, "manual": 1, "mixed": 0}},
    "notices": [],
    "not_in_force": [],
    "council": COUNCIL,
    "attestation": {"file": ATTESTATION_FILE, "sha256": "c" * 64, "date": "2026-01-14"},
    "criteria": [
        {"id": "TV-01", "title": {"vi": "Sửa ghi chép tạo phiên bản mới", "en": "An edit creates a new version"},
         "area": "integrity", "level": "mandatory", "method": "automated", "verdict": "pass",
         "basis": [{"text": "Luật Khám bệnh, chữa bệnh 15/2023/QH15", "ref": "Điều 7 khoản 10"}],
         "evidence": [EVIDENCE[0]],
         "message": {"vi": f"bệnh nhân {PATIENT_NAME} (CCCD {CCCD}, thẻ BHYT {BHYT}) có 2 phiên bản",
                     "en": f"patient {PATIENT_NAME} (id {CCCD}, card {BHYT}) has 2 versions"},
         "attestation": None},
        {"id": "NK-01", "title": {"vi": "Mọi lượt xem đều được ghi nhật ký", "en": "Every read is logged"},
         "area": "audit", "level": "mandatory", "method": "automated", "verdict": "fail",
         "basis": [{"text": "Công văn 365/TTYQG-GPQLCL", "ref": "Mục III.1.2"}], "evidence": [EVIDENCE[1]],
         "message": {"vi": f"thiếu nhật ký {INJECTION}", "en": f"no audit entry {INJECTION}"}, "attestation": None},
        {"id": "SL-01", "title": {"vi": "Sao lưu định kỳ và khôi phục được", "en": "Regular backups that restore"},
         "area": "audit", "level": "mandatory", "method": "manual", "verdict": "pass",
         "basis": [{"text": "Thông tư 13/2025/TT-BYT", "ref": "Điều 6 khoản 3"}], "evidence": [],
         "message": {"vi": "hội đồng xác nhận", "en": "attested by the council"},
         "attestation": {"verdict": "pass", "by": "ThS. Trần Văn Đức", "date": "2026-01-14",
                         "notes": {"vi": "đã xem quy trình sao lưu", "en": "backup procedure reviewed"},
                         "evidence": [{"path": ATTESTATION_EVIDENCE, "sha256": "d" * 64}]}},
    ],
}


def document() -> dict[str, Any]:
    return copy.deepcopy(_DOCUMENT)


def output_folder(out: Path) -> dict[str, Any]:
    """Write a small output folder as a run leaves it before the report step; returns its results."""
    doc = document()
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "junit.xml").write_text('<testsuites><testsuite name="hsba"/></testsuites>\n', encoding="utf-8")
    (out / "coverage.csv").write_text("area,automated,manual\nintegrity,1,0\naudit,1,1\n", encoding="utf-8")
    for i, rel in enumerate(EVIDENCE):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(json.dumps({"kind": "http-exchange", "n": i}), encoding="utf-8")
    (out / "allure-results").mkdir(exist_ok=True)
    (out / "allure-results" / "0001-result.json").write_text('{"name": "TV-01"}', encoding="utf-8")
    (out / "attestation").mkdir(exist_ok=True)
    (out / ATTESTATION_FILE).write_bytes(b"%PDF-1.7 attestation of the council\n")
    (out / ATTESTATION_EVIDENCE).write_bytes(b"%PDF-1.7 backup procedure\n")
    (out / "target.toml").write_text('[target]\nadapter = "reference"\n', encoding="utf-8")  # never bundled
    return doc


MEMBERS = sorted(["manifest.json", "manifest.json.p7s", "results.json", "report.html", "report.pdf", "junit.xml",
                  "coverage.csv", *EVIDENCE, "allure-results/0001-result.json", ATTESTATION_FILE,
                  ATTESTATION_EVIDENCE])
