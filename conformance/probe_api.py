"""What a probe is: a function of a :class:`ProbeContext` returning a :class:`ProbeResult`.

Probes are registered by name with :func:`probe`; criteria refer to them by that name. A probe
knows the target only through the adapter protocol (``ctx.adapter``), never through anything
specific to one system.

Writing a probe::

    @probe("integrity.example", requires=(Capability.ENTRIES,))
    def example(ctx: ProbeContext) -> ProbeResult:
        doctor = ctx.adapter.session(ctx.param("author_role", "bac_si"))
        ...
        return passed("… (tiếng Việt)", "… (English)", entry=entry.id)

Exceptions a probe does not handle are judged by the runner: :class:`Unsupported` and
:class:`CannotDecide` → ``indeterminate``; :class:`TargetFailure` → ``error``; an unhandled
:class:`Refused` → ``indeterminate`` (a step the probe needed was refused); anything else → ``error``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from conformance.adapters.protocol import Adapter
from conformance.messages import Msg
from conformance.verdicts import Verdict

if TYPE_CHECKING:
    from conformance.target import TargetConfig


@dataclass
class ProbeResult:
    verdict: Verdict
    message: Msg
    details: dict[str, Any] = field(default_factory=dict)


class CannotDecide(Exception):
    """Raised deep inside a probe's helpers when the criterion cannot be decided on this target
    (e.g. the configured account has no department to open a test encounter in)."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.message = Msg(vi, en)


def _result(verdict: Verdict, vi: str, en: str, details: dict[str, Any]) -> ProbeResult:
    return ProbeResult(verdict, Msg(vi, en), details)


def passed(vi: str, en: str, **details: Any) -> ProbeResult:
    return _result(Verdict.PASS, vi, en, details)


def failed(vi: str, en: str, **details: Any) -> ProbeResult:
    return _result(Verdict.FAIL, vi, en, details)


def indeterminate(vi: str, en: str, **details: Any) -> ProbeResult:
    return _result(Verdict.INDETERMINATE, vi, en, details)


def not_applicable(vi: str, en: str, **details: Any) -> ProbeResult:
    return _result(Verdict.NOT_APPLICABLE, vi, en, details)


def json_bytes(data: Any) -> bytes:
    """Evidence as JSON: readable, stable (sorted keys), Vietnamese kept as written."""
    return json.dumps(data, ensure_ascii=False, indent=1, default=str, sort_keys=True).encode()


class EvidenceSink(Protocol):
    """Where a probe's evidence goes (the evidence store's :class:`CriterionEvidence` is one)."""

    def add_file(self, name: str, content: bytes, media_type: str) -> str:
        """Keep ``content``; return its path inside the report bundle."""
        ...


class ProbeContext:
    """Everything a probe may use: the adapter, its parameters, evidence, fresh test data."""

    def __init__(self, adapter: Adapter, params: dict[str, Any], criterion_id: str,
                 evidence: EvidenceSink, appraisal_date: date, target: TargetConfig | None = None) -> None:
        self.adapter = adapter
        self.target = target  # the target file's settings (trust store, sample export encounters), when known
        self.params = params
        self.criterion_id = criterion_id
        self.evidence = evidence
        self.appraisal_date = appraisal_date

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    @staticmethod
    def now() -> datetime:
        """The harness's clock (UTC, timezone-aware), to compare with the target's server time."""
        return datetime.now(UTC)

    def label(self, what: str) -> str:
        """A unique, recognisable label for test data this probe creates."""
        return f"HSBA-TEST {self.criterion_id} {what} {secrets.token_hex(4)}"

    @staticmethod
    def new_national_id(*, female: bool = False, birth_year: int = 1980, province: str = "001") -> str:
        """A synthetic 12-digit số định danh cá nhân: province code (3 digits), century-and-sex digit,
        two digits of the birth year, then six random digits."""
        century = 0 if birth_year < 2000 else 2
        digit = century + (1 if female else 0)
        return f"{province}{digit}{birth_year % 100:02d}{secrets.randbelow(10**6):06d}"

    def attach(self, name: str, data: Any) -> str:
        """Keep a piece of evidence (bytes, text, or anything JSON can hold); returns its path."""
        if isinstance(data, bytes):
            return self.evidence.add_file(name, data, "application/octet-stream")
        if isinstance(data, str):
            return self.evidence.add_file(name, data.encode(), "text/plain; charset=utf-8")
        return self.evidence.add_file(name, json_bytes(data), "application/json")


ProbeFunction = Callable[[ProbeContext], ProbeResult]


@dataclass(frozen=True)
class ProbeSpec:
    name: str
    function: ProbeFunction
    requires: tuple[str, ...]
    doc: str


_REGISTRY: dict[str, ProbeSpec] = {}


def probe(name: str, *, requires: tuple[str, ...] = ()) -> Callable[[ProbeFunction], ProbeFunction]:
    """Register a probe under ``name``; ``requires`` lists adapter capabilities it cannot do without."""

    def register(function: ProbeFunction) -> ProbeFunction:
        if name in _REGISTRY and _REGISTRY[name].function is not function:
            raise ValueError(f"probe '{name}' is registered twice")
        _REGISTRY[name] = ProbeSpec(name, function, tuple(requires), (function.__doc__ or "").strip())
        return function

    return register


def registered_probes() -> dict[str, ProbeSpec]:
    """All probes, importing the built-in probe modules first."""
    import conformance.probes  # noqa: F401  (registers the built-in probes)

    return dict(_REGISTRY)
