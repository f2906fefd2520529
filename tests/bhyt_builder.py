"""Build BHYT claim submissions (GIAMDINHHS) for tests and the benchmark: a valid inpatient stay by default,
every table filled in the spec's field order, signed by the test facility certificate.

Dựng gói hồ sơ BHYT mẫu hợp lệ (nội trú) để kiểm thử; ký bằng chứng thư cơ sở của PKI thử nghiệm.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree
from signxml import SignatureConstructionMethod, XMLSigner

from conformance.bhyt.spec import load_spec

PKI = Path(__file__).resolve().parent.parent / "fixtures" / "pki"
DS = "http://www.w3.org/2000/09/xmldsig#"


def facility_key() -> tuple[bytes, bytes]:
    return (PKI / "facility.key.pem").read_bytes(), (PKI / "facility.pem").read_bytes()


@dataclass
class Claim:
    """The encounter's data, table by table: {table: [row dict]} (one-record tables have one row)."""

    ma_lk: str = "LK-0001"
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    ngaylap: str = "20260110"
    macskcb: str = "01001"


def inpatient(ma_lk: str = "LK-0001", *, referral: bool = False, appointment: bool = True,
              ngaylap: str = "20260110") -> Claim:
    ident = {"MA_BN": "BN000123", "HO_TEN": "Nguyễn Văn An", "NGAY_SINH": "198005120000", "GIOI_TINH": "1",
             "MA_THE_BHYT": "DN4010123456789", "SO_CCCD": "001080012345"}
    drugs = [("40.17", "Paracetamol 500mg", "10", "1500"), ("40.29", "Amoxicillin 500mg", "14", "2300.5"),
             ("40.8", "Natri clorid 0,9%", "2", "12000")]
    services = [("01.0001.1777", "", "Khám nội", "1", "40000"), ("22.0120.1370", "", "Tổng phân tích tế bào máu",
                "1", "46200"), ("", "N03.01.010", "Bơm kim tiêm", "5", "1200")]
    xml2 = [{"MA_LK": ma_lk, "STT": str(i + 1), "MA_THUOC": code, "TEN_THUOC": name, "SO_LUONG": qty,
             "DON_GIA": price, "THANH_TIEN_BV": str((Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))),
             "NGAY_YL": "202601050900", "NGAY_TH_YL": "202601050930", "MA_KHOA": "K03", "MA_BAC_SI": "BS001",
             "TYLE_TT_BH": "100", "MUC_HUONG": "80", "PHAM_VI": "1"}
            for i, (code, name, qty, price) in enumerate(drugs)]
    xml3 = [{"MA_LK": ma_lk, "STT": str(i + 1), "MA_DICH_VU": svc, "MA_VAT_TU": vt, "TEN_DICH_VU": name,
             "SO_LUONG": qty, "DON_GIA_BV": price, "DON_GIA_BH": price, "TYLE_TT_DV": "100", "TYLE_TT_BH": "100",
             "THANH_TIEN_BV": str((Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))),
             "MA_BENH": "J18.9", "NGAY_YL": "202601050800", "NGAY_TH_YL": "202601050815",
             "NGAY_KQ": "202601051000", "MA_KHOA": "K03", "MA_BAC_SI": "BS001", "MUC_HUONG": "80"}
            for i, (svc, vt, name, qty, price) in enumerate(services)]
    t_thuoc = sum(Decimal(r["THANH_TIEN_BV"]) for r in xml2)
    t_vtyt = sum(Decimal(r["THANH_TIEN_BV"]) for r in xml3 if r["MA_VAT_TU"])
    t_all = t_thuoc + sum(Decimal(r["THANH_TIEN_BV"]) for r in xml3)
    rv = "2" if referral else "1"
    xml1 = {"MA_LK": ma_lk, "STT": "1", **ident, "MA_QUOCTICH": "000", "MA_DANTOC": "01", "DIA_CHI": "Hà Nội",
            "MATINH_CU_TRU": "01", "MA_DKBD": "01001", "GT_THE_TU": "20260101", "GT_THE_DEN": "20261231",
            "LY_DO_VV": "Sốt, ho", "CHAN_DOAN_VAO": "Viêm phổi", "CHAN_DOAN_RV": "Viêm phổi",
            "MA_BENH_CHINH": "J18.9", "MA_BENH_KT": "I10;E11.9", "MA_DOITUONG_KCB": "1.1",
            "NGAY_VAO": "202601050730", "NGAY_VAO_NOI_TRU": "202601050800", "NGAY_RA": "202601091000",
            "SO_NGAY_DTRI": "5", "KET_QUA_DTRI": "1", "MA_LOAI_RV": rv, "NGAY_TTOAN": "202601091030",
            "T_THUOC": str(t_thuoc), "T_VTYT": str(t_vtyt), "T_TONGCHI_BV": str(t_all), "T_TONGCHI_BH": str(t_all),
            "T_BNTT": "0", "T_BNCCT": "0", "T_BHTT": str(t_all), "NAM_QT": "2026", "THANG_QT": "1",
            "MA_LOAI_KCB": "03", "MA_KHOA": "K03", "MA_CSKCB": "01001", "CAN_NANG": "62",
            "NGAY_TAI_KHAM": "20260120" if appointment else "", "MA_HSBA": "HS-2026-001", "MA_TTDV": "GD001"}
    xml4 = [{"MA_LK": ma_lk, "STT": "1", "MA_DICH_VU": "22.0120.1370", "MA_CHI_SO": "WBC", "TEN_CHI_SO": "Bạch cầu",
             "GIA_TRI": "12.5", "DON_VI_DO": "G/L", "NGAY_KQ": "202601051000", "MA_BS_DOC_KQ": "BS002"}]
    xml5 = [{"MA_LK": ma_lk, "STT": str(i + 1), "DIEN_BIEN_LS": text, "THOI_DIEM_DBLS": when,
             "NGUOI_THUC_HIEN": "BS001"}
            for i, (text, when) in enumerate([("Sốt 39 độ, ho đờm", "202601050900"),
                                               ("Hết sốt, ổn định", "202601081000")])]
    xml7 = {"MA_LK": ma_lk, "SO_LUU_TRU": "LT-001", "MA_YTE": "BN000123", "MA_KHOA_RV": "K03",
            "NGAY_VAO": "202601050730", "NGAY_RA": "202601091000", "CHAN_DOAN_RV": "Viêm phổi",
            "PP_DIEUTRI": "Kháng sinh", "MA_TTDV": "GD001", "MA_BS": "BS001", "TEN_BS": "Trần Bình",
            "NGAY_CT": "20260109"}
    tables: dict[str, list[dict[str, str]]] = {"XML1": [xml1], "XML2": xml2, "XML3": xml3, "XML4": xml4,
                                               "XML5": xml5, "XML7": [xml7]}
    if referral:
        tables["XML13"] = [{"MA_LK": ma_lk, "SO_HOSO": "CT-01", "SO_CHUYENTUYEN": "12", "GIAY_CHUYEN_TUYEN": "GCT-12",
                            "MA_CSKCB": "01001", "MA_NOI_DI": "01001", "MA_NOI_DEN": "01002", **_paper_ident(ident),
                            "NGAY_VAO": "202601050730", "NGAY_RA": "202601091000", "CHAN_DOAN_RV": "Viêm phổi",
                            "MA_BENH_CHINH": "J18.9", "MA_LOAI_RV": "2", "MA_LYDO_CT": "1", "MA_BAC_SI": "BS001",
                            "MA_TTDV": "GD001"}]
    if appointment:
        tables["XML14"] = [{"MA_LK": ma_lk, "SO_GIAYHEN_KL": "GH-01", "MA_CSKCB": "01001", **_paper_ident(ident),
                            "DIA_CHI": "Hà Nội", "NGAY_VAO": "202601050730", "NGAY_RA": "202601091000",
                            "NGAY_HEN_KL": "20260120", "CHAN_DOAN_RV": "Viêm phổi", "MA_BENH_CHINH": "J18.9",
                            "MA_DOITUONG_KCB": "1.1", "MA_BAC_SI": "BS001", "MA_TTDV": "GD001", "NGAY_CT": "20260109"}]
    return Claim(ma_lk, tables, ngaylap)


