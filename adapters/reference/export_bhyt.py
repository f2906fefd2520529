"""The BHYT claim submission (hồ sơ giám định BHYT, QĐ 130/4750/3176) of one finished episode, signed.

Hồ sơ XML gửi BHXH của một đợt điều trị: phong bì ``GIAMDINHHS`` chứa các bảng XML1–XML5, XML7, XML13, XML14 (mã hóa
base64), ký số XMLDSig (RSA-SHA256, enveloped, toàn bộ ``GIAMDINHHS``) bằng chứng thư của cơ sở, chữ ký nằm trong
``CHUKYDONVI``.

Field order per table is the official spreadsheet's (``qd3176-bang-chi-tieu.xlsx``); table root/row tags as
REQUIREMENTS §4 gives them. Every field of a table is written, empty when the episode has no value for it.
The export-related fault switches of the reference EMR act here (and in :mod:`xmlsign`).
"""

from __future__ import annotations

import base64
import copy
from datetime import datetime
from decimal import Decimal

from lxml import etree

from conformance.adapters.reference import bhyt_tables as bt
from conformance.adapters.reference import xmlsign
from conformance.adapters.reference.faults import FaultSet


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Field order of each table, as the QĐ 3176 spreadsheet lists it (column "Chỉ tiêu").
TABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "XML1": _names("""MA_LK STT MA_BN HO_TEN SO_CCCD NGAY_SINH GIOI_TINH NHOM_MAU MA_QUOCTICH MA_DANTOC MA_NGHE_NGHIEP
        DIA_CHI MATINH_CU_TRU MAHUYEN_CU_TRU MAXA_CU_TRU DIEN_THOAI MA_THE_BHYT MA_DKBD GT_THE_TU GT_THE_DEN
        NGAY_MIEN_CCT LY_DO_VV LY_DO_VNT MA_LY_DO_VNT CHAN_DOAN_VAO CHAN_DOAN_RV MA_BENH_CHINH MA_BENH_KT MA_BENH_YHCT
        MA_PTTT_QT MA_DOITUONG_KCB MA_NOI_DI MA_NOI_DEN MA_TAI_NAN NGAY_VAO NGAY_VAO_NOI_TRU NGAY_RA GIAY_CHUYEN_TUYEN
        SO_NGAY_DTRI PP_DIEU_TRI KET_QUA_DTRI MA_LOAI_RV GHI_CHU NGAY_TTOAN T_THUOC T_VTYT T_TONGCHI_BV T_TONGCHI_BH
        T_BNTT T_BNCCT T_BHTT T_NGUONKHAC T_BHTT_GDV NAM_QT THANG_QT MA_LOAI_KCB MA_KHOA MA_CSKCB MA_KHUVUC CAN_NANG
        CAN_NANG_CON NAM_NAM_LIEN_TUC NGAY_TAI_KHAM MA_HSBA MA_TTDV DU_PHONG"""),
    "XML2": _names("""MA_LK STT MA_THUOC MA_PP_CHEBIEN MA_CSKCB_THUOC MA_NHOM TEN_THUOC DON_VI_TINH HAM_LUONG DUONG_DUNG
        DANG_BAO_CHE LIEU_DUNG CACH_DUNG SO_DANG_KY TT_THAU PHAM_VI TYLE_TT_BH SO_LUONG DON_GIA THANH_TIEN_BV
        THANH_TIEN_BH T_NGUONKHAC_NSNN T_NGUONKHAC_VTNN T_NGUONKHAC_VTTN T_NGUONKHAC_CL T_NGUONKHAC MUC_HUONG T_BNTT
        T_BNCCT T_BHTT MA_KHOA MA_BAC_SI MA_DICH_VU NGAY_YL NGAY_TH_YL MA_PTTT NGUON_CTRA VET_THUONG_TP
        DU_PHONG"""),
    "XML3": _names("""MA_LK STT MA_DICH_VU MA_PTTT_QT MA_VAT_TU MA_NHOM GOI_VTYT TEN_VAT_TU TEN_DICH_VU MA_XANG_DAU
        DON_VI_TINH PHAM_VI SO_LUONG DON_GIA_BV DON_GIA_BH TT_THAU TYLE_TT_DV TYLE_TT_BH THANH_TIEN_BV THANH_TIEN_BH
        T_TRANTT MUC_HUONG T_NGUONKHAC_NSNN T_NGUONKHAC_VTNN T_NGUONKHAC_VTTN T_NGUONKHAC_CL T_NGUONKHAC T_BNTT T_BNCCT
        T_BHTT MA_KHOA MA_GIUONG MA_BAC_SI NGUOI_THUC_HIEN MA_BENH MA_BENH_YHCT NGAY_YL NGAY_TH_YL NGAY_KQ MA_PTTT
        VET_THUONG_TP PP_VO_CAM VI_TRI_TH_DVKT MA_MAY MA_HIEU_SP TAI_SU_DUNG DU_PHONG"""),
    "XML4": _names("""MA_LK STT MA_DICH_VU MA_CHI_SO TEN_CHI_SO GIA_TRI DON_VI_DO MO_TA KET_LUAN NGAY_KQ MA_BS_DOC_KQ
        DU_PHONG"""),
    "XML5": _names("""MA_LK STT DIEN_BIEN_LS GIAI_DOAN_BENH HOI_CHAN PHAU_THUAT THOI_DIEM_DBLS NGUOI_THUC_HIEN
        DU_PHONG"""),
    "XML7": _names("""MA_LK SO_LUU_TRU MA_YTE MA_KHOA_RV NGAY_VAO NGAY_RA MA_DINH_CHI_THAI NGUYENNHAN_DINHCHI
        THOIGIAN_DINHCHI TUOI_THAI CHAN_DOAN_RV PP_DIEUTRI GHI_CHU MA_TTDV MA_BS TEN_BS NGAY_CT MA_CHA MA_ME MA_THE_TAM
        HO_TEN_CHA HO_TEN_ME SO_NGAY_NGHI NGOAITRU_TUNGAY NGOAITRU_DENNGAY DU_PHONG"""),
    "XML13": _names("""MA_LK SO_HOSO SO_CHUYENTUYEN GIAY_CHUYEN_TUYEN MA_CSKCB MA_NOI_DI MA_NOI_DEN HO_TEN NGAY_SINH
        GIOI_TINH MA_QUOCTICH MA_DANTOC MA_NGHE_NGHIEP DIA_CHI MA_THE_BHYT GT_THE_DEN NGAY_VAO NGAY_VAO_NOI_TRU NGAY_RA
        DAU_HIEU_LS CHAN_DOAN_RV QT_BENHLY TOMTAT_KQ PP_DIEUTRI MA_BENH_CHINH MA_BENH_KT MA_BENH_YHCT TEN_DICH_VU
        TEN_THUOC PP_DIEU_TRI MA_LOAI_RV MA_LYDO_CT HUONG_DIEU_TRI PHUONGTIEN_VC HOTEN_NGUOI_HT CHUCDANH_NGUOI_HT
        MA_BAC_SI MA_TTDV DU_PHONG"""),
    "XML14": _names("""MA_LK SO_GIAYHEN_KL MA_CSKCB HO_TEN NGAY_SINH GIOI_TINH DIA_CHI MA_THE_BHYT GT_THE_DEN NGAY_VAO
        NGAY_VAO_NOI_TRU NGAY_RA NGAY_HEN_KL CHAN_DOAN_RV MA_BENH_CHINH MA_BENH_KT MA_BENH_YHCT MA_DOITUONG_KCB
        MA_BAC_SI MA_TTDV NGAY_CT DU_PHONG"""),
}

