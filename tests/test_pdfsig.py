"""The PDF signature validator as a user of `hsba verify-signature` would notice it: valid documents pass,
every defect gets its ETSI indication, and no input makes it crash."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from conformance.adapters.reference import documents as d
from conformance.adapters.reference import pdf_signing as ps
from conformance.pdfsig import revision_steps_compared, verify_pdf_signatures
from conformance.signing_policy import load_policy
from conformance.trust import TrustStore
from conftest import run_hsba

CONTENT = d.DocumentContent("phieu-dieu-tri", "Phiếu điều trị", "Nguyễn Thị Mai", "E-TEST", "Khoa Nội",
                            ("Chẩn đoán: Viêm phổi (J18.9)", "Y lệnh: Ceftriaxone 1 g × 2 lần/ngày"),
                            ("Bác sĩ điều trị", "Điều dưỡng", "Trưởng khoa"))
ORDER = ["bac_si", "dieu_duong", "truong_khoa"]


def _signed(who: list[str], *, ltv: bool = True) -> bytes:
    steps = [ps.SignStep(w, f"Sig{i}", "test") for i, w in enumerate(who)]
    return ps.sign_all(d.render(CONTENT, "Nguyễn Văn An"), steps, ltv=ltv)


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore.test_pki()


@pytest.fixture(scope="module")
def clean() -> bytes:
    return _signed(ORDER)


def _verify(data: bytes, trust: TrustStore | None) -> tuple[str, list[tuple[str, str | None]]]:
    policy = load_policy()
    result = verify_pdf_signatures(data, name="x.pdf", trust=trust, constraints=policy.constraints,
                                   known_titles=policy.known_titles)
    return result.verdict, [(s.indication, s.sub_indication) for s in result.signatures]


def test_a_document_signed_in_order_is_valid(clean: bytes, trust: TrustStore) -> None:
    result = verify_pdf_signatures(clean, name="clean.pdf", trust=trust)
    assert result.verdict == "valid"
    assert [s.title for s in result.signatures] == ["Bác sĩ", "Điều dưỡng", "Trưởng khoa"]
    assert [s.modification for s in result.signatures] == ["form_filling", "form_filling", "lta_updates"]
    for s in result.signatures:
        assert s.kind == "pdf" and s.intact and s.trusted and s.timestamped and s.signing_time
        assert s.coverage == "entire_revision"
        assert s.details["ltv"]["crls"] == 2


def test_without_a_trust_folder_nothing_is_trusted(clean: bytes) -> None:
    verdict, indications = _verify(clean, None)
    assert verdict == "indeterminate"
    assert {sub for _, sub in indications} == {"NO_CERTIFICATE_CHAIN_FOUND"}


def test_a_page_rewritten_after_signing_fails_every_earlier_signature(clean: bytes, trust: TrustStore) -> None:
    result = verify_pdf_signatures(d.modify_page_text(clean, "sua"), name="m.pdf", trust=trust)
    assert result.verdict == "invalid"
    assert all(s.modification == "other" and s.indication == "TOTAL_FAILED" for s in result.signatures)


def test_bytes_changed_inside_the_signed_range_break_integrity(clean: bytes, trust: TrustStore) -> None:
    tampered = clean.replace(b"/MediaBox [0 0 595.28", b"/MediaBox [0 0 595.29", 1)  # the first revision
    assert tampered != clean
    result = verify_pdf_signatures(tampered, name="t.pdf", trust=trust)
    assert result.verdict == "invalid"
    assert all(s.intact is False and s.sub_indication == "HASH_FAILURE" for s in result.signatures)


@pytest.mark.parametrize(("who", "indication", "sub"), [
    ("bac_si_revoked", "TOTAL_FAILED", "REVOKED"),
    ("dieu_duong_expired", "INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"),
    ("bac_si_untrusted", "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"),
    ("bac_si_no_title", "INDETERMINATE", "SIG_CONSTRAINTS_FAILURE"),
])
def test_each_certificate_defect_has_its_indication(who: str, indication: str, sub: str, trust: TrustStore) -> None:
    verdict, indications = _verify(_signed([who], ltv=False), trust)
    assert indications == [(indication, sub)]
    assert verdict == ("invalid" if indication == "TOTAL_FAILED" else "indeterminate")


def test_the_facility_signature_needs_no_title(trust: TrustStore) -> None:
    verdict, indications = _verify(_signed(["co_so"]), trust)
    assert (verdict, indications) == ("valid", [("TOTAL_PASSED", None)])


def test_a_document_timestamp_is_recognised(clean: bytes, trust: TrustStore) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(clean), strict=False)
    out = io.BytesIO()
    signers.PdfTimeStamper(ps.timestamper()).timestamp_pdf(writer, "sha256", output=out)
    result = verify_pdf_signatures(out.getvalue(), name="ts.pdf", trust=trust)
    assert [s.kind for s in result.signatures] == ["pdf", "pdf", "pdf", "pdf-timestamp"]
    assert result.signatures[-1].indication == "TOTAL_PASSED"
    assert result.verdict == "valid"


def test_an_unsigned_or_image_signed_pdf_has_no_signature(trust: TrustStore) -> None:
    for data in (d.render(CONTENT, "x"), d.render_with_signature_image(CONTENT, "x")):
        result = verify_pdf_signatures(data, name="u.pdf", trust=trust)
        assert result.verdict == "no-signature" and result.error is None


def test_revisions_are_compared_once_per_step_not_once_per_signature() -> None:
    data = _signed(["bac_si"] * 6)  # 6 signatures + the LTV update: 7 steps after the first revision
    assert revision_steps_compared(data) == 6


def _encrypted() -> bytes:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="user")
    pdf.add_page()
    return bytes(pdf.output())


@pytest.mark.parametrize(("name", "data"), [
    ("empty", b""), ("not a pdf", b"hello"), ("header only", b"%PDF-1.7\n"),
    ("garbage", b"%PDF-1.4\n" + bytes(range(256)) * 40), ("encrypted", _encrypted()),
])
def test_bad_input_is_indeterminate_with_a_reason(name: str, data: bytes, trust: TrustStore) -> None:
    result = verify_pdf_signatures(data, name=name, trust=trust)
    assert result.verdict in ("indeterminate", "no-signature")
    if result.verdict == "indeterminate":
        assert result.error is not None and result.error.vi and result.error.en


def test_a_file_over_the_size_limit_is_refused_unread(clean: bytes, trust: TrustStore) -> None:
    result = verify_pdf_signatures(clean, name="big.pdf", trust=trust, max_bytes=1000)
    assert result.verdict == "indeterminate" and "too large" in result.error.en  # type: ignore[union-attr]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_signed_files_never_crash_the_validator(data: st.DataObject, clean: bytes,
                                                       trust: TrustStore) -> None:
    raw = bytearray(clean)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(raw) // 2, len(raw)))
    result = verify_pdf_signatures(bytes(raw[:cut]), name="fuzz.pdf", trust=trust, time_limit=20)
    assert result.verdict in ("valid", "invalid", "indeterminate", "no-signature")
    json.dumps(result.to_json())


def test_cli_json_contract_and_exit_codes(clean: bytes, tmp_path: Path) -> None:
    (tmp_path / "ok.pdf").write_bytes(clean)
    (tmp_path / "unsigned.pdf").write_bytes(d.render(CONTENT, "x"))
    trust_dir = str(TrustStore.test_pki().source)
    ok = run_hsba(["verify-signature", "ok.pdf", "--trust", trust_dir, "--json"], cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    [entry] = json.loads(ok.stdout)
    assert entry["verdict"] == "valid" and len(entry["signatures"]) == 3
    assert set(entry["signatures"][0]) >= {"index", "kind", "signer", "title", "signing_time", "intact", "trusted",
                                           "indication", "sub_indication", "modification", "coverage", "scope"}
    both = run_hsba(["verify-signature", ".", "--trust", trust_dir, "--at", "2026-01-15T10:00:00"], cwd=tmp_path)
    assert both.returncode == 1 and "no-signature" in both.stdout
    assert run_hsba(["verify-signature", "missing.pdf"], cwd=tmp_path).returncode == 2
    assert run_hsba(["verify-signature", "ok.pdf", "--at", "yesterday"], cwd=tmp_path).returncode == 2


@pytest.mark.parametrize("raw", [b"<48656c6c6f>", b"<48 65\n6c6c\t6f>", b"<486>", b"<>", b"<4G>"])
def test_fast_hex_reader_reads_like_pyhanko(raw: bytes) -> None:
    from pyhanko.pdf_utils.misc import PdfStreamError

    from conformance import pdf_fast

    original = pytest.importorskip("pyhanko.pdf_utils.generic")
    expected: object
    try:
        expected = _original_hex_reader(original)(io.BytesIO(raw + b" rest"))  # type: ignore[operator]
    except PdfStreamError:
        expected = PdfStreamError
    stream = io.BytesIO(raw + b" rest")
    if expected is PdfStreamError:
        with pytest.raises(PdfStreamError):
            pdf_fast.read_hex_string_from_stream(stream)
    else:
        got = pdf_fast.read_hex_string_from_stream(stream)
        assert (type(got).__name__, got) == (type(expected).__name__, expected)
        assert stream.read() == b" rest"


def _original_hex_reader(module: object) -> object:
    """pyHanko's own reader, as shipped (the module attribute may already be replaced)."""
    import importlib.util
    import sys

    spec = importlib.util.find_spec("pyhanko.pdf_utils.generic")
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    sys.modules["_hsba_pristine_generic"] = fresh
    spec.loader.exec_module(fresh)
    return fresh.read_hex_string_from_stream