def _paper_ident(ident: dict[str, str]) -> dict[str, str]:
    return {k: ident[k] for k in ("HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_THE_BHYT")}


def _sign(root: etree._Element, place: etree._Element, key: bytes, cert: bytes) -> etree._Element:
    """Enveloped RSA-SHA256 signature over the whole of ``root``, placed in ``place``."""
    etree.SubElement(place, f"{{{DS}}}Signature", Id="placeholder")
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256")
    return signer.sign(root, key=key, cert=cert)


def table_xml(table: str, rows: list[dict[str, str]], *, sign: bool = False) -> bytes:
    """One table's XML, every field of the spec present in order (absent values empty)."""
    spec = load_spec().tables[table]
    root = etree.Element(spec.root)
    parent = root if spec.one_record else etree.SubElement(root, spec.list_tag or "")
    for row in rows:
        record = root if spec.one_record else etree.SubElement(parent, spec.row_tag or "")
        for name in spec.order:
            etree.SubElement(record, name).text = row.get(name, "")
    if sign:
        key, cert = facility_key()
        du_phong = root.find("DU_PHONG")
        assert du_phong is not None
        root = _sign(root, du_phong, key, cert)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def envelope(claim: Claim, *, sign: bool = True, sign_papers: bool = True,
             table_bytes: dict[str, bytes] | None = None, extra: Any = None) -> bytes:
    """The GIAMDINHHS submission; ``table_bytes`` overrides a table's XML as given."""
    root = etree.Element("GIAMDINHHS")
    etree.SubElement(etree.SubElement(root, "THONGTINDONVI"), "MACSKCB").text = claim.macskcb
    info = etree.SubElement(root, "THONGTINHOSO")
    etree.SubElement(info, "NGAYLAP").text = claim.ngaylap
    etree.SubElement(info, "SOLUONGHOSO").text = "1"
    hoso = etree.SubElement(etree.SubElement(info, "DANHSACHHOSO"), "HOSO")
    for table, rows in claim.tables.items():
        f = etree.SubElement(hoso, "FILEHOSO")
        etree.SubElement(f, "LOAIHOSO").text = table
        paper = sign_papers and table in ("XML13", "XML14")
        content = (table_bytes or {}).get(table) or table_xml(table, rows, sign=paper)
        etree.SubElement(f, "NOIDUNGFILE").text = base64.b64encode(content).decode()
    holder = etree.SubElement(root, "CHUKYDONVI")
    if sign:
        key, cert = facility_key()
        root = _sign(root, holder, key, cert)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
