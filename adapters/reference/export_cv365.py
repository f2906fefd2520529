"""The CV 365 record export (``HoSoBenhAn``) of one encounter, in XML and in JSON.

Bản trích xuất HSBA điện tử theo phụ lục Công văn 365/TTYQG-GPQLCL: gốc ``HoSoBenhAn`` với 11 nhóm; tên trường viết
thường. Nhóm nào không có dữ liệu vẫn có mặt (rỗng).

The appendix's full field table is not public here: the groups and the lower-case fields REQUIREMENTS §2 row 5 names
are used as named; the other fields of each group are the reference EMR's own lower-case names (see
``fixtures/cv365/hosobenhan.schema.json``). Dates are ``yyyymmdd`` and date-times ``yyyymmddHHMM`` in Vietnam time,
as in the BHYT tables (the project's reading). The XML form: one element per group; a single-record group holds one
element per field; a list group holds one ``ChiTiet`` element per record.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from conformance.adapters.reference import bhyt_tables as bt
from conformance.adapters.reference.faults import FaultSet

GROUPS = ("ThongTinBenhNhan", "ThongTinVaoVien", "ThongTinDieuTri", "YLenhThuocVatTu", "PhieuChiDinh",
          "KetQuaChanDoanHinhAnh", "KetQuaXetNghiem", "GiayChuyenVien", "HoSoCapCuu", "PhieuThuThuat",
          "PhieuPhauThuat")
SINGLE = frozenset({"ThongTinBenhNhan", "ThongTinVaoVien"})
ITEM_TAG = "ChiTiet"
KIND_CODES = {"noi-tru": "noitru", "ngoai-tru": "ngoaitru", "cap-cuu": "capcuu"}


def _patient(ep: bt.Episode, faults: FaultSet) -> dict[str, Any]:
    d, card = ep.data, ep.data.get("card", {})
    cccd: Any = str(ep.patient["national_id"])
    if "record-export-cccd-number" in faults and cccd.isdigit():
        cccd = int(cccd)  # a number: the leading zeros are gone
    return {"mabenhnhan": d.get("patient_code", str(ep.patient["id"])), "hoten": ep.patient["name"],
            "ngaysinh": str(ep.patient["birth_date"]).replace("-", ""), "gioitinh": ep.sex(),
            "nhommau": d.get("blood_group", ""), "yeutorh": d.get("rh", ""), "dantoc_ma": d.get("ethnicity", ""),
            "nghenghiep_ma": d.get("occupation", ""), "diachi": d.get("address", ""),
            "tinhthanh_ma": d.get("province", ""), "quanhuyen_ma": d.get("district", ""),
            "sodienthoai": d.get("phone", ""), "mabhyt": card.get("number", ""), "tungaybhyt": card.get("from", ""),
            "denngaybhyt": card.get("to", ""), "noidangkykcbbd": card.get("registered_at", ""), "cccd_so": cccd}


def _admission(ep: bt.Episode, faults: FaultSet) -> dict[str, Any]:
    d = ep.data
    icd = d.get("icd_main", "")
    if "record-export-undotted-icd" in faults:
        icd = icd.replace(".", "")
    return {"sovaovien": d.get("record_number", ep.ma_lk), "loaiba": KIND_CODES.get(ep.encounter["kind"],
                                                                                      str(ep.encounter["kind"])),
            "ngayvaovien": bt.dt12(ep.encounter["started_at"]), "khoa_ma": ep.department,
            "lydovaovien": d.get("reason", ""), "chandoanvaovien": d.get("diagnosis_in", ""),
            "maicd": icd}


def record(ep: bt.Episode, faults: FaultSet) -> dict[str, Any]:
    """The export as one mapping ``{"HoSoBenhAn": {group: record or [records]}}``."""
    d = ep.data
    groups: dict[str, Any] = {
        "ThongTinBenhNhan": _patient(ep, faults),
        "ThongTinVaoVien": _admission(ep, faults),
        "ThongTinDieuTri": [{"thoidiem": bt.dt12(e.recorded_at), "loai": e.kind, "noidung": e.text,
                             "nguoithuchien": bt.practice(e.author), "trangthai": e.status} for e in ep.entries],
        "YLenhThuocVatTu": [{"ma": x["code"], "ten": x["name"], "hamluong": x["strength"], "donvitinh": x["unit"],
                             "duongdung": x["route"], "lieudung": x["dose"], "soluong": str(x["qty"]),
                             "thoidiem": bt.dt12(x["ordered"])} for x in d.get("drugs", [])],
        "PhieuChiDinh": [{"madichvu": s.get("code") or s.get("supply", ""), "tendichvu": s["name"],
                          "soluong": str(s["qty"]), "thoidiemchidinh": bt.dt12(s["ordered"]),
                          "bacsichidinh": bt.practice(d.get("doctor"))} for s in d.get("services", [])],
        "KetQuaChanDoanHinhAnh": [_result(r) for r in d.get("results", []) if r.get("imaging")],
        "KetQuaXetNghiem": [_result(r) for r in d.get("results", []) if not r.get("imaging")],
        "GiayChuyenVien": [_referral(d["referral"])] if d.get("referral") else [],
        "HoSoCapCuu": [], "PhieuThuThuat": [], "PhieuPhauThuat": [],
    }
    if "record-export-missing-group" in faults:
        del groups["ThongTinDieuTri"]
    return {"HoSoBenhAn": groups}


def _result(r: dict[str, Any]) -> dict[str, str]:
    return {"madichvu": r["service"], "machiso": r["code"], "tenchiso": r["name"], "giatri": r.get("value", ""),
            "donvi": r.get("unit", ""), "mota": r.get("description", ""), "ketluan": r.get("conclusion", ""),
            "thoidiemketqua": bt.dt12(r["time"]), "nguoidoc": bt.practice(r.get("reader"))}


def _referral(ref: dict[str, Any]) -> dict[str, str]:
    return {"sogiay": ref["paper_number"], "noichuyenden_ma": ref["to"], "lydochuyen_ma": str(ref["reason"]),
            "tinhtrang": ref["condition"], "huongdieutri": ref["plan"], "phuongtien": ref["transport"]}


def to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def to_xml(data: dict[str, Any]) -> bytes:
    root = etree.Element("HoSoBenhAn")
    for group, content in data["HoSoBenhAn"].items():
        element = etree.SubElement(root, group)
        for item in [content] if isinstance(content, dict) else content:
            holder = element if isinstance(content, dict) else etree.SubElement(element, ITEM_TAG)
            for name, value in item.items():
                etree.SubElement(holder, name).text = _text(value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(root, encoding="utf-8", pretty_print=True)


def export(ep: bt.Episode, fmt: str, faults: FaultSet) -> bytes:
    data = record(ep, faults)
    return to_json(data) if fmt == "json" else to_xml(data)
