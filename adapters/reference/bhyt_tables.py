"""The rows of each BHYT table (QĐ 130/4750/3176) for one finished episode of the reference EMR.

Các dòng của từng bảng XML1–XML5, XML7, XML13, XML14 cho một đợt điều trị đã kết thúc.

Each function returns plain ``{field: value}`` mappings (values as the text the XML carries); the field
order and the XML shape are :mod:`export_bhyt`'s concern. Formats follow QĐ 3176 (REQUIREMENTS §4): date-times
``yyyymmddHHMM`` and dates ``yyyymmdd`` in Vietnam time, decimal point ``.``, codes as strings, amounts by the
formulas the spreadsheet rows state (XML2 row 20, XML3 row 19, XML1 rows 45–51).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from conformance.adapters.reference.accounts import ACCOUNTS, FACILITY_CODE
from conformance.adapters.reference.records import EntryRecord

VIETNAM = timezone(timedelta(hours=7), "ICT")
SEX_CODES = {"nam": "1", "male": "1", "m": "1", "nu": "2", "nữ": "2", "female": "2", "f": "2"}
DEPARTMENT_CODES = {"noi": "K02", "ngoai": "K19", "san": "K23", "nhi": "K25", "cap-cuu": "K03"}  # test codes
SUPPLY_GROUPS = frozenset({10, 11})  # MA_NHOM of medical supplies (VTYT), summed into T_VTYT
# Practising-certificate numbers (MA_BAC_SI, NGUOI_THUC_HIEN...) of the reference staff: test values.
PRACTICE_CODES = {"NV0001": "001234/HNO-CCHN", "NV0002": "001235/HNO-CCHN", "NV0003": "001236/HNO-CCHN",
                  "NV0004": "001237/HNO-CCHN", "NV0005": "001238/HNO-CCHN", "NV0007": "001239/HNO-CCHN",
                  "NV0008": "001240/HNO-CCHN"}
STAFF_NAMES = {a.user_id: a.full_name for a in ACCOUNTS}
ENDED_STATUSES = frozenset({"active"})


def local(moment: str) -> datetime:
    """An ISO time (with offset; naive values are UTC) in Vietnam time."""
    t = datetime.fromisoformat(moment)
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(VIETNAM)


def dt12(moment: str | None) -> str:
    """``yyyymmddHHMM`` (QĐ 3176: date-times are 12 characters); empty when unknown."""
    return local(moment).strftime("%Y%m%d%H%M") if moment else ""


def amount(value: Decimal) -> str:
    """A number with a decimal point, no thousands separator; whole values without decimals."""
    value = value.quantize(Decimal("0.01"))
    return str(value.to_integral_value()) if value == value.to_integral_value() else f"{value:.2f}"


def practice(user_id: str | None) -> str:
    return PRACTICE_CODES.get(user_id or "", user_id or "")


@dataclass(frozen=True)
class Episode:
    """Everything one claim reads: the patient and encounter rows, the entries, the episode data."""

    patient: sqlite3.Row
    encounter: sqlite3.Row
    entries: list[EntryRecord]
    data: dict[str, Any]
    facility: str = FACILITY_CODE

    @property
    def ma_lk(self) -> str:
        return str(self.encounter["id"])

    @property
    def department(self) -> str:
        return DEPARTMENT_CODES.get(self.encounter["department"], str(self.encounter["department"]))

    def birth(self) -> str:
        return str(self.patient["birth_date"]).replace("-", "") + "0000"  # hour and minute unknown: 0000

    def sex(self) -> str:
        return SEX_CODES.get(str(self.patient["sex"]).lower(), "3")

    def icd_other(self) -> str:
        return ";".join(self.data.get("icd_other", []))


# --------------------------------------------------------------------------------------------------
# Amounts


def _cost(ep: Episode, qty: int, price: int, rate_dv: int = 100) -> dict[str, Decimal]:
    """One row's amounts: THANH_TIEN_BV = SO_LUONG × DON_GIA (× TYLE_TT_DV / 100 for XML3), the whole amount
    within the fund's scope (TYLE_TT_BH 100), split by the benefit level (MUC_HUONG)."""
    bv = (Decimal(qty) * Decimal(price) * Decimal(rate_dv) / Decimal(100)).quantize(Decimal("0.01"))
    bh = bv
    bhtt = (bh * Decimal(ep.data.get("benefit_pct", 80)) / Decimal(100)).quantize(Decimal("0.01"))
    return {"THANH_TIEN_BV": bv, "THANH_TIEN_BH": bh, "T_BHTT": bhtt, "T_BNCCT": bh - bhtt,
            "T_BNTT": bv - bh}


