"""What an export check says, in the shape of the ``validate-export --json`` contract (DESIGN.md).

Kết quả kiểm tra tệp dữ liệu xuất: mỗi phát hiện nêu quy tắc, mức độ, bảng, trường, dòng và thông điệp song ngữ.

The BHYT XML validator and the CV 365 validator both fill these records; ``hsba validate-export`` prints
them and the export probes judge criteria from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.messages import Msg

SEVERITIES = ("error", "warning", "info")
FILE_VERDICTS = ("valid", "invalid", "error")


@dataclass(frozen=True)
class Finding:
    """One departure from a rule. ``rule`` is a stable id (e.g. ``XML1.NGAY_VAO.format``) naming the spec row
    or prose rule it comes from; ``row`` is the 1-based row inside the table (None for the envelope)."""

    rule: str
    severity: str  # error | warning | info
    message: Msg
    table: str | None = None
    field: str | None = None
    row: int | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "table": self.table, "field": self.field,
                "row": self.row, "message": self.message.to_json()}


@dataclass
class FileResult:
    """The verdict on one file: ``valid`` (no error finding), ``invalid``, or ``error`` (the check itself could
    not finish: unreadable file, limit exceeded, an exception — ``message`` says which)."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    message: Msg | None = None  # set when the check could not finish
    format: str | None = None  # xml130 | cv365-xml | cv365-json, once recognised
    details: dict[str, Any] = field(default_factory=dict)  # e.g. counts per table, signature reports

    @property
    def verdict(self) -> str:
        if self.message is not None:
            return "error"
        return "invalid" if any(f.severity == "error" for f in self.findings) else "valid"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "verdict": self.verdict,
                               "findings": [f.to_json() for f in self.findings]}
        if self.format is not None:
            out["format"] = self.format
        if self.message is not None:
            out["message"] = self.message.to_json()
        return out
