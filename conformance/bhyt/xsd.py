"""An XSD per BHYT table, generated from the spec: element names and order, string lengths, number syntax.

Lược đồ XSD cho từng bảng, sinh từ đặc tả: tên và thứ tự trường, độ dài chuỗi, cú pháp số.

Used by the benchmark's baseline ("decode every NOIDUNGFILE and validate it against the XSD of its table") and
available to anyone who wants an XSD of the tables; the validator itself does not need it.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

from conformance.bhyt.spec import TableSpec, load_spec

XS = "http://www.w3.org/2001/XMLSchema"
NUMBER_PATTERN = r"-?[0-9]+(\.[0-9]+)?"


def _x(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XS}}}{tag}", **attrs)


def _record(parent: etree._Element, ts: TableSpec) -> None:
    seq = _x(_x(parent, "complexType"), "sequence")
    for name in ts.order:
        fs = ts.fields[name]
        el = _x(seq, "element", name=name, minOccurs="0")
        if name == "DU_PHONG":
            continue  # any content: the reserve field may carry a signature (Bang 13/14, QĐ 3176)
        restriction = _x(_x(el, "simpleType"), "restriction", base="xs:string")
        if fs.type == "number":
            _x(restriction, "pattern", value=f"({NUMBER_PATTERN})?")
        if fs.max_size is not None:
            _x(restriction, "maxLength", value=str(fs.max_size))


def table_xsd(table: str) -> bytes:
    ts = load_spec().tables[table]
    schema = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    root = _x(schema, "element", name=ts.root)
    if ts.one_record:
        _record(root, ts)
    else:
        outer = _x(_x(root, "complexType"), "sequence")
        listing = _x(outer, "element", name=ts.list_tag or "")
        rows = _x(_x(listing, "complexType"), "sequence")
        _record(_x(rows, "element", name=ts.row_tag or "", minOccurs="0", maxOccurs="unbounded"), ts)
    return etree.tostring(schema, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@lru_cache(maxsize=1)
def lxml_schemas() -> dict[str, etree.XMLSchema]:
    return {t: etree.XMLSchema(etree.fromstring(table_xsd(t))) for t in load_spec().tables}
