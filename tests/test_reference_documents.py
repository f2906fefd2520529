"""The reference EMR's record documents as a user of its API sees them: signed PDFs issued in the policy's order,
the discharge record signed by the facility, printed copies with the conversion mark, access by department."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conformance.adapters.protocol import Forbidden, Refused
from conformance.adapters.reference.process import ReferenceProcess
from conformance.pdf_text import pdf_text
from conformance.signing_policy import load_policy
from conformance.target import load_target, make_adapter
from conformance.trust import TrustStore
from conformance.verify_signature import verify_bytes


def test_documents_printed_copies_and_department_scope(tmp_path: Path) -> None:
    with ReferenceProcess(db=tmp_path / "emr.sqlite") as server:
        adapter = make_adapter(load_target(server.write_target(tmp_path / "target.toml"), environ=server.passwords))
        try:
            doctor = adapter.session("bac_si")
            patient = doctor.create_patient("001080123456", "Người Bệnh Thử", "1980-01-01", "male")
            encounter = doctor.create_encounter(patient.id, "noi")
            doctor.create_entry(encounter.id, "dien-bien", "Sốt 38,5 °C, ho khan.")
            before = doctor.list_documents(encounter.id)
            assert {d.doc_type for d in before} == {"phieu-dieu-tri", "phieu-ket-qua-xet-nghiem"}
            with pytest.raises(Refused):
                adapter.session("dieu_duong").discharge_encounter(encounter.id)
            doctor.discharge_encounter(encounter.id)
            docs = {d.doc_type: d for d in doctor.list_documents(encounter.id)}
            assert set(docs) == {"phieu-dieu-tri", "phieu-ket-qua-xet-nghiem", "benh-an-ra-vien"}

            record = doctor.get_document(docs["benh-an-ra-vien"].id)
            assert hashlib.sha256(record).hexdigest() == docs["benh-an-ra-vien"].sha256
            result = verify_bytes(record, name="ba.pdf", trust=TrustStore.test_pki(), policy=load_policy())
            assert result.verdict == "valid"
            assert [s.title for s in result.signatures] == ["Bác sĩ", "Trưởng khoa", "Giám đốc", None]
            assert result.signatures[-1].details["certificate"]["organisation_certificate"]

            printed = pdf_text(doctor.print_document(docs["phieu-dieu-tri"].id))
            assert "BẢN CHUYỂN ĐỔI TỪ VĂN BẢN ĐIỆN TỬ" in printed and "Nguyễn Văn An" in printed
            assert docs["phieu-dieu-tri"].id in printed  # the lookup code names the document

            with pytest.raises(Forbidden):
                adapter.session("bac_si_khoa_khac").get_document(docs["phieu-dieu-tri"].id)
        finally:
            adapter.close()
