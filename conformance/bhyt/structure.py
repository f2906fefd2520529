"""The envelope GIAMDINHHS and each table's structure (XD-01).

Cấu trúc gói hồ sơ GIAMDINHHS và cấu trúc từng bảng (XD-01): thẻ gốc, thẻ dòng, tên trường, giải mã base64.

Envelope (REQUIREMENTS §4): ``GIAMDINHHS`` → ``THONGTINDONVI/MACSKCB``, ``THONGTINHOSO`` (``NGAYLAP`` yyyyMMdd,
``SOLUONGHOSO``, ``DANHSACHHOSO/HOSO/FILEHOSO`` each with ``LOAIHOSO`` and ``NOIDUNGFILE`` = base64 of the
UTF-8 table XML), then ``CHUKYDONVI``.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree

from conformance.bhyt.spec import Spec, TableSpec
from conformance.findings import Finding
from conformance.messages import Msg
from conformance.xml_safety import Deadline, Limits, UnsafeXML, parse_xml

ROOT = "GIAMDINHHS"
_B64 = re.compile(rb"[A-Za-z0-9+/=\s]*\Z")


@dataclass
class Table:
    """One decoded table: its rows as {field: text} (text stripped; empty → "")."""

    name: str
    rows: list[dict[str, str]] = field(default_factory=list)
    root: etree._Element | None = None
    hoso: int = 0  # which HOSO (1-based) it came from


@dataclass
class Envelope:
    root: etree._Element
    ngaylap: date | None = None
    tables: list[Table] = field(default_factory=list)


def _f(rule: str, vi: str, en: str, table: str | None = None, fld: str | None = None, row: int | None = None,
       severity: str = "error") -> Finding:
    return Finding(f"XD-01:{rule}", severity, Msg(vi, en), table, fld, row)


def _child_text(parent: etree._Element, tag: str) -> str | None:
    node = parent.find(tag)
    return None if node is None else (node.text or "").strip()


def read_envelope(root: etree._Element, spec: Spec, limits: Limits, deadline: Deadline,
                  add: list[Finding]) -> Envelope:
    env = Envelope(root)
    if root.tag != ROOT:
        add.append(_f("envelope.root", f"phần tử gốc là '{root.tag}', phải là {ROOT}",
                      f"the root element is '{root.tag}', it must be {ROOT}"))
        return env
    if not _child_text(root, "THONGTINDONVI/MACSKCB"):
        add.append(_f("envelope.MACSKCB", "thiếu THONGTINDONVI/MACSKCB", "THONGTINDONVI/MACSKCB is missing"))
    info = root.find("THONGTINHOSO")
    if info is None:
        add.append(_f("envelope.THONGTINHOSO", "thiếu THONGTINHOSO", "THONGTINHOSO is missing"))
        return env
    ngaylap = _child_text(info, "NGAYLAP") or ""
    try:
        env.ngaylap = datetime.strptime(ngaylap, "%Y%m%d").date() if len(ngaylap) == 8 else None
    except ValueError:
        env.ngaylap = None
    if env.ngaylap is None:
        add.append(_f("envelope.NGAYLAP", f"NGAYLAP '{ngaylap[:20]}' không đúng dạng yyyymmdd",
                      f"NGAYLAP '{ngaylap[:20]}' is not yyyymmdd"))
    hosos = info.findall("DANHSACHHOSO/HOSO")
    count = _child_text(info, "SOLUONGHOSO")
    if count is None or not count.isdigit() or int(count) != len(hosos):
        add.append(_f("envelope.SOLUONGHOSO", f"SOLUONGHOSO '{count}' khác số HOSO ({len(hosos)})",
                      f"SOLUONGHOSO '{count}' differs from the number of HOSO ({len(hosos)})"))
    if not hosos:
        add.append(_f("envelope.HOSO", "không có HOSO nào", "no HOSO element"))
    if root.find("CHUKYDONVI") is None:
        pass  # judged by XD-08, not here
    for hoso_index, hoso in enumerate(hosos, start=1):
        for file_index, filehoso in enumerate(hoso.findall("FILEHOSO"), start=1):
            deadline.check("FILEHOSO")
            table = _read_file(filehoso, hoso_index, file_index, spec, limits, add)
            if table is not None:
                env.tables.append(table)
    return env


def _read_file(filehoso: etree._Element, hoso: int, index: int, spec: Spec, limits: Limits,
               add: list[Finding]) -> Table | None:
    loai = _child_text(filehoso, "LOAIHOSO") or ""
    where = f"HOSO {hoso}, FILEHOSO {index}"
    if loai not in spec.tables:
        add.append(_f("envelope.LOAIHOSO", f"{where}: LOAIHOSO '{loai[:20]}' không phải bảng được gửi (XML0–XML11, "
                      "XML13–XML15)", f"{where}: LOAIHOSO '{loai[:20]}' is not a table a facility sends "
                      "(XML0–XML11, XML13–XML15)", loai or None))
        return None
    content = filehoso.find("NOIDUNGFILE")
    raw = ((content.text or "") if content is not None else "").encode("ascii", "replace")
    if len(raw) > limits.max_table_bytes * 4 // 3 + 4096:
        add.append(_f("table.size", f"{where}: NOIDUNGFILE quá lớn ({len(raw)} byte)",
                      f"{where}: NOIDUNGFILE too large ({len(raw)} bytes)", loai))
        return None
    if not raw.strip() or not _B64.match(raw):
        add.append(_f("table.base64", f"{where}: NOIDUNGFILE rỗng hoặc không phải base64",
                      f"{where}: NOIDUNGFILE is empty or not base64", loai))
        return None
    try:
        decoded = binascii.a2b_base64(raw)
    except binascii.Error as exc:
        add.append(_f("table.base64", f"{where}: NOIDUNGFILE không giải mã được base64 ({exc})",
                      f"{where}: NOIDUNGFILE is not valid base64 ({exc})", loai))
        return None
    try:
        troot = parse_xml(decoded, limits=limits.scaled(max_file_bytes=limits.max_table_bytes), what=f"{loai}")
    except UnsafeXML as exc:
        add.append(_f(f"table.xml.{exc.kind}", f"{where}: {exc.message.vi}", f"{where}: {exc.message.en}", loai))
        return None
    table = Table(loai, root=troot, hoso=hoso)
    read_rows(table, spec.tables[loai], add)
    return table


def read_rows(table: Table, ts: TableSpec, add: list[Finding]) -> None:
    root = table.root
    assert root is not None
    if root.tag != ts.root:
        add.append(_f(f"{ts.table}.root", f"{ts.table}: phần tử gốc '{root.tag}', phải là {ts.root}",
                      f"{ts.table}: root element '{root.tag}', expected {ts.root}", ts.table))
        return
    if ts.one_record:
        records = [root]
    else:
        lists = root.findall(ts.list_tag or "")
        if len(lists) != 1:
            add.append(_f(f"{ts.table}.list", f"{ts.table}: cần đúng một {ts.list_tag}",
                          f"{ts.table}: exactly one {ts.list_tag} is expected", ts.table))
            return
        records = list(lists[0])
        for node in records:
            if node.tag != ts.row_tag and isinstance(node.tag, str):
                add.append(_f(f"{ts.table}.row_tag", f"{ts.table}: dòng '{node.tag}', phải là {ts.row_tag}",
                              f"{ts.table}: row element '{node.tag}', expected {ts.row_tag}", ts.table))
                return
    known = ts.fields
    for number, record in enumerate(records, start=1):
        values: dict[str, str] = {}
        for child in record:
            tag = child.tag
            if not isinstance(tag, str):
                continue  # comments, processing instructions
            if tag not in known:
                if tag.endswith("}Signature") and ts.table in ("XML13", "XML14"):
                    continue  # the paper's own signature (judged by XD-09)
                add.append(_f(f"{ts.table}.unknown_field", f"{ts.table}: trường '{tag[:60]}' không có trong bảng "
                              "chỉ tiêu", f"{ts.table}: field '{tag[:60]}' is not in the field table", ts.table,
                              tag[:60], number))
                continue
            if tag in values:
                add.append(_f(f"{ts.table}.{tag}.duplicate", f"{ts.table}: trường {tag} lặp lại",
                              f"{ts.table}: field {tag} repeated", ts.table, tag, number))
                continue
            if len(child):
                if tag == "DU_PHONG":  # the reserve field may carry a signature (Bang 13/14 DU_PHONG, QĐ 3176)
                    values[tag] = ""
                    continue
                add.append(_f(f"{ts.table}.{tag}.nested", f"{ts.table}: trường {tag} chứa phần tử con",
                              f"{ts.table}: field {tag} contains elements", ts.table, tag, number))
                continue
            values[tag] = (child.text or "").strip()
        missing = [n for n in ts.order if n not in values and n != "DU_PHONG"]
        if missing:
            add.append(_f(f"{ts.table}.missing_fields", f"{ts.table}: thiếu {len(missing)} trường: "
                          f"{', '.join(missing[:8])}", f"{ts.table}: {len(missing)} fields absent: "
                          f"{', '.join(missing[:8])}", ts.table, None, number, severity="warning"))
        table.rows.append(values)