_ZERO_SOURCES = {"T_NGUONKHAC_NSNN": "0", "T_NGUONKHAC_VTNN": "0", "T_NGUONKHAC_VTTN": "0", "T_NGUONKHAC_CL": "0",
                 "T_NGUONKHAC": "0"}


def _money(costs: dict[str, Decimal]) -> dict[str, str]:
    return {k: amount(v) for k, v in costs.items()}


# --------------------------------------------------------------------------------------------------
# Tables


def xml2(ep: Episode) -> list[dict[str, str]]:
    """Bảng 2 — drugs (thuốc)."""
    rows = []
    for i, d in enumerate(ep.data.get("drugs", []), 1):
        rows.append({
            "MA_LK": ep.ma_lk, "STT": str(i), "MA_THUOC": d["code"], "MA_NHOM": str(d["group"]),
            "TEN_THUOC": d["name"], "DON_VI_TINH": d["unit"], "HAM_LUONG": d["strength"], "DUONG_DUNG": d["route"],
            "DANG_BAO_CHE": d["form"], "LIEU_DUNG": d["dose"], "CACH_DUNG": d["usage"], "SO_DANG_KY": d["reg"],
            "TT_THAU": d["tender"], "PHAM_VI": "1", "TYLE_TT_BH": "100", "SO_LUONG": str(d["qty"]),
            "DON_GIA": amount(Decimal(d["price"])), **_money(_cost(ep, d["qty"], d["price"])), **_ZERO_SOURCES,
            "MUC_HUONG": str(ep.data.get("benefit_pct", 80)), "MA_KHOA": ep.department,
            "MA_BAC_SI": practice(ep.data.get("doctor")), "NGAY_YL": dt12(d["ordered"]),
            "NGAY_TH_YL": dt12(d["ordered"]), "MA_PTTT": "1", "NGUON_CTRA": "1",
        })
    return rows


def xml3(ep: Episode) -> list[dict[str, str]]:
    """Bảng 3 — technical services and medical supplies (DVKT, VTYT)."""
    rows = []
    for i, s in enumerate(ep.data.get("services", []), 1):
        supply = s["group"] in SUPPLY_GROUPS
        rows.append({
            "MA_LK": ep.ma_lk, "STT": str(i), "MA_DICH_VU": s.get("code", ""), "MA_VAT_TU": s.get("supply", ""),
            "MA_NHOM": str(s["group"]), "TEN_VAT_TU": s["name"] if supply else "",
            "TEN_DICH_VU": "" if supply else s["name"], "DON_VI_TINH": s["unit"], "PHAM_VI": "1",
            "SO_LUONG": str(s["qty"]), "DON_GIA_BV": amount(Decimal(s["price"])),
            "DON_GIA_BH": amount(Decimal(s["price"])), "TYLE_TT_DV": "100", "TYLE_TT_BH": "100",
            **_money(_cost(ep, s["qty"], s["price"])), **_ZERO_SOURCES,
            "MUC_HUONG": str(ep.data.get("benefit_pct", 80)), "MA_KHOA": ep.department,
            "MA_BAC_SI": practice(ep.data.get("doctor")), "NGUOI_THUC_HIEN": practice(ep.data.get("doctor")),
            "MA_BENH": ";".join([ep.data["icd_main"], *ep.data.get("icd_other", [])]),
            "NGAY_YL": dt12(s["ordered"]), "NGAY_TH_YL": dt12(s["ordered"]), "NGAY_KQ": dt12(s.get("result")),
            "MA_PTTT": "1",
        })
    return rows


def xml4(ep: Episode) -> list[dict[str, str]]:
    """Bảng 4 — paraclinical results (cận lâm sàng)."""
    return [{"MA_LK": ep.ma_lk, "STT": str(i), "MA_DICH_VU": r["service"], "MA_CHI_SO": r["code"],
             "TEN_CHI_SO": r["name"], "GIA_TRI": r.get("value", ""), "DON_VI_DO": r.get("unit", ""),
             "MO_TA": r.get("description", ""), "KET_LUAN": r.get("conclusion", ""), "NGAY_KQ": dt12(r["time"]),
             "MA_BS_DOC_KQ": practice(r.get("reader"))}
            for i, r in enumerate(ep.data.get("results", []), 1)]


def xml5(ep: Episode) -> list[dict[str, str]]:
    """Bảng 5 — clinical course (diễn biến lâm sàng): the encounter's entries, current versions, not cancelled."""
    rows: list[dict[str, str]] = []
    for e in ep.entries:
        if e.status not in ENDED_STATUSES:
            continue
        rows.append({"MA_LK": ep.ma_lk, "STT": str(len(rows) + 1), "DIEN_BIEN_LS": e.text,
                     "HOI_CHAN": e.text if e.kind == "hoi-chan" else "", "THOI_DIEM_DBLS": dt12(e.recorded_at),
                     "NGUOI_THUC_HIEN": practice(e.author)})
    return rows


