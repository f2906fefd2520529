"""The reference EMR's exports as a user sees them: valid, signed by the facility, derived from the database (they
change when the record changes), refused without credentials or outside the department, and audited as reads."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from conformance.adapters.protocol import Adapter, Forbidden, Refused, Unauthenticated
from conformance.adapters.reference.claims_seed import SAMPLE_EXPORT_ENCOUNTERS
from conformance.adapters.reference.process import ReferenceProcess
from conformance.bhyt_validate import validate_claim_file
from conformance.cv365 import read_document, validate_record_export
from conformance.target import TEST_PKI, load_target, make_adapter
from conformance.trust import TrustStore
from conformance.xmlsig import verify_xml_signatures

DISCHARGED, REFERRED = SAMPLE_EXPORT_ENCOUNTERS


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Adapter]:
    folder = tmp_path_factory.mktemp("exports")
    with ReferenceProcess(db=folder / "emr.sqlite") as server:
        config = load_target(server.write_target(folder / "target.toml"), environ=server.passwords)
        assert config.trust == TEST_PKI and config.export_encounters == SAMPLE_EXPORT_ENCOUNTERS
        made = make_adapter(config)
        try:
            yield made
        finally:
            made.close()


def tables(claim: bytes) -> dict[str, bytes]:
    root = etree.fromstring(claim)
    return {f.findtext("LOAIHOSO"): base64.b64decode(f.findtext("NOIDUNGFILE") or "")
            for f in root.iter("FILEHOSO")}


@pytest.mark.parametrize(("encounter", "papers"), [(DISCHARGED, {"XML7", "XML14"}), (REFERRED, {"XML13"})])
def test_sample_claims_are_valid_and_signed_by_the_facility(adapter: Adapter, encounter: str,
                                                            papers: set[str]) -> None:
    claim = adapter.session("bac_si").export_claim(encounter)
    result = validate_claim_file(claim, name=encounter, trust=TrustStore.test_pki())
    errors = [f.to_json() for f in result.findings if f.severity == "error"]
    assert result.verdict == "valid", errors
    assert set(tables(claim)) == {"XML1", "XML2", "XML3", "XML4", "XML5", "XML8"} | papers
    signatures = verify_xml_signatures(claim, name=encounter, trust=TrustStore.test_pki())
    assert signatures.verdict == "valid"
    (facility,) = signatures.signatures
    assert facility.scope == "/GIAMDINHHS" and facility.trusted
    assert facility.signer and "HSBA" in facility.signer


def test_record_exports_are_valid_and_agree_across_formats(adapter: Adapter) -> None:
    session = adapter.session("bac_si")
    for encounter in SAMPLE_EXPORT_ENCOUNTERS:
        xml, js = session.export_record(encounter, "xml"), session.export_record(encounter, "json")
        for data in (xml, js):
            result = validate_record_export(data, name=encounter)
            assert result.verdict == "valid", [f.to_json() for f in result.findings]
        assert read_document(xml) == read_document(js)


def test_exports_follow_the_record(adapter: Adapter) -> None:
    """A new progress note shows up in XML5 and in ThongTinDieuTri; the new claim is signed again."""
    doctor = adapter.session("bac_si")
    before_claim = doctor.export_claim(DISCHARGED)
    text = f"Ghi chép bổ sung sau ra viện {datetime.now().isoformat()}"
    doctor.create_entry(DISCHARGED, "dien-bien", text)
    after_claim = doctor.export_claim(DISCHARGED)
    assert text.encode() not in tables(before_claim)["XML5"]
    assert text.encode() in tables(after_claim)["XML5"]
    assert verify_xml_signatures(after_claim, name="after", trust=TrustStore.test_pki()).verdict == "valid"
    course = read_document(doctor.export_record(DISCHARGED, "json"))["HoSoBenhAn"]["ThongTinDieuTri"]
    assert any(row["noidung"] == text for row in course)


def test_exports_need_credentials_and_scope_and_are_audited(adapter: Adapter) -> None:
    with pytest.raises(Unauthenticated):
        adapter.anonymous().export_claim(DISCHARGED)
    with pytest.raises(Unauthenticated):
        adapter.anonymous().export_record(DISCHARGED, "json")
    with pytest.raises(Forbidden):
        adapter.session("bac_si_khoa_khac").export_claim(DISCHARGED)  # another department
    with pytest.raises(Forbidden):
        adapter.session("quan_tri").export_record(DISCHARGED, "xml")  # not a clinical reader
    adapter.session("giam_doc").export_claim(REFERRED)
    events = adapter.session("quan_tri").audit_events(object_id=REFERRED)
    reads = [e for e in events if e.action == "read" and e.user == "NV0005"]
    assert any(e.raw.get("detail") == "export-bhyt" for e in reads)
    denied = [e for e in adapter.session("quan_tri").audit_events(object_id=DISCHARGED) if e.outcome == "denied"]
    assert {e.user for e in denied} >= {None, "NV0007", "NV0006"}


def test_an_unfinished_encounter_has_a_record_export_but_no_claim(adapter: Adapter, tmp_path: Path) -> None:
    doctor = adapter.session("bac_si")
    patient = doctor.create_patient("001190123456", "HSBA-TEST xuất dữ liệu", "1990-02-03", "male")
    encounter = doctor.create_encounter(patient.id, "noi")
    with pytest.raises(Refused) as info:
        doctor.export_claim(encounter.id)
    assert info.value.status == 409 and "[exports] encounters" in info.value.en
    record = read_document(doctor.export_record(encounter.id, "json"))["HoSoBenhAn"]
    assert record["ThongTinBenhNhan"]["cccd_so"] == "001190123456"
    with pytest.raises(Refused) as bad:
        doctor.export_record(encounter.id, "pdf")
    assert bad.value.status == 422
