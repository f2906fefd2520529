"""The checklist as data: criteria, areas and profiles, as loaded from ``criteria/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from conformance.messages import Msg

LEVELS = ("mandatory", "recommended")
METHODS = ("automated", "manual", "mixed")


def _period(start: date, end: date | None) -> dict[str, str]:
    """A period of force as JSON: ``{"from": ..., "to": ...}`` (``to`` only when it ends)."""
    period = {"from": start.isoformat()}
    if end:
        period["to"] = end.isoformat()
    return period


@dataclass(frozen=True)
class Basis:
    text: str
    ref: str
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "ref": self.ref}
        if self.note:
            data["note"] = self.note
        return data

    def __str__(self) -> str:
        return f"{self.text}, {self.ref}"


@dataclass(frozen=True)
class ProbeRef:
    probe: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"probe": self.probe, "with": self.params}


@dataclass(frozen=True)
class Criterion:
    id: str
    title: Msg
    basis: tuple[Basis, ...]
    area: str
    level: str
    method: str
    applies_from: date
    applies_to: date | None
    probes: tuple[ProbeRef, ...]
    notes: Msg
    evidence_required: Msg | None = None
    source: str = ""  # the file it was loaded from, for messages
    parameters: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)  # facility-configurable

    @property
    def mandatory(self) -> bool:
        return self.level == "mandatory"

    def in_force(self, on: date) -> bool:
        return self.applies_from <= on and (self.applies_to is None or on <= self.applies_to)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "title": self.title.to_json(), "basis": [b.to_json() for b in self.basis],
            "area": self.area, "level": self.level, "method": self.method,
            "applies": _period(self.applies_from, self.applies_to),
            "probes": [p.to_json() for p in self.probes], "notes": self.notes.to_json(),
        }
        if self.evidence_required:
            data["evidence_required"] = self.evidence_required.to_json()
        if self.parameters:
            data["parameters"] = dict(self.parameters)
        return data


@dataclass(frozen=True)
class Area:
    id: str
    title: Msg
    prefix: str


@dataclass(frozen=True)
class Profile:
    id: str
    title: Msg
    basis: tuple[Basis, ...]
    in_force_from: date
    in_force_to: date | None
    areas: tuple[str, ...] | None  # None: every area
    ids: tuple[str, ...] | None  # None: every criterion of the areas
    exclude: tuple[str, ...]
    notes: Msg | None = None

    def in_force(self, on: date) -> bool:
        return self.in_force_from <= on and (self.in_force_to is None or on <= self.in_force_to)

    def overlaps(self, criterion: Criterion) -> bool:
        """Whether the criterion's dates of force meet the profile's: a criterion whose basis lapsed before
        the profile began (or entered force after it ended) never belongs to it."""
        if criterion.applies_to and criterion.applies_to < self.in_force_from:
            return False
        return not (self.in_force_to and criterion.applies_from > self.in_force_to)

    def selects(self, criterion: Criterion) -> bool:
        if criterion.id in self.exclude or not self.overlaps(criterion):
            return False
        if self.ids is not None and criterion.id in self.ids:
            return True
        if self.areas is not None:
            return criterion.area in self.areas
        return self.ids is None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title.to_json(), "basis": [b.to_json() for b in self.basis],
                "in_force": _period(self.in_force_from, self.in_force_to)}


@dataclass
class Catalogue:
    criteria: dict[str, Criterion]
    areas: dict[str, Area]
    profiles: dict[str, Profile]

    def ordered(self) -> list[Criterion]:
        """Criteria in a stable order: by area (as the areas file lists them), then id."""
        rank = {area: i for i, area in enumerate(self.areas)}
        return sorted(self.criteria.values(), key=lambda c: (rank.get(c.area, len(rank)), c.id))
