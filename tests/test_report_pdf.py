"""report.pdf as printed and as checked: Vietnamese text through poppler, an embedded font, a PAdES signature."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.messages import Msg
from conformance.report_pdf import render_pdf
from conformance.report_sign import demo_signing, load_signer, sign_pdf
from conformance.report_verify import verify_report_pdf
from conformance.trust import TrustStore
from report_sample import BHYT, CCCD, COUNCIL, PATIENT_NAME, document

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdftoppm", "pdffonts"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def signed_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pdf = sign_pdf(render_pdf(document()), load_signer(demo_signing()), reason=Msg("ký", "signed"), location="Hà Nội")
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(pdf)
    return path


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(args, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc


@needs_poppler
def test_pdf_text_has_the_vietnamese_record(signed_pdf: Path) -> None:
    text = re.sub(r"\s+", " ", _run("pdftotext", "-enc", "UTF-8", str(signed_pdf), "-").stdout.decode("utf-8"))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "BIÊN BẢN THẨM ĐỊNH PHẦN MỀM HỒ SƠ BỆNH ÁN ĐIỆN TỬ", "Bệnh viện Đa khoa Tỉnh Hà Giang",
                     "Phần mềm HSBA Sông Lô", "Kết luận thẩm định: Không đạt", COUNCIL[0]["name"],
                     "Toàn vẹn hồ sơ", "Hội đồng xác nhận / Attested", "Điều 7 khoản 10"):
        assert expected in text, expected
    assert PATIENT_NAME not in text and CCCD not in text and BHYT not in text


@needs_poppler
def test_pdf_embeds_its_font_and_renders_ink(signed_pdf: Path, tmp_path: Path) -> None:
    fonts = _run("pdffonts", str(signed_pdf)).stdout.decode()
    rows = [line for line in fonts.splitlines() if "DejaVu" in line]
    assert rows and all(" yes " in row for row in rows), fonts  # embedded (subset), so any reader shows diacritics
    _run("pdftoppm", "-r", "40", "-gray", "-f", "1", "-l", "1", str(signed_pdf), str(tmp_path / "page"))
    pgm = next(tmp_path.glob("page*.pgm")).read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", pgm)
    assert header, "a greyscale page image"
    pixels = pgm[header.end():]
    dark = sum(1 for b in pixels if b < 128)
    assert dark > 0.005 * len(pixels), "the first page shows text"


def test_pdf_signature_is_intact_trusted_and_timestamped(signed_pdf: Path) -> None:
    check = verify_report_pdf(signed_pdf.read_bytes(), TrustStore.test_pki())
    assert check.intact and check.trusted and check.timestamp, check.summary
    assert check.signer == "Bệnh viện Đa khoa HSBA Thử nghiệm (TEST)"
    untrusted = verify_report_pdf(signed_pdf.read_bytes(), None)
    assert untrusted.intact and not untrusted.trusted and "trust unknown" in untrusted.summary.en


def test_pdf_changed_after_signing_is_caught(signed_pdf: Path) -> None:
    data = bytearray(signed_pdf.read_bytes())
    at = data.index(b"/Title (") + 9  # inside the signed range
    data[at] ^= 0x01
    check = verify_report_pdf(bytes(data), TrustStore.test_pki())
    assert not check.intact and not check.ok
    appended = signed_pdf.read_bytes() + b"\n1 0 obj\n<< >>\nendobj\n"
    assert not verify_report_pdf(appended, TrustStore.test_pki()).ok
    assert not verify_report_pdf(render_pdf(document()), TrustStore.test_pki()).ok  # unsigned
    assert not verify_report_pdf(b"not a pdf", None).ok


@needs_poppler
def test_pdf_without_council_or_attestation(tmp_path: Path) -> None:
    doc = document()
    for key in ("council", "attestation"):
        doc.pop(key)
    for criterion in doc["criteria"]:
        criterion.pop("attestation")
    path = tmp_path / "plain.pdf"
    path.write_bytes(render_pdf(doc))
    text = _run("pdftotext", "-enc", "UTF-8", str(path), "-").stdout.decode("utf-8")
    assert "Chưa có danh sách hội đồng" in text and "Attested" not in text
