"""Checks of client input; each failure is a 422 answer naming the field (bilingual)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from conformance.adapters.reference.web import invalid

NATIONAL_ID = re.compile(r"[0-9]{12}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
SEXES = frozenset({"nam", "nu", "nữ", "khac", "khác", "male", "female", "other", "unknown", "M", "F", "O", "U"})
MAX_TEXT = 100_000
FACILITY_TZ = timezone(timedelta(hours=7), "ICT")  # Vietnam: UTC+7, no daylight saving


def text_field(data: dict[str, Any], name: str, *, limit: int = 200, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        invalid(name, f"Trường '{name}' là bắt buộc (chuỗi không rỗng).",
                f"The field '{name}' is required (a non-empty string).")
    if len(value) > limit:
        invalid(name, f"Trường '{name}' dài quá {limit} ký tự.", f"The field '{name}' is longer than {limit}.")
    return value


def required_text(data: dict[str, Any], name: str, *, limit: int = 200) -> str:
    value = text_field(data, name, limit=limit)
    assert value is not None
    return value


def national_id(data: dict[str, Any]) -> str:
    value = data.get("national_id")
    if not isinstance(value, str) or not NATIONAL_ID.fullmatch(value):
        invalid("national_id", "Số định danh cá nhân phải gồm đúng 12 chữ số.",
                "The national identification number must be exactly 12 digits.")
    return value


def birth_date(data: dict[str, Any]) -> str:
    value = data.get("birth_date")
    try:
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        parsed = date.fromisoformat(value)
    except ValueError:
        invalid("birth_date", "Ngày sinh phải theo dạng YYYY-MM-DD.", "The birth date must be YYYY-MM-DD.")
    if parsed > datetime.now(FACILITY_TZ).date() or parsed.year < 1880:  # the facility's calendar day
        invalid("birth_date", "Ngày sinh không hợp lý.", "The birth date is not plausible.")
    return value


def sex(data: dict[str, Any]) -> str:
    value = data.get("sex")
    if not isinstance(value, str) or value not in SEXES:
        invalid("sex", f"Giới tính phải là một trong: {', '.join(sorted(SEXES))}.",
                f"The sex must be one of: {', '.join(sorted(SEXES))}.")
    return value


def code(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not CODE.fullmatch(value):
        invalid(name, f"Trường '{name}' phải là mã (chữ thường, số, '-', '_').",
                f"The field '{name}' must be a code (lower-case letters, digits, '-', '_').")
    return value


def reason(data: dict[str, Any], *, required: bool) -> str | None:
    """A reason: a non-empty string, or (when a fault makes it optional) absent/empty → None."""
    value = data.get("reason")
    if isinstance(value, str) and value.strip():
        if len(value) > 2000:
            invalid("reason", "Lý do dài quá 2000 ký tự.", "The reason is longer than 2000 characters.")
        return value
    if required:
        invalid("reason", "Phải ghi lý do (không được để trống).", "A reason is required (it must not be empty).")
    if value is not None and not isinstance(value, str):
        invalid("reason", "Lý do phải là chuỗi.", "The reason must be a string.")
    return None


def moment(value: Any) -> datetime | None:
    """An ISO 8601 time (naive values are UTC), or None when unreadable."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
