"""The envelope GIAMDINHHS and each table's structure (XD-01).

Cấu trúc gói hồ sơ GIAMDINHHS và cấu trúc từng bảng (XD-01): thẻ gốc, thẻ dòng, tên trường, giải mã base64.

Envelope (REQUIREMENTS §4): ``GIAMDINHHS`` → ``THONGTINDONVI/MACSKCB``, ``THONGTINHOSO`` (``NGAYLAP`` yyyyMMdd,
``SOLUONGHOSO``, ``DANHSACHHOSO/HOSO/FILEHOSO`` each with ``LOAIHOSO`` and ``NOIDUNGFILE`` = base64 of the
UTF-8 table XML), then ``CHUKYDONVI``.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree

from conformance.bhyt.spec import Spec, TableSpec
from conformance.findings import Finding
from conformance.messages import Msg
from conformance.xml_safety import Deadline, Limits, UnsafeXML, parse_xml

ROOT = "GIAMDINHHS"


@dataclass
class Table:
    """One decoded table: its rows as {field: text} (text stripped; empty → "")."""

    name: str
    rows: list[dict[str, str]] = field(default_factory=list)
    root: etree._Element | None = None
    hoso: int = 0  # which HOSO (1-based) it came from
    source: bytes | None = None  # the decoded table XML (its own signature is checked on these bytes)


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
    parts = {child.tag: child.text for child in filehoso}
    loai = (parts.get("LOAIHOSO") or "").strip()
    where = f"HOSO {hoso}, FILEHOSO {index}"
    if loai not in spec.tables:
        add.append(_f("envelope.LOAIHOSO", f"{where}: LOAIHOSO '{loai[:20]}' không phải bảng được gửi (XML0–XML11, "
                      "XML13–XML15)", f"{where}: LOAIHOSO '{loai[:20]}' is not a table a facility sends "
                      "(XML0–XML11, XML13–XML15)", loai or None))
        return None
    text = parts.get("NOIDUNGFILE") or ""
    if len(text) > limits.max_table_bytes * 4 // 3 + 4096:
        add.append(_f("table.size", f"{where}: NOIDUNGFILE quá lớn ({len(text)} byte)",
                      f"{where}: NOIDUNGFILE too large ({len(text)} bytes)", loai))
        return None
    try:
        decoded = _b64(text)
    except (binascii.Error, ValueError) as exc:
        add.append(_f("table.base64", f"{where}: NOIDUNGFILE không giải mã được base64 ({exc})",
                      f"{where}: NOIDUNGFILE is not valid base64 ({exc})", loai))
        return None
    try:
        troot = parse_xml(decoded, limits=limits, what=loai, max_bytes=limits.max_table_bytes)
    except UnsafeXML as exc:
        add.append(_f(f"table.xml.{exc.kind}", f"{where}: {exc.message.vi}", f"{where}: {exc.message.en}", loai))
        return None
    table = Table(loai, root=troot, hoso=hoso, source=decoded)
    read_rows(table, spec.tables[loai], add)
    return table


def _b64(text: str) -> bytes:
    """Strict base64 (line breaks allowed); raises binascii.Error / ValueError."""
    if not text.strip():
        raise ValueError("NOIDUNGFILE rỗng / empty")
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except binascii.Error:
        compact = text.encode("ascii", "replace").translate(None, b" \t\r\n")
        return binascii.a2b_base64(compact, strict_mode=True)


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
    expected = [n for n in ts.order if n != "DU_PHONG"]
    for number, record in enumerate(records, start=1):
        values: dict[str, str] = {}
        for child in record.iterchildren("*"):  # elements only: comments and PIs are skipped
            tag = child.tag
            if tag in values or tag not in known or len(child):
                _odd_child(ts, child, values, number, add)
                continue
            text = child.text
            values[tag] = text.strip() if text else ""
        if len(values) < len(expected) + ("DU_PHONG" in values):
            missing = [n for n in expected if n not in values]
            add.append(_f(f"{ts.table}.missing_fields", f"{ts.table}: thiếu {len(missing)} trường: "
                          f"{', '.join(missing[:8])}", f"{ts.table}: {len(missing)} fields absent: "
                          f"{', '.join(missing[:8])}", ts.table, None, number, severity="warning"))
        table.rows.append(values)


def _odd_child(ts: TableSpec, child: etree._Element, values: dict[str, str], number: int,
               add: list[Finding]) -> None:
    """A child that is unknown, repeated, or has children of its own."""
    tag = child.tag
    if tag not in ts.fields:
        if str(tag).endswith("}Signature") and ts.table in ("XML13", "XML14"):
            return  # the paper's own signature (judged by XD-09)
        add.append(_f(f"{ts.table}.unknown_field", f"{ts.table}: trường '{str(tag)[:60]}' không có trong bảng "
                      "chỉ tiêu", f"{ts.table}: field '{str(tag)[:60]}' is not in the field table", ts.table,
                      str(tag)[:60], number))
    elif tag in values:
        add.append(_f(f"{ts.table}.{tag}.duplicate", f"{ts.table}: trường {tag} lặp lại",
                      f"{ts.table}: field {tag} repeated", ts.table, tag, number))
    elif tag == "DU_PHONG":  # the reserve field may carry a signature (Bang 13/14 DU_PHONG, QĐ 3176)
        values[tag] = ""
    else:
        add.append(_f(f"{ts.table}.{tag}.nested", f"{ts.table}: trường {tag} chứa phần tử con",
                      f"{ts.table}: field {tag} contains elements", ts.table, tag, number))
