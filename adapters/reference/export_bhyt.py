"""The BHYT claim submission (hồ sơ giám định BHYT, QĐ 130/4750/3176) of one finished episode, signed.

Hồ sơ XML gửi BHXH của một đợt điều trị: phong bì ``GIAMDINHHS`` chứa các bảng XML1–XML5, XML7, XML8, XML13,
XML14 (mã hóa base64), ký số XMLDSig (RSA-SHA256, enveloped, toàn bộ ``GIAMDINHHS``) bằng chứng thư của cơ sở,
chữ ký nằm trong ``CHUKYDONVI``.

Field order per table is the project's spec, generated from the official spreadsheet (``fixtures/bhyt/``, the
same the validator reads); table root/row tags from its tag file. Every field of a table is written, empty when
the episode has no value for it.
The export-related fault switches of the reference EMR act here (and in :mod:`xmlsign`).
"""

from __future__ import annotations

import base64
import copy
import functools
from datetime import datetime
from decimal import Decimal

from lxml import etree

from conformance.adapters.reference import bhyt_tables as bt
from conformance.adapters.reference import xmlsign
from conformance.adapters.reference.faults import FaultSet
from conformance.bhyt.spec import TableSpec, load_spec

TableSpecs = dict[str, TableSpec]
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
SIGNED_PAPERS = frozenset({"XML13", "XML14"})  # papers the facility signs (TT 06/2026 Đ5 k2, QĐ 3176 DU_PHONG)
INVALID_ICD10 = "R10.9"  # an ICD-10-CM code with no WHO ICD-10 counterpart (the claim-invalid-icd10 fault)


@functools.cache
def _spec() -> TableSpecs:
    """The tables as the project's spec describes them (generated from the QĐ 3176 spreadsheet; tags from
    ``fixtures/bhyt/tables.yaml``): the exporter writes exactly the fields the validator reads, in that order."""
    return load_spec().tables


def _fields(parent: etree._Element, table: str, row: dict[str, str]) -> None:
    order = _spec()[table].order
    unknown = set(row) - set(order)
    if unknown:
        raise ValueError(f"{table}: fields outside the spec: {sorted(unknown)}")
    for name in order:
        etree.SubElement(parent, name).text = row.get(name, "")


def table_xml(table: str, rows: list[dict[str, str]], *, sign: bool = False) -> bytes:
    """One table's XML document (UTF-8, with its declaration); ``sign``: a paper signed by the facility."""
    ts = _spec()[table]
    root = etree.Element(ts.root)
    if ts.list_tag is None or ts.row_tag is None:
        _fields(root, table, rows[0])
    else:
        listing = etree.SubElement(root, ts.list_tag)
        for row in rows:
            _fields(etree.SubElement(listing, ts.row_tag), table, row)
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
    for name, build in (("XML7", bt.xml7), ("XML8", bt.xml8), ("XML13", bt.xml13), ("XML14", bt.xml14)):
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