# Table root, list and row tags (REQUIREMENTS §4; from vendor code). A single-record table has no list/row tag.
TABLE_TAGS: dict[str, tuple[str, str | None, str | None]] = {
    "XML1": ("TONG_HOP", None, None),
    "XML2": ("CHITIEU_CHITIET_THUOC", "DSACH_CHI_TIET_THUOC", "CHI_TIET_THUOC"),
    "XML3": ("CHITIEU_CHITIET_DVKT_VTYT", "DSACH_CHI_TIET_DVKT", "CHI_TIET_DVKT"),
    "XML4": ("CHITIEU_CHITIET_DICHVUCANLAMSANG", "DSACH_CHI_TIET_CLS", "CHI_TIET_CLS"),
    "XML5": ("CHITIEU_CHITIET_DIENBIENLAMSANG", "DSACH_CHI_TIET_DIEN_BIEN_BENH", "CHI_TIET_DIEN_BIEN_BENH"),
    "XML7": ("CHI_TIEU_DU_LIEU_GIAY_RA_VIEN", None, None),
    "XML13": ("CHI_TIEU_GIAYCHUYENTUYEN", None, None),
    "XML14": ("CHI_TIEU_GIAYHEN_KHAMLAI", None, None),
}

XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
SIGNED_PAPERS = frozenset({"XML13", "XML14"})  # papers the facility signs (TT 06/2026 Đ5 k2, QĐ 3176 DU_PHONG)
INVALID_ICD10 = "R10.9"  # an ICD-10-CM code with no WHO ICD-10 counterpart (the claim-invalid-icd10 fault)


def _fields(parent: etree._Element, table: str, row: dict[str, str]) -> None:
    unknown = set(row) - set(TABLE_FIELDS[table])
    if unknown:
        raise ValueError(f"{table}: fields outside the spec: {sorted(unknown)}")
    for name in TABLE_FIELDS[table]:
        etree.SubElement(parent, name).text = row.get(name, "")