def xml1(ep: Episode, drugs: list[dict[str, str]], services: list[dict[str, str]]) -> dict[str, str]:
    """Bảng 1 — the episode summary (tổng hợp); totals from the XML2/XML3 rows."""
    d, card = ep.data, ep.data["card"]

    def total(rows: list[dict[str, str]], name: str) -> Decimal:
        return sum((Decimal(r[name]) for r in rows), Decimal(0))

    supplies = [r for r in services if int(r["MA_NHOM"]) in SUPPLY_GROUPS]
    both = drugs + services
    tong_bh, bncct = total(both, "THANH_TIEN_BH"), total(both, "T_BNCCT")
    vao, ra = local(ep.encounter["started_at"]), local(d["ended"])
    inpatient = d["visit_type"] in ("02", "03", "04", "06")
    days = (ra.date() - vao.date()).days + 1 if inpatient else 0
    paid = local(d["paid"])
    return {
        "MA_LK": ep.ma_lk, "STT": "1", "MA_BN": d.get("patient_code", str(ep.patient["id"])),
        "HO_TEN": ep.patient["name"], "SO_CCCD": ep.patient["national_id"], "NGAY_SINH": ep.birth(),
        "GIOI_TINH": ep.sex(), "NHOM_MAU": f"{d.get('blood_group', '')}{d.get('rh', '')}",
        "MA_QUOCTICH": d["nationality"], "MA_DANTOC": d["ethnicity"], "MA_NGHE_NGHIEP": d["occupation"],
        "DIA_CHI": d["address"], "MATINH_CU_TRU": d["province"], "MAHUYEN_CU_TRU": d["district"],
        "MAXA_CU_TRU": d["commune"], "DIEN_THOAI": d["phone"], "MA_THE_BHYT": card["number"],
        "MA_DKBD": card["registered_at"], "GT_THE_TU": card["from"], "GT_THE_DEN": card["to"],
        "LY_DO_VV": d["reason"], "LY_DO_VNT": d.get("inpatient_reason", ""), "CHAN_DOAN_VAO": d["diagnosis_in"],
        "CHAN_DOAN_RV": d["diagnosis_out"], "MA_BENH_CHINH": d["icd_main"], "MA_BENH_KT": ep.icd_other(),
        "MA_DOITUONG_KCB": d["beneficiary"], "MA_NOI_DEN": d.get("referral", {}).get("to", ""),
        "NGAY_VAO": dt12(ep.encounter["started_at"]), "NGAY_VAO_NOI_TRU": dt12(d.get("inpatient_from")),
        "NGAY_RA": dt12(d["ended"]), "SO_NGAY_DTRI": str(days), "PP_DIEU_TRI": d["treatment"],
        "KET_QUA_DTRI": str(d["outcome"]), "MA_LOAI_RV": str(d["discharge_kind"]), "GHI_CHU": d["doctor_note"],
        "NGAY_TTOAN": dt12(d["paid"]), "T_THUOC": amount(total(drugs, "THANH_TIEN_BV")),
        "T_VTYT": amount(total(supplies, "THANH_TIEN_BV")), "T_TONGCHI_BV": amount(total(both, "THANH_TIEN_BV")),
        "T_TONGCHI_BH": amount(tong_bh), "T_BNTT": amount(total(both, "T_BNTT")), "T_BNCCT": amount(bncct),
        "T_BHTT": amount(tong_bh - bncct), "T_NGUONKHAC": "0", "T_BHTT_GDV": "0", "NAM_QT": str(paid.year),
        "THANG_QT": str(paid.month), "MA_LOAI_KCB": d["visit_type"], "MA_KHOA": ep.department,
        "MA_CSKCB": ep.facility, "MA_KHUVUC": card.get("area", ""), "CAN_NANG": d.get("weight_kg", ""),
        "NAM_NAM_LIEN_TUC": card.get("five_years", ""),
        "NGAY_TAI_KHAM": d.get("appointment", {}).get("date", ""), "MA_HSBA": d["record_number"],
        "MA_TTDV": d["director_code"],
    }


def _identity(ep: Episode, summary: dict[str, str]) -> dict[str, str]:
    """The identity and stay fields XML13/XML14 repeat from XML1 (equal by construction)."""
    keys = ("MA_LK", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "DIA_CHI", "MA_THE_BHYT", "GT_THE_DEN", "NGAY_VAO",
            "NGAY_VAO_NOI_TRU", "NGAY_RA", "CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_BENH_KT")
    return {k: summary[k] for k in keys} | {"MA_CSKCB": ep.facility, "MA_TTDV": summary["MA_TTDV"]}


