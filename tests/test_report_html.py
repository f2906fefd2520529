"""report.html as a council member and an auditor see it: in a real browser, offline, escaped, masked."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.report_html import render_html
from report_sample import ATTESTATION_EVIDENCE, BHYT, CCCD, COUNCIL, EVIDENCE, PATIENT_NAME, document

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _dom(html_file: Path, tmp_path: Path) -> str:
    """The DOM after Chromium loaded and laid out the page, headless, with networking switched off."""
    assert CHROMIUM is not None
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", html_file.as_uri()],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_html_masks_patients_escapes_text_and_stays_offline() -> None:
    html = render_html(document(), secrets={"Sup3r-Secret-pw"})
    assert CCCD not in html and BHYT not in html and PATIENT_NAME not in html
    assert "001*******45" in html and "DN***********89" in html and "L* T** H*** N****" in html
    assert "<script" not in html and "&lt;script&gt;" in html  # the target's text is shown, never run
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "nothing is loaded from a network"
    assert "<link" not in html and "@import" not in html and "url(" not in html
    for rel in (*EVIDENCE, ATTESTATION_EVIDENCE):
        assert f'href="{rel}"' in html  # evidence links are paths inside the bundle


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it with apt-get)")
def test_chromium_shows_the_appraisal_record(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(document()), encoding="utf-8")
    dom = _dom(page, tmp_path)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    for expected in ("BIÊN BẢN THẨM ĐỊNH PHẦN MỀM HỒ SƠ BỆNH ÁN ĐIỆN TỬ", "Bệnh viện Đa khoa Tỉnh Hà Giang",
                     "Phần mềm HSBA Sông Lô", "4.2.1", "2026-01-15", "Thông tư 13/2025/TT-BYT (hiện hành)",
                     COUNCIL[0]["name"], COUNCIL[1]["role"], "Kết luận thẩm định", "Không đạt",
                     "Toàn vẹn hồ sơ", "Điều 7 khoản 10", "Hội đồng xác nhận / Attested", "đã xem quy trình sao lưu",
                     "Appraisal record of electronic medical record software"):
        assert expected in text, expected
    assert PATIENT_NAME not in text and CCCD not in text
    # the injected markup from the target stayed text: no script or image element was created
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert 'alert("x")' in text
    row = re.search(r'<tr id="row-SL-01"[^>]*data-verdict="pass"', dom)
    assert row, "the attested criterion has its row"


def test_partial_or_missing_attestation_keys_still_render() -> None:
    doc = document()
    doc["attestation"] = {"date": "2026-01-14"}  # no file, no hash
    doc["criteria"][2]["attestation"] = {"verdict": "pass", "date": "2026-01-14", "notes": "ghi chú"}
    del doc["council"]
    html = render_html(doc)
    assert "Chưa có danh sách hội đồng" in html and "ghi chú" in html
    for key in ("council", "attestation"):
        doc.pop(key, None)
    for criterion in doc["criteria"]:
        criterion.pop("attestation", None)
    assert "Hội đồng xác nhận / Attested" not in render_html(doc)  # a run without attestation shows none


def test_nested_coverage_counts_are_listed() -> None:
    doc = document()
    doc["summary"]["coverage"] = {"automated": 2, "attested": {"pass": 1, "pending": 0}}
    html = render_html(doc)
    assert "automated: 2" in html and "attested pass: 1" in html and "attested pending: 0" in html
