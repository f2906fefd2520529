"""The CV 365 record-export validator: what it accepts, what each rule catches (one criterion per defect), and
hostile input turned into an ``error`` verdict instead of a crash."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from conformance.cv365 import read_document, shape, validate_record_export
from conftest import run_hsba


def sample() -> dict[str, Any]:
    groups: dict[str, Any] = {g: [] for g in shape().groups}
    groups["ThongTinBenhNhan"] = {"mabenhnhan": "BN01", "hoten": "Nguyễn Văn A", "ngaysinh": "19800101",
                                  "gioitinh": "1", "cccd_so": "001080000001", "mabhyt": "HC4010120000123"}
    groups["ThongTinVaoVien"] = {"sovaovien": "NT-01", "loaiba": "noitru", "chandoanvaovien": "Viêm phổi",
                                 "maicd": "J18.9"}
    groups["ThongTinDieuTri"] = [{"thoidiem": "202501010800", "noidung": "Sốt", "nguoithuchien": "NV1"}]
    return {"HoSoBenhAn": groups}


def as_json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def as_xml(doc: dict[str, Any]) -> bytes:
    root = etree.Element("HoSoBenhAn")
    for group, content in doc["HoSoBenhAn"].items():
        element = etree.SubElement(root, group)
        for item in [content] if isinstance(content, dict) else content:
            holder = element if isinstance(content, dict) else etree.SubElement(element, "ChiTiet")
            for name, value in item.items():
                etree.SubElement(holder, name).text = str(value)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def rules(data: bytes) -> set[str]:
    result = validate_record_export(data, name="x")
    assert result.message is None, result.message
    return {f.rule for f in result.findings if f.severity == "error"}


@pytest.mark.parametrize("form", [as_json, as_xml], ids=["json", "xml"])
def test_a_complete_export_is_valid_in_both_forms(form: Any) -> None:
    result = validate_record_export(form(sample()), name="ok")
    assert result.verdict == "valid", [f.to_json() for f in result.findings]
    assert result.format in ("cv365-json", "cv365-xml")
    assert result.details["groups"]["ThongTinDieuTri"] == 1
    assert "cccd_so" in result.details["fields_with_values"]


def test_xml_and_json_read_into_the_same_record() -> None:
    assert read_document(as_xml(sample())) == read_document(as_json(sample()))


@pytest.mark.parametrize("form", [as_json, as_xml], ids=["json", "xml"])
def test_a_missing_group_is_a_structure_finding_only(form: Any) -> None:
    doc = sample()
    del doc["HoSoBenhAn"]["GiayChuyenVien"]
    assert rules(form(doc)) == {"XD-10.required"}


def test_field_names_are_lower_case_and_groups_known() -> None:
    doc = sample()
    doc["HoSoBenhAn"]["ThongTinBenhNhan"]["HoTen"] = "x"
    doc["HoSoBenhAn"]["NhomLa"] = []
    assert rules(as_json(doc)) == {"XD-10.propertyNames", "XD-10.additionalProperties"}


def test_cccd_as_a_number_or_without_leading_zeros_is_xd11_only() -> None:
    doc = sample()
    doc["HoSoBenhAn"]["ThongTinBenhNhan"]["cccd_so"] = 1080000001
    assert rules(as_json(doc)) == {"XD-11.type"}
    doc["HoSoBenhAn"]["ThongTinBenhNhan"]["cccd_so"] = "1080000001"
    assert rules(as_xml(doc)) == {"XD-11.pattern"}
    doc["HoSoBenhAn"]["ThongTinBenhNhan"]["cccd_so"] = ""  # no personal id (newborn, foreigner): allowed
    assert rules(as_json(doc)) == set()


@pytest.mark.parametrize(("code", "expected"), [
    ("R104", {"XD-12.pattern"}),  # not dotted
    ("R10.9", {"XD-12.code"}),  # ICD-10-CM, not WHO ICD-10
    ("J18.9000", {"XD-12.maxLength"}),
    ("U07.1", set()),  # the documented supplement
    ("R10.4", set()),
])
def test_maicd_is_a_dotted_icd10_code(code: str, expected: set[str]) -> None:
    doc = sample()
    doc["HoSoBenhAn"]["ThongTinVaoVien"]["maicd"] = code
    assert rules(as_json(doc)) == expected


def test_xml_shape_problems_are_structure_findings() -> None:
    data = as_xml(sample()).replace(b"<ThongTinDieuTri><ChiTiet>", b"<ThongTinDieuTri><Dong>").replace(
        b"</ChiTiet></ThongTinDieuTri>", b"</Dong></ThongTinDieuTri>")
    assert rules(data) == {"XD-10.xml-item"}


BOMB = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<HoSoBenhAn><ThongTinBenhNhan><hoten>&b;</hoten></ThongTinBenhNhan></HoSoBenhAn>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b"<HoSoBenhAn><ThongTinBenhNhan><hoten>&x;</hoten></ThongTinBenhNhan></HoSoBenhAn>")


@pytest.mark.parametrize("data", [
    BOMB, XXE, b"", b"\xff\xfe<HoSoBenhAn/>", b"<HoSoBenhAn><ThongTinBenhNhan>", b'{"HoSoBenhAn": NaN}',
    b"<Khac/>", b"[1, 2]" , b"<a>" * 100 + b"</a>" * 100, b"{" * 50000,
], ids=["entity-bomb", "xxe", "empty", "utf16", "truncated", "nan", "wrong-root", "array", "deep", "deep-json"])
def test_hostile_input_is_an_error_or_invalid_verdict(data: bytes) -> None:
    result = validate_record_export(data, name="hostile")
    assert result.verdict in ("error", "invalid")
    if result.message is not None:
        assert result.message.vi and result.message.en


def test_size_limit() -> None:
    result = validate_record_export(b" " * (21 * 1024 * 1024), name="huge")
    assert result.verdict == "error" and "byte" in result.message.en  # type: ignore[union-attr]


def test_validate_export_command_dispatches_cv365(tmp_path: Path) -> None:
    good, bad = copy.deepcopy(sample()), copy.deepcopy(sample())
    del bad["HoSoBenhAn"]["HoSoCapCuu"]
    (tmp_path / "good.json").write_bytes(as_json(good))
    (tmp_path / "bad.xml").write_bytes(as_xml(bad))
    proc = run_hsba(["validate-export", "good.json", "bad.xml", "--format", "cv365", "--json"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    verdicts = {Path(r["file"]).name: r["verdict"] for r in json.loads(proc.stdout)}
    assert verdicts == {"good.json": "valid", "bad.xml": "invalid"}
