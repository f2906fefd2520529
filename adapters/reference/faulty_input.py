"""The input checks some fault switches put in place of the correct ones (see faults.py): each one is a
deliberate, named departure from :mod:`.validate`."""

from __future__ import annotations

from datetime import date
from typing import Any

from conformance.adapters.reference.web import invalid


def any_national_id(data: dict[str, Any]) -> str:
    """``national-id-unchecked``: any non-empty string up to 32 characters passes."""
    value = data.get("national_id")
    if not isinstance(value, str) or not value or len(value) > 32:
        invalid("national_id", "Cần số định danh.", "A national identification number is required.")
    return value


def birth_date_unguarded(data: dict[str, Any]) -> str:
    """``crash-on-bad-date``: the date is parsed without a guard, so a malformed one raises (HTTP 500)."""
    value = data.get("birth_date")
    date.fromisoformat(value)  # type: ignore[arg-type]  # the fault: no type or format check first
    return str(value)