def test_cli_sends_xml_to_the_xml_signature_validator(tmp_path: Path) -> None:
    from lxml import etree

    from conformance.adapters.reference.xmlsign import sign_enveloped

    root = etree.fromstring("<HOSO><NOIDUNG>Giấy chuyển tuyến</NOIDUNG><CHUKY/></HOSO>".encode())
    signed = sign_enveloped(root, root.find("CHUKY"))
    (tmp_path / "giay.xml").write_bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
    trust_dir = str(TrustStore.test_pki().source)
    proc = run_hsba(["verify-signature", "giay.xml", "--trust", trust_dir, "--json"], cwd=tmp_path)
    [entry] = json.loads(proc.stdout)
    assert entry["signatures"][0]["kind"] == "xml" and entry["signatures"][0]["scope"] == "/HOSO"
    assert (proc.returncode, entry["verdict"]) == (0, "valid"), proc.stdout
    untrusted = run_hsba(["verify-signature", "giay.xml", "--json"], cwd=tmp_path)
    assert untrusted.returncode == 1


def test_the_time_limit_turns_remaining_signatures_indeterminate(clean: bytes, trust: TrustStore) -> None:
    result = verify_pdf_signatures(clean, name="slow.pdf", trust=trust, time_limit=0)
    assert result.verdict == "indeterminate"
    assert {(s.indication, s.sub_indication) for s in result.signatures} == {("INDETERMINATE", "GENERIC")}
    assert all("time limit" in s.message.en for s in result.signatures if s.message)
