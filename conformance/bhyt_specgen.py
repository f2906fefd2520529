"""Generate the project's machine-readable BHYT table spec from the official QĐ 3176 spreadsheet.

Sinh đặc tả bảng dữ liệu BHYT (XML0–XML11, XML13–XML15) từ bảng chỉ tiêu chính thức của Quyết định 3176/QĐ-BYT.

Run ``python -m conformance.bhyt_specgen --source ../shared/reference/qd3176/qd3176-bang-chi-tieu.xlsx``; it
writes ``fixtures/bhyt/qd3176-spec.json``. The output depends only on the spreadsheet, so re-running it
reproduces the committed file byte for byte (a test checks this when the spreadsheet is beside the checkout).

The spreadsheet's quirks (REQUIREMENTS §4) handled here: sheet names with stray spaces; a title row then a
header row; the type column spelt "Chuỗi"/"Số" with a trailing space at times; a maximum size that is a number,
a numeric text or ``n`` (unbounded); merged rows (a field spread over two rows: the second row is empty);
note rows at the end ("Ghi chú", "Ký hiệu") which have no STT; Bảng 14 skipping STT 14; tables 13–15 having
no QĐ 130 column (their first text is QĐ 4750's). Bảng 12 (giám định y khoa) is entered on the insurer's
portal, not sent by a facility, and is left out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

SPEC_VERSION = 1
# run from the checkout's root: the committed spec (installed, the package carries a copy under conformance/_fixtures)
DEFAULT_OUT = Path("fixtures") / "bhyt" / "qd3176-spec.json"
NOT_SENT = {"XML12"}  # entered on the BHXH portal by the assessment council, not sent by the facility

_TYPES = {"chuỗi": "string", "số": "number"}


def _table_id(sheet_name: str) -> str | None:
    name = sheet_name.strip()
    if name.lower().startswith("bang check-in"):
        return "XML0"
    match = re.match(r"bang\s+(\d+)_", name, re.IGNORECASE)
    return f"XML{int(match.group(1))}" if match else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _column_roles(header: tuple[Any, ...]) -> dict[int, str]:
    """Which column holds which text: the QĐ 130 explanation, the QĐ 4750 text or correction, the QĐ 3176
    amendment. Told apart by their header wording, since tables 13–15 have no QĐ 130 column."""
    roles: dict[int, str] = {}
    for index, cell in enumerate(header):
        text = (_text(cell) or "").lower()
        if index < 4 or not text:
            continue
        if "130" in text:
            roles[index] = "qd130"
        elif "4750" in text:
            roles[index] = "qd4750"
        else:  # "Nội dung sửa đổi, bổ sung diễn giải" / "Điều chỉnh": the QĐ 3176 amendment
            roles[index] = "qd3176"
    return roles


def _size(value: Any) -> tuple[int | None, str]:
    text = _text(value) or ""
    if text.lower() == "n":
        return None, text
    if re.fullmatch(r"\d+", text):
        return int(text), text
    raise ValueError(f"unreadable maximum size {value!r}")


def read_sheet(sheet: Any, table: str) -> dict[str, Any]:
    rows = list(sheet.iter_rows(values_only=True))
    title = _text(rows[0][0]) if rows and rows[0] else None
    header = rows[1]
    if (_text(header[0]) or "").upper() != "STT" or (_text(header[1]) or "") != "Chỉ tiêu":
        raise ValueError(f"sheet {sheet.title!r}: row 2 is not the header row")
    roles = _column_roles(header)
    fields: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for number, row in enumerate(rows[2:], start=3):
        cells = list(row) + [None] * (max(roles, default=4) + 1 - len(row))
        stt, name = cells[0], _text(cells[1])
        if stt is None:
            if name:  # a note row: "Ghi chú: …", "- Ký hiệu (*): …"
                notes.append({"row": number, "text": name})
            continue  # an empty row (the second half of a merged row)
        max_size, size_text = _size(cells[3])
        type_text = _text(cells[2]) or ""
        entry: dict[str, Any] = {
            "stt": int(str(stt).strip()), "name": name, "type": _TYPES[type_text.lower()],
            "max_size": max_size, "size_text": size_text, "type_text": type_text,
            "source": {"sheet": sheet.title, "row": number},
        }
        for index, role in sorted(roles.items()):
            entry[role] = _text(cells[index])
        fields.append(entry)
    names = [f["name"] for f in fields]
    if len(set(names)) != len(names):
        raise ValueError(f"sheet {sheet.title!r}: a field name appears twice")
    return {"table": table, "sheet": sheet.title, "title": title, "fields": fields, "notes": notes}


def generate(source: Path) -> dict[str, Any]:
    import openpyxl  # only the generator needs it

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    workbook = openpyxl.load_workbook(source, read_only=False, data_only=True)
    tables: dict[str, Any] = {}
    for sheet in workbook.worksheets:
        table = _table_id(sheet.title)
        if table is None:
            raise ValueError(f"unexpected sheet {sheet.title!r}")
        if table in NOT_SENT:
            continue
        tables[table] = read_sheet(sheet, table)
    order = sorted(tables, key=lambda t: int(t[3:]))
    return {
        "spec_version": SPEC_VERSION,
        "source": {"document": "Quyết định 3176/QĐ-BYT — bảng chỉ tiêu dữ liệu (QĐ 130/QĐ-BYT, sửa đổi bởi "
                               "QĐ 4750/QĐ-BYT và QĐ 3176/QĐ-BYT)", "file": source.name, "sha256": digest},
        "left_out": {"XML12": "nhập trên cổng giám định BHXH, cơ sở không gửi / entered on the BHXH portal, "
                              "not sent by the facility"},
        "tables": {t: tables[t] for t in order},
    }


def render(spec: dict[str, Any]) -> bytes:
    return (json.dumps(spec, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.bhyt_specgen",
                                     description="Sinh đặc tả bảng BHYT / generate the BHYT table spec")
    parser.add_argument("--source", type=Path, required=True, help="qd3176-bang-chi-tieu.xlsx")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true",
                        help="chỉ so sánh với tệp hiện có / only compare with the existing file (exit 1 if different)")
    args = parser.parse_args(argv)
    data = render(generate(args.source))
    if args.check:
        same = args.out.is_file() and args.out.read_bytes() == data
        print("giống / identical" if same else "khác / differs")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