def xml7(ep: Episode, summary: dict[str, str]) -> dict[str, str] | None:
    """Bảng 7 — the discharge paper (giấy ra viện), when the episode ended with one."""
    paper = ep.data.get("discharge")
    if not paper:
        return None
    head = ep.data.get("head_of_department")
    return {"MA_LK": ep.ma_lk, "SO_LUU_TRU": ep.data["record_number"], "MA_YTE": summary["MA_BN"],
            "MA_KHOA_RV": ep.department, "NGAY_VAO": summary["NGAY_VAO"], "NGAY_RA": summary["NGAY_RA"],
            "MA_DINH_CHI_THAI": "0", "CHAN_DOAN_RV": summary["CHAN_DOAN_RV"], "PP_DIEUTRI": summary["PP_DIEU_TRI"],
            "GHI_CHU": paper.get("note", ""), "MA_TTDV": summary["MA_TTDV"], "MA_BS": practice(head),
            "TEN_BS": STAFF_NAMES.get(head or "", ""), "NGAY_CT": paper["paper_date"]}


def xml8(ep: Episode, summary: dict[str, str]) -> dict[str, str] | None:
    """Bảng 8 — the record summary (tóm tắt hồ sơ bệnh án) of an inpatient stay: the course from the entries, the
    results from the paraclinical rows."""
    if summary["MA_LOAI_KCB"] not in ("03", "04", "06"):
        return None
    course = " ".join(e.text for e in ep.entries if e.status in ENDED_STATUSES)
    results = "; ".join(f"{r['name']}: {r.get('conclusion') or (r.get('value', '') + ' ' + r.get('unit', '')).strip()}"
                        for r in ep.data.get("results", []))
    return {"MA_LK": ep.ma_lk, "MA_LOAI_KCB": summary["MA_LOAI_KCB"], "NGAY_VAO": summary["NGAY_VAO"],
            "NGAY_RA": summary["NGAY_RA"], "CHAN_DOAN_VAO": summary["CHAN_DOAN_VAO"],
            "CHAN_DOAN_RV": summary["CHAN_DOAN_RV"], "QT_BENHLY": course, "TOMTAT_KQ": results,
            "PP_DIEUTRI": summary["PP_DIEU_TRI"], "KET_QUA_DTRI": summary["KET_QUA_DTRI"],
            "GHI_CHU": summary["GHI_CHU"], "MA_TTDV": summary["MA_TTDV"], "NGAY_CT": summary["NGAY_RA"][:8]}


def xml13(ep: Episode, summary: dict[str, str]) -> dict[str, str] | None:
    """Bảng 13 — the referral paper (giấy chuyển tuyến), when the patient was referred."""
    ref = ep.data.get("referral")
    if not ref:
        return None
    return {**_identity(ep, summary), "SO_HOSO": ref["file_number"], "SO_CHUYENTUYEN": ref["book_number"],
            "GIAY_CHUYEN_TUYEN": ref["paper_number"], "MA_NOI_DI": ep.facility, "MA_NOI_DEN": ref["to"],
            "MA_QUOCTICH": summary["MA_QUOCTICH"], "MA_DANTOC": summary["MA_DANTOC"],
            "MA_NGHE_NGHIEP": summary["MA_NGHE_NGHIEP"], "DAU_HIEU_LS": ref["signs"], "QT_BENHLY": ref["course"],
            "TOMTAT_KQ": ref["results"], "PP_DIEUTRI": summary["PP_DIEU_TRI"], "PP_DIEU_TRI": ref["condition"],
            "MA_LOAI_RV": summary["MA_LOAI_RV"], "MA_LYDO_CT": str(ref["reason"]), "HUONG_DIEU_TRI": ref["plan"],
            "PHUONGTIEN_VC": ref["transport"], "HOTEN_NGUOI_HT": ref.get("escort", ""),
            "CHUCDANH_NGUOI_HT": ref.get("escort_title", ""), "MA_BAC_SI": practice(ep.data.get("doctor"))}


def xml14(ep: Episode, summary: dict[str, str]) -> dict[str, str] | None:
    """Bảng 14 — the re-visit appointment paper (giấy hẹn khám lại), when one was given."""
    appt = ep.data.get("appointment")
    if not appt:
        return None
    return {**_identity(ep, summary), "SO_GIAYHEN_KL": appt["number"], "NGAY_HEN_KL": appt["date"],
            "MA_DOITUONG_KCB": summary["MA_DOITUONG_KCB"], "MA_BAC_SI": practice(ep.data.get("doctor")),
            "NGAY_CT": appt["issued"]}
