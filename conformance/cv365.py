"""Validator of the CV 365 record export (``HoSoBenhAn``), XML or JSON — no pytest here.

Kiểm tra bản trích xuất HSBA điện tử theo phụ lục Công văn 365/TTYQG-GPQLCL: gốc ``HoSoBenhAn``, 11 nhóm, tên trường
viết thường, các trường đã biết; ``cccd_so`` là chuỗi 12 chữ số giữ số 0 đầu; ``maicd`` là mã ICD-10 có dấu chấm.

The shape is a replaceable data file, ``fixtures/cv365/hosobenhan.schema.json`` (JSON Schema; its ``x-note`` says what
is known). The XML form is read into the same mapping (one element per group; a list group holds one ``ChiTiet``
element per record) and judged by the same schema. Every finding's rule id starts with the criterion it belongs to:
``XD-10`` structure, ``XD-11`` cccd_so, ``XD-12`` maicd — a subschema's ``x-rule`` names it.
Hostile input is a verdict, never a crash: size limit, no DTD, no entities, no network.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from conformance.bhyt.fields import icd10_valid
from conformance.findings import FileResult, Finding
from conformance.messages import Msg
from conformance.resources import data
from conformance.xml_safety import Limits, UnsafeXML
from conformance.xml_safety import parse_xml as safe_parse

SCHEMA_PARTS = ("cv365", "hosobenhan.schema.json")
STRUCTURE, CCCD, ICD = "XD-10", "XD-11", "XD-12"
MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 16
XML_LIMITS = Limits(max_file_bytes=MAX_BYTES, max_depth=MAX_DEPTH, max_elements=500_000, max_seconds=20.0)

_KEYWORD_VI = {
    "required": "thiếu nhóm hoặc trường bắt buộc", "type": "sai kiểu dữ liệu", "pattern": "không đúng định dạng",
    "maxLength": "vượt quá độ dài tối đa", "additionalProperties": "có nhóm hoặc trường ngoài cấu trúc",
    "propertyNames": "tên trường phải viết thường (chữ, số, gạch dưới)", "items": "bản ghi không hợp lệ",
}


class ExportUnreadable(Exception):
    def __init__(self, message: Msg) -> None:
        super().__init__(message.en)
        self.message = message


# --------------------------------------------------------------------------------------------------
# Services shared with the BHYT side: the XML safety layer and the ICD-10 list with its supplement.


@functools.cache
def _icd_supplement() -> frozenset[str]:
    codes = yaml.safe_load(data("fixtures", "codes", "icd10-supplement.yaml").read_text(encoding="utf-8"))["codes"]
    return frozenset(c for code in codes for c in (str(code), str(code).replace(".", "")))


_ICD_FORM = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")


def icd10_well_formed(code: str) -> bool:
    return bool(_ICD_FORM.match(code))


def icd10_known(code: str) -> bool:
    return icd10_valid(code, _icd_supplement())


def parse_xml(raw: bytes) -> Any:
    """Parse untrusted XML with the project's safety layer (no DTD, no entities, no network, bounded)."""
    try:
        return safe_parse(raw, limits=XML_LIMITS, what="HoSoBenhAn")
    except UnsafeXML as exc:
        raise ExportUnreadable(exc.message) from None


@dataclass(frozen=True)
class Shape:
    schema: dict[str, Any]
    groups: tuple[str, ...]
    single: frozenset[str]  # groups holding one record; the others hold a list
    root: str
    item: str


@functools.cache
def shape() -> Shape:
    schema: dict[str, Any] = json.loads(data("fixtures", *SCHEMA_PARTS).read_text(encoding="utf-8"))
    defs = schema["$defs"]
    groups = tuple(defs["HoSoBenhAn"]["properties"])
    single = frozenset(g for g in groups if defs[g].get("type") == "object")
    return Shape(schema, groups, single, schema["x-xml"]["root"], schema["x-xml"]["item"])


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(shape().schema)


# --------------------------------------------------------------------------------------------------
# Reading


def _read_json(raw: bytes) -> Any:
    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ExportUnreadable(Msg(f"không phải JSON hợp lệ: {exc}", f"not valid JSON: {exc}")) from None