def table_xml(table: str, rows: list[dict[str, str]], *, sign: bool = False) -> bytes:
    """One table's XML document (UTF-8, with its declaration); ``sign``: a paper signed by the facility."""
    root_tag, list_tag, row_tag = TABLE_TAGS[table]
    root = etree.Element(root_tag)
    if list_tag is None or row_tag is None:
        _fields(root, table, rows[0])
    else:
        listing = etree.SubElement(root, list_tag)
        for row in rows:
            _fields(etree.SubElement(listing, row_tag), table, row)
    if sign:
        root = xmlsign.sign_paper(root)
    return XML_DECLARATION + etree.tostring(root, encoding="utf-8")


def tables(ep: bt.Episode, faults: FaultSet) -> dict[str, list[dict[str, str]]]:
    """The rows of every table this episode sends, in table order (empty tables are not sent)."""
    if "claim-invalid-icd10" in faults:
        ep = bt.Episode(ep.patient, ep.encounter, ep.entries, {**ep.data, "icd_main": INVALID_ICD10}, ep.facility)
    drugs, services = bt.xml2(ep), bt.xml3(ep)
    summary = bt.xml1(ep, drugs, services)
    out: dict[str, list[dict[str, str]]] = {"XML1": [summary], "XML2": drugs, "XML3": services,
                                            "XML4": bt.xml4(ep), "XML5": bt.xml5(ep)}
    for name, build in (("XML7", bt.xml7), ("XML13", bt.xml13), ("XML14", bt.xml14)):
        row = build(ep, summary)
        if row is not None:
            out[name] = [row]
    _apply_table_faults(out, faults)
    return {k: v for k, v in out.items() if v}


def _apply_table_faults(out: dict[str, list[dict[str, str]]], faults: FaultSet) -> None:
    if "claim-bad-date-format" in faults:
        for row in out["XML2"]:  # day first (ddmmyyyyHHMM): still 12 digits, but not yyyymmddHHMM
            t = row["NGAY_YL"]
            row["NGAY_YL"] = t[6:8] + t[4:6] + t[0:4] + t[8:12] if len(t) == 12 else t
    if "claim-orphan-row" in faults and out["XML3"]:
        orphan = copy.deepcopy(out["XML3"][0])  # a free service copied from another episode's claim
        orphan.update({"MA_LK": orphan["MA_LK"] + "-KHAC", "STT": str(len(out["XML3"]) + 1), "DON_GIA_BV": "0",
                       "DON_GIA_BH": "0", "THANH_TIEN_BV": "0", "THANH_TIEN_BH": "0", "T_BHTT": "0",
                       "T_BNCCT": "0", "T_BNTT": "0"})
        out["XML3"].append(orphan)
    if "claim-totals-mismatch" in faults:
        summary = out["XML1"][0]
        summary["T_TONGCHI_BV"] = bt.amount(Decimal(summary["T_TONGCHI_BV"]) + Decimal(1000))
    if "claim-missing-referral" in faults:
        out.pop("XML13", None)


def envelope(ep: bt.Episode, faults: FaultSet, made: datetime) -> etree._Element:
    """The unsigned ``GIAMDINHHS`` envelope (one hồ sơ), with an empty ``CHUKYDONVI``."""
    root = etree.Element("GIAMDINHHS")
    unit = etree.SubElement(root, "THONGTINDONVI")
    etree.SubElement(unit, "MACSKCB").text = ep.facility
    info = etree.SubElement(root, "THONGTINHOSO")
    etree.SubElement(info, "NGAYLAP").text = made.astimezone(bt.VIETNAM).strftime("%Y%m%d")
    etree.SubElement(info, "SOLUONGHOSO").text = "1"
    hoso = etree.SubElement(etree.SubElement(info, "DANHSACHHOSO"), "HOSO")
    for table, rows in tables(ep, faults).items():
        file = etree.SubElement(hoso, "FILEHOSO")
        etree.SubElement(file, "LOAIHOSO").text = table
        signed = table in SIGNED_PAPERS and "claim-paper-unsigned" not in faults
        content = table_xml(table, rows, sign=signed)
        etree.SubElement(file, "NOIDUNGFILE").text = base64.b64encode(content).decode("ascii")
    etree.SubElement(root, "CHUKYDONVI")
    return root


def submission(ep: bt.Episode, faults: FaultSet, made: datetime) -> bytes:
    """The signed submission as bytes (UTF-8 with its declaration)."""
    root = envelope(ep, faults, made)
    if "claim-unsigned" not in faults:
        partial = "claim-signature-partial-scope" in faults
        root = xmlsign.sign_envelope(root, scope="THONGTINHOSO" if partial else None)
    if "claim-modified-after-signing" in faults:
        made_el = root.find("THONGTINHOSO/NGAYLAP")
        assert made_el is not None and made_el.text
        day = int(made_el.text[6:8])
        made_el.text = made_el.text[:6] + f"{day - 1 if day > 1 else day + 1:02d}"
    return XML_DECLARATION + etree.tostring(root, encoding="utf-8")
