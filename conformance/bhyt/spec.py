"""The BHYT table spec as the validator uses it: generated fields, table tags, prose rules, dated overlay.

Đặc tả bảng BHYT dùng khi kiểm tra: trường (sinh từ bảng chỉ tiêu QĐ 3176), thẻ bảng, quy tắc nêu bằng lời, và các
sửa đổi theo ngày.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

import yaml

from conformance.resources import data

# a field's format (XD-03), decided once per field from the rules file and the field's own row
DATETIME, DATE, BIRTH, CARDS, CARD_DATES, ICD_ONE, ICD_LIST, NUMBER = (
    "datetime12", "date8", "birth", "cards", "card_dates", "icd10", "icd10_list", "number")


@dataclass(frozen=True)
class FieldSpec:
    table: str
    name: str
    type: str  # string | number
    max_size: int | None
    fmt: str | None  # one of the format names above, or None
    row: int  # row in the official spreadsheet
    sheet: str
    enumeration: tuple[str, ...] = ()
    extra_codes: tuple[str, ...] = ()  # accepted but unverified (reported as info)
    plain: bool = field(init=False, compare=False)
    limit: int = field(init=False, compare=False)  # max_size, or a very large number when unbounded

    def __post_init__(self) -> None:
        # a string with no format and no code list: only its length is checked (the validator's fast path)
        object.__setattr__(self, "plain", self.type == "string" and self.fmt is None and not self.enumeration)
        object.__setattr__(self, "limit", self.max_size if self.max_size is not None else 1 << 62)

    @property
    def cite(self) -> str:
        return f"{self.sheet.strip()}, dòng/row {self.row}"


@dataclass(frozen=True)
class TableSpec:
    table: str
    root: str
    list_tag: str | None
    row_tag: str | None
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    order: tuple[str, ...] = ()

    @property
    def one_record(self) -> bool:
        return self.row_tag is None


@dataclass(frozen=True)
class Spec:
    tables: dict[str, TableSpec]
    by_root: dict[str, str]
    icd_supplement: frozenset[str]
    max_icd_codes: int
    card_length: int


def _yaml(*parts: str) -> Any:
    return yaml.safe_load(data("fixtures", *parts).read_text(encoding="utf-8"))


def _format_of(name: str, ftype: str, max_size: int | None, text: str, named: dict[str, str]) -> str | None:
    if name in named:
        return named[name]
    time_like = "NGAY" in name or name.startswith(("THOI_DIEM", "THOIGIAN")) or "yyyymmdd" in text.lower()
    if time_like and max_size == 12:
        return DATETIME  # "gồm 12 ký tự … yyyymmddHHmm" in the field's row
    if time_like and max_size == 8:
        return DATE  # "gồm 08 ký tự … yyyymmdd"
    if ftype == "number":
        return NUMBER  # decimal point "." (Bang 2, dòng 22 and the amount rows)
    return None


@lru_cache(maxsize=1)
def _amendments() -> list[dict[str, Any]]:
    return list(_yaml("bhyt", "overlay.yaml")["amendments"])


def load_spec(on: date | None = None) -> Spec:
    """The spec in force on ``on`` (the submission's NGAYLAP; None = the generated spec without amendments)."""
    applied = () if on is None else tuple(a["id"] for a in _amendments() if on >= a["from"])
    return _spec(applied)


@lru_cache(maxsize=16)
def _spec(applied: tuple[str, ...]) -> Spec:
    raw = json.loads(data("fixtures", "bhyt", "qd3176-spec.json").read_text(encoding="utf-8"))
    tags = _yaml("bhyt", "tables.yaml")["tables"]
    rules = _yaml("bhyt", "rules.yaml")
    supplement = _yaml("codes", "icd10-supplement.yaml")
    fmt_rules = rules["formats"]
    named: dict[str, str] = {}
    for key, fmt in (("card_numbers", CARDS), ("card_dates", CARD_DATES), ("birth", BIRTH),
                     ("dates_by_text", DATE), ("icd10_single", ICD_ONE), ("icd10_list", ICD_LIST)):
        for name in fmt_rules[key]["fields"]:
            named[name] = fmt
    enums = rules["enumerations"]
    tables: dict[str, TableSpec] = {}
    for table, tdata in raw["tables"].items():
        fields: dict[str, FieldSpec] = {}
        for f in tdata["fields"]:
            text = " ".join(t for t in (f.get("qd130"), f.get("qd4750"), f.get("qd3176")) if t)
            enum = enums.get(f["name"])
            codes = tuple(enum["codes"]) if enum and table in enum["tables"] else ()
            extra = tuple(enum.get("unverified_extension", ())) if codes and enum else ()
            fields[f["name"]] = FieldSpec(table, f["name"], f["type"], f["max_size"],
                                          _format_of(f["name"], f["type"], f["max_size"], text, named),
                                          f["source"]["row"], f["source"]["sheet"], codes, extra)
        tag = tags[table]
        tables[table] = TableSpec(table, tag["root"], tag.get("list"), tag.get("row"), fields,
                                  tuple(f["name"] for f in tdata["fields"]))
    for amendment in _amendments():
        if amendment["id"] in applied:
            for change in amendment["fields"]:
                spec = tables[change["table"]]
                old = spec.fields[change["field"]]
                spec.fields[change["field"]] = replace(old, max_size=change.get("max_size", old.max_size))
    return Spec(tables, {t.root: name for name, t in tables.items()},
                frozenset(str(c).replace(".", "") for c in supplement["codes"]),
                int(fmt_rules["icd10_list"]["max_codes"]), int(fmt_rules["card_numbers"]["length"]))
