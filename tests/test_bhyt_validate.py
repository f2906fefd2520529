"""The BHYT claim validator: a valid submission passes; each defect turns exactly its own criterion."""

from __future__ import annotations

import base64
import copy
from pathlib import Path

import pytest
from lxml import etree

from bhyt_builder import envelope, inpatient, table_xml
from conformance.bhyt_validate import criterion_of, validate_claim_file
from conformance.trust import TrustStore

_RELATIVE = Path("shared", "reference", "qd3176", "qd3176-bang-chi-tieu.xlsx")
# shared/ lies beside the checkout (../shared); a worktree one level deeper finds it two levels up
SPREADSHEET = next((p / _RELATIVE for p in Path(__file__).resolve().parents[1:4] if (p / _RELATIVE).is_file()),
                   Path(__file__).resolve().parents[2] / _RELATIVE)


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore.test_pki()


def failing(data: bytes, trust: TrustStore | None, **kw: object) -> set[str]:
    result = validate_claim_file(data, name="t.xml", trust=trust, **kw)  # type: ignore[arg-type]
    assert result.message is None, result.message
    return {criterion_of(f) for f in result.findings if f.severity == "error"}


def test_valid_inpatient_submission_passes(trust: TrustStore) -> None:
    result = validate_claim_file(envelope(inpatient(referral=True)), name="ok.xml", trust=trust)
    assert result.verdict == "valid", [f.to_json() for f in result.findings]
    sig = result.details["signatures"]["signatures"][0]
    assert sig["scope"] == "/GIAMDINHHS" and sig["indication"] == "TOTAL_PASSED" and sig["trusted"] is True
    assert set(result.details["tables"]) >= {"XML1", "XML2", "XML3", "XML4", "XML5", "XML7", "XML13", "XML14"}


def _mutated(change: str) -> bytes:
    claim = inpatient()
    t = claim.tables
    if change == "bad-date":
        t["XML1"][0]["NGAY_VAO"] = "2026-01-05 07:30"
    elif change == "orphan-row":
        t["XML2"].append({**t["XML2"][0], "MA_LK": "LK-KHAC", "STT": "9"})
    elif change == "bad-icd":
        t["XML1"][0]["MA_BENH_CHINH"] = "J99.99"
    elif change == "totals":
        t["XML1"][0]["T_TONGCHI_BV"] = "999999.00"
    elif change == "row-formula":
        t["XML2"][0]["THANH_TIEN_BV"] = "15001.00"
    elif change == "too-long":
        t["XML1"][0]["MA_BN"] = "B" * 101
    elif change == "not-number":
        t["XML1"][0]["T_BNCCT"] = "không"
    elif change == "comma":
        t["XML1"][0]["T_BNCCT"] = "0,50"
    elif change == "card":
        t["XML1"][0]["MA_THE_BHYT"] = "DN40101234567"
    elif change == "sex-code":
        t["XML1"][0]["GIOI_TINH"] = "0"
    elif change == "ra-before-vao":
        t["XML1"][0]["NGAY_RA"] = "202601041000"
        t["XML7"][0]["NGAY_RA"] = "202601041000"
        t["XML14"][0]["NGAY_RA"] = "202601041000"
    elif change == "days":
        t["XML1"][0]["SO_NGAY_DTRI"] = "9"
    elif change == "identity":
        t["XML14"][0]["HO_TEN"] = "Người Khác"
    elif change == "missing-referral":
        t["XML1"][0]["MA_LOAI_RV"] = "2"
    elif change == "missing-xml5":
        del t["XML5"]
    return envelope(claim)


@pytest.mark.parametrize(("change", "criterion"), [
    ("bad-date", "XD-03"), ("orphan-row", "XD-05"), ("bad-icd", "XD-04"), ("totals", "XD-06"),
    ("row-formula", "XD-06"), ("too-long", "XD-02"), ("not-number", "XD-02"), ("comma", "XD-03"),
    ("card", "XD-03"), ("sex-code", "XD-04"), ("ra-before-vao", "XD-07"), ("days", "XD-07"), ("identity", "XD-05"),
    ("missing-referral", "XD-09"), ("missing-xml5", "XD-09"),
])
def test_each_defect_turns_exactly_its_criterion(change: str, criterion: str, trust: TrustStore) -> None:
    assert failing(_mutated(change), trust) == {criterion}


def test_icd10_dotted_undotted_and_supplement(trust: TrustStore) -> None:
    claim = inpatient()
    claim.tables["XML1"][0]["MA_BENH_CHINH"] = "J189"
    claim.tables["XML1"][0]["MA_BENH_KT"] = "U07.1;U10.9;E11.9"
    assert failing(envelope(claim), trust) == set()
    claim.tables["XML1"][0]["MA_BENH_KT"] = ";".join(["I10"] * 13)
    assert failing(envelope(claim), trust) == {"XD-03"}  # more than 12 codes


def test_dated_overlay_applies_from_its_date(trust: TrustStore) -> None:
    claim = inpatient(ngaylap="20260630")
    claim.tables["XML2"][0]["MUC_HUONG"] = "1000"
    assert failing(envelope(claim), trust) == {"XD-02"}  # at most 3 characters before 2026-07-01
    claim.ngaylap = "20260701"
    assert failing(envelope(claim), trust) == set()  # QĐ 1931/2026: 4 characters


