"""Bilingual messages: every text shown to people exists in Vietnamese and English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Msg:
    """A message for people: Vietnamese first, English alongside."""

    vi: str
    en: str

    def to_json(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}

    @classmethod
    def from_json(cls, data: Any) -> Msg:
        if isinstance(data, Msg):
            return data
        if isinstance(data, dict) and isinstance(data.get("vi"), str) and isinstance(data.get("en"), str):
            return cls(data["vi"], data["en"])
        raise ValueError(f"not a bilingual message object {{vi, en}}: {data!r}")

    def __str__(self) -> str:
        return f"{self.vi} / {self.en}"