def _leaf_record(element: Any, where: str, findings: list[Finding], group: str, row: int | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions carry no data
        if len(child):
            findings.append(_finding(f"{STRUCTURE}.xml-nesting", group, child.tag, row,
                                     f"{where}/{child.tag} chứa phần tử con, phải là một giá trị",
                                     f"{where}/{child.tag} holds child elements; it must be a value"))
            continue
        if child.tag in out:
            findings.append(_finding(f"{STRUCTURE}.xml-repeated", group, child.tag, row,
                                     f"{where}/{child.tag} lặp lại", f"{where}/{child.tag} is repeated"))
        out[child.tag] = child.text or ""
    return out


def _from_xml(raw: bytes, findings: list[Finding]) -> Any:
    root = parse_xml(raw)
    sh = shape()
    if root.tag != sh.root:
        raise ExportUnreadable(Msg(f"phần tử gốc là {root.tag}, không phải {sh.root}",
                                   f"the root element is {root.tag}, not {sh.root}"))
    groups: dict[str, Any] = {}
    for element in root:
        if not isinstance(element.tag, str):
            continue
        name = element.tag
        if name in groups:
            findings.append(_finding(f"{STRUCTURE}.xml-repeated", name, None, None, f"nhóm {name} lặp lại",
                                     f"the group {name} is repeated"))
            continue
        if name in sh.single or name not in sh.groups:
            groups[name] = _leaf_record(element, name, findings, name, None)
        else:
            rows = []
            for i, item in enumerate((e for e in element if isinstance(e.tag, str)), 1):
                if item.tag != sh.item:
                    findings.append(_finding(f"{STRUCTURE}.xml-item", name, item.tag, i,
                                             f"nhóm {name} chỉ chứa các phần tử {sh.item}, gặp {item.tag}",
                                             f"the group {name} holds {sh.item} elements only, found {item.tag}"))
                    continue
                rows.append(_leaf_record(item, f"{name}/{sh.item}[{i}]", findings, name, i))
            groups[name] = rows
    return {sh.root: groups}


# --------------------------------------------------------------------------------------------------
# Judging


def _finding(rule: str, table: str | None, field: str | None, row: int | None, vi: str, en: str,
             severity: str = "error") -> Finding:
    return Finding(rule, severity, Msg(vi, en), table=table, field=field, row=row)


def _locate(path: list[Any]) -> tuple[str | None, str | None, int | None]:
    """(group, field, 1-based row) of a JSON path under HoSoBenhAn."""
    parts = path[1:] if path and path[0] == shape().root else path
    group = str(parts[0]) if parts else None
    row = parts[1] + 1 if len(parts) > 1 and isinstance(parts[1], int) else None
    rest = [p for p in parts[1:] if isinstance(p, str)]
    return group, (rest[-1] if rest else None), row


def _schema_finding(error: ValidationError) -> Finding:
    rule = error.schema.get("x-rule", STRUCTURE) if isinstance(error.schema, dict) else STRUCTURE
    group, field, row = _locate(list(error.absolute_path))
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [n for n in error.validator_value if n not in error.instance]
        field = missing[0] if missing else field
    keyword = str(error.validator)
    if "propertyNames" in error.absolute_schema_path:  # reported as the name's own pattern error
        keyword, field = "propertyNames", str(error.instance)
    where = "/".join(str(p) for p in error.absolute_path) or shape().root
    vi = _KEYWORD_VI.get(keyword, "không đúng cấu trúc")
    return _finding(f"{rule}.{keyword}", group, field, row, f"{where}: {vi} ({error.message})",
                    f"{where}: {error.message}")


def _icd_findings(doc: Any) -> Iterator[Finding]:
    """XD-12: a well-formed ``maicd`` must exist in ICD-10 (WHO list used by the Ministry)."""
    try:
        value = doc[shape().root]["ThongTinVaoVien"]["maicd"]
    except (KeyError, TypeError):
        return
    if isinstance(value, str) and value and len(value) <= 7 and icd10_well_formed(value) \
            and not icd10_known(value):
        yield _finding(f"{ICD}.code", "ThongTinVaoVien", "maicd", None,
                       f"maicd {value!r} không có trong danh mục ICD-10", f"maicd {value!r} is not an ICD-10 code")


def judge(doc: Any, findings: list[Finding]) -> None:
    for error in sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        findings.append(_schema_finding(error))
    findings.extend(_icd_findings(doc))


def read_document(raw: bytes) -> Any:
    """The export as one mapping (XML read into the JSON shape); raises :class:`ExportUnreadable`."""
    kind = detect(raw)
    if kind is None:
        raise ExportUnreadable(Msg("không phải XML hay JSON", "neither XML nor JSON"))
    return _from_xml(raw, []) if kind == "xml" else _read_json(raw)


def detect(raw: bytes) -> str | None:
    """``xml`` or ``json`` from the first significant byte; None when neither."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"<": "xml", b"{": "json"}.get(head)


def validate_record_export(data_bytes: bytes, *, name: str) -> FileResult:
    """Judge one CV 365 export (format auto-detected). Never raises."""
    result = FileResult(name)
    try:
        if len(data_bytes) > MAX_BYTES:
            raise ExportUnreadable(Msg(f"tệp lớn hơn giới hạn {MAX_BYTES} byte", f"file larger than {MAX_BYTES} bytes"))
        kind = detect(data_bytes)
        if kind is None:
            raise ExportUnreadable(Msg("không phải XML hay JSON", "neither XML nor JSON"))
        result.format = f"cv365-{kind}"
        doc = _from_xml(data_bytes, result.findings) if kind == "xml" else _read_json(data_bytes)
        judge(doc, result.findings)
        groups = doc.get(shape().root) if isinstance(doc, dict) else None
        if isinstance(groups, dict):
            result.details["groups"] = {g: (len(v) if isinstance(v, list) else 1) for g, v in groups.items()}
            result.details["fields_with_values"] = sorted(
                f for g in shape().single if isinstance(groups.get(g), dict)
                for f, v in groups[g].items() if v not in (None, ""))
    except ExportUnreadable as exc:
        result.message = exc.message
    except Exception as exc:  # a validator defect is a verdict on this file, never a crash
        result.message = Msg(f"lỗi khi kiểm tra: {type(exc).__name__}: {exc}",
                             f"error while checking: {type(exc).__name__}: {exc}")
    return result