def test_unsigned_and_modified_after_signing_fail_only_xd08(trust: TrustStore) -> None:
    assert failing(envelope(inpatient(), sign=False), trust) == {"XD-08"}
    signed = envelope(inpatient())
    tampered = signed.replace(b"<MACSKCB>01001</MACSKCB>", b"<MACSKCB>01002</MACSKCB>")
    assert tampered != signed
    result = validate_claim_file(tampered, name="t.xml", trust=trust)
    assert {criterion_of(f) for f in result.findings if f.severity == "error"} == {"XD-08"}
    assert result.details["signatures"]["signatures"][0]["sub_indication"] == "HASH_FAILURE"


def test_skip_signature_ignores_the_envelope_signature(trust: TrustStore) -> None:
    result = validate_claim_file(envelope(inpatient(), sign=False), name="t.xml", trust=trust, skip_signature=True)
    assert result.verdict == "valid" and result.details["signature"] == "skipped"


def test_papers_must_be_signed_from_june_2026(trust: TrustStore) -> None:
    before = envelope(inpatient(ngaylap="20260531"), sign_papers=False)
    result = validate_claim_file(before, name="t.xml", trust=trust)
    assert result.verdict == "valid"
    assert any(f.rule == "XD-09:XML14.signature" and f.severity == "info" for f in result.findings)
    after = envelope(inpatient(ngaylap="20260601"), sign_papers=False)
    assert failing(after, trust) == {"XD-09"}
    assert failing(envelope(inpatient(ngaylap="20260601")), trust) == set()


def test_broken_tables_are_structure_findings(trust: TrustStore) -> None:
    claim = inpatient()
    bad_b64 = envelope(claim, table_bytes={"XML4": b"x"}).replace(
        base64.b64encode(b"x"), b"@@not base64@@")
    assert "XD-01" in failing(bad_b64, None, skip_signature=True)
    not_xml = envelope(claim, table_bytes={"XML4": b"plain text, not XML"}, sign=False)
    assert failing(not_xml, None, skip_signature=True) == {"XD-01"}
    unknown = table_xml("XML4", claim.tables["XML4"]).replace(b"<MA_CHI_SO>", b"<LA>1</LA><MA_CHI_SO>")
    assert failing(envelope(claim, table_bytes={"XML4": unknown}), trust) == {"XD-01"}
    wrong_root = table_xml("XML4", claim.tables["XML4"]).replace(b"CHITIEU_CHITIET_DICHVUCANLAMSANG", b"SAI")
    assert failing(envelope(claim, table_bytes={"XML4": wrong_root}), trust) == {"XD-01"}


def test_unreadable_input_is_an_error_verdict_not_a_crash() -> None:
    for data in (b"", b"<GIAMDINHHS>", b"\xff\xfe<\x00a\x00/>", b"not xml at all"):
        result = validate_claim_file(data, name="x", trust=None)
        assert result.verdict == "error" and result.message is not None and result.message.vi


def test_totals_not_judged_when_a_row_links_nowhere(trust: TrustStore) -> None:
    claim = inpatient()
    claim.tables["XML2"][0]["MA_LK"] = "LK-KHAC"  # the row's amount no longer belongs to the encounter
    assert failing(envelope(claim), trust) == {"XD-05"}


@pytest.mark.skipif(not SPREADSHEET.is_file(), reason="the official spreadsheet is not beside the checkout")
def test_spec_generator_reproduces_the_committed_file() -> None:
    from conformance.bhyt_specgen import generate, render
    from conformance.resources import data_path

    generated = render(generate(SPREADSHEET))
    committed = Path(__file__).resolve().parents[1] / "fixtures" / "bhyt" / "qd3176-spec.json"
    assert generated == committed.read_bytes()
    assert generated == data_path("fixtures", "bhyt", "qd3176-spec.json").read_bytes()  # what the package ships


def test_spec_reads_the_spreadsheet_quirks() -> None:
    from conformance.bhyt.spec import load_spec

    spec = load_spec()
    assert "XML12" not in spec.tables and len(spec.tables) == 15
    xml14 = spec.tables["XML14"]
    assert "CHAN_DOAN_RV" in xml14.fields and xml14.fields["CHAN_DOAN_RV"].row == 16  # Bảng 14 skips STT 14
    assert spec.tables["XML1"].fields["MAHUYEN_CU_TRU"].type == "string"  # "Chuỗi " with a trailing space
    assert spec.tables["XML1"].fields["CHAN_DOAN_RV"].max_size is None  # n = unbounded
    assert spec.tables["XML2"].fields["NGAY_YL"].fmt == "datetime12"


def test_signature_wrapping_does_not_pass(trust: TrustStore) -> None:
    """The signed envelope is hidden inside the signature's Object; a forged one sits where readers look."""
    signed = envelope(inpatient())
    root = etree.fromstring(signed)
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    sig = root.find(f"CHUKYDONVI/{ds}Signature")
    assert sig is not None
    original = copy.deepcopy(root)
    original.set("Id", "goc")
    original.remove(original.find("CHUKYDONVI"))
    obj = etree.SubElement(sig, f"{ds}Object")
    obj.append(original)
    ref = sig.find(f"{ds}SignedInfo/{ds}Reference")
    assert ref is not None
    ref.set("URI", "#goc")
    forged = etree.tostring(root).replace(b"<MACSKCB>01001</MACSKCB>", b"<MACSKCB>09999</MACSKCB>", 1)
    result = validate_claim_file(forged, name="w.xml", trust=trust)
    assert {criterion_of(f) for f in result.findings if f.severity == "error"} == {"XD-08"}
