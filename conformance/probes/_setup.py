"""Shared steps of the integrity, audit and access probes: fresh test data, refusals, times.

Các bước dùng chung: tạo dữ liệu thử mới, ghi nhận từ chối, so sánh thời gian.

Everything here goes through the adapter protocol only. Test data is always new (a new patient with a
synthetic số định danh, texts from ``ctx.label``), created by the account a probe names, in that
account's own department.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from conformance.adapters.protocol import (
    AuditEvent,
    Encounter,
    Entry,
    Patient,
    Refused,
    TargetSession,
)
from conformance.probe_api import CannotDecide, ProbeContext

# Test patients are synthetic; the sex code follows FHIR's administrative-gender vocabulary, which an
# adapter maps to its target's own codes.
TEST_BIRTH_DATE = "1980-01-01"
TEST_SEX = "male"
DEFAULT_ENTRY_KIND = "dien-bien"  # a progress note (tờ điều trị / diễn biến bệnh)
DEFAULT_TOLERANCE_S = 120

# Action names of the protocol, with the spellings an adapter might still pass through.
ACTION_SYNONYMS: dict[str, frozenset[str]] = {
    "read": frozenset({"read", "view"}),
    "create": frozenset({"create"}),
    "update": frozenset({"update", "edit"}),
    "cancel": frozenset({"cancel"}),
    "restore": frozenset({"restore"}),
    "login-failed": frozenset({"login-failed"}),
}
NEGATIVE_OUTCOMES = frozenset({"denied", "failure"})


# --------------------------------------------------------------------------------------------------
# Sessions and fresh data


def session(ctx: ProbeContext, param: str, default: str) -> TargetSession:
    """The adapter's session for the account key named by parameter ``param`` (default ``default``)."""
    return ctx.adapter.session(ctx.param(param, default))


def user_id(s: TargetSession) -> str | None:
    return s.account.user_id if s.account else None


def department_of(ctx: ProbeContext, s: TargetSession) -> str:
    """The department in which ``s`` creates test encounters: its own (or the ``department`` parameter)."""
    department = ctx.param("department") or (s.account.department if s.account else None)
    if not department:
        raise CannotDecide(f"tài khoản '{s.role}' không thuộc khoa nào nên không thể mở đợt điều trị thử",
                           f"the account '{s.role}' belongs to no department, so no encounter can be opened for it")
    return str(department)


def new_patient(ctx: ProbeContext, s: TargetSession) -> Patient:
    return s.create_patient(ctx.new_national_id(), ctx.label("bệnh nhân"), TEST_BIRTH_DATE, TEST_SEX)


def new_encounter(ctx: ProbeContext, s: TargetSession, patient: Patient) -> Encounter:
    return s.create_encounter(patient.id, department_of(ctx, s), kind=ctx.param("encounter_kind", "noi-tru"))


def new_entry(ctx: ProbeContext, s: TargetSession, encounter: Encounter, what: str = "ghi chép",
              extra: dict[str, Any] | None = None) -> Entry:
    kind = ctx.param("entry_kind", DEFAULT_ENTRY_KIND)
    return s.create_entry(encounter.id, kind, ctx.label(what), extra)


@dataclass(frozen=True)
class Record:
    """A fresh patient with one encounter and one entry, created by one account."""

    patient: Patient
    encounter: Encounter
    entry: Entry

    def ids(self) -> dict[str, str]:
        return {"patient": self.patient.id, "encounter": self.encounter.id, "entry": self.entry.id}


def new_record(ctx: ProbeContext, s: TargetSession, what: str = "ghi chép") -> Record:
    """Create a patient, an encounter in ``s``'s department and one entry, all as ``s``."""
    patient = new_patient(ctx, s)
    encounter = new_encounter(ctx, s, patient)
    return Record(patient, encounter, new_entry(ctx, s, encounter, what))


# --------------------------------------------------------------------------------------------------
# Refusals


def refusal(exc: Refused) -> dict[str, Any]:
    """What a refusal looked like, for the evidence."""
    return {"refused": type(exc).__name__, "status": exc.status, "message": exc.en}


# --------------------------------------------------------------------------------------------------
# Times


def tolerance(ctx: ProbeContext) -> timedelta:
    return timedelta(seconds=float(ctx.param("tolerance_s", DEFAULT_TOLERANCE_S)))


def in_window(t: datetime | None, start: datetime, end: datetime, tol: timedelta) -> bool | None:
    """Whether ``t`` lies in [start − tol, end + tol]; None when ``t`` is missing or has no offset."""
    if t is None or t.tzinfo is None or t.utcoffset() is None:
        return None
    return start - tol <= t <= end + tol


def iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


# --------------------------------------------------------------------------------------------------
# Summaries for the evidence (plain JSON; no national ids, no secrets)


def entry_summary(e: Entry) -> dict[str, Any]:
    return {"id": e.id, "version": e.version, "status": e.status, "signed": e.signed, "author": e.author,
            "recorded_at": iso(e.recorded_at), "reason": e.reason, "text": e.text}


def event_summary(ev: AuditEvent) -> dict[str, Any]:
    return {"id": ev.id, "time": iso(ev.time), "user": ev.user, "role": ev.role, "action": ev.action,
            "object_type": ev.object_type, "object_id": ev.object_id, "outcome": ev.outcome,
            "source": ev.source}


def is_action(ev: AuditEvent, action: str) -> bool:
    return (ev.action or "").lower() in ACTION_SYNONYMS.get(action, frozenset({action}))


def event_problems(ev: AuditEvent, account_role: str | None, start: datetime, end: datetime,
                   tol: timedelta, outcome: str = "success") -> list[tuple[str, str]]:
    """What an audit event lacks: the expected outcome, the actor's role, a server time within
    [start − tol, end + tol], a source. (Who and what are matched by the caller.)"""
    problems: list[tuple[str, str]] = []
    if (ev.outcome or "").lower() != outcome:
        problems.append((f"kết quả ghi là {ev.outcome!r} thay vì {outcome!r}",
                         f"outcome {ev.outcome!r}, not {outcome!r}"))
    if not ev.role:
        problems.append(("không ghi vai trò", "no role recorded"))
    elif account_role and ev.role != account_role:
        problems.append((f"vai trò ghi là {ev.role!r} thay vì {account_role!r}",
                         f"role recorded as {ev.role!r}, not {account_role!r}"))
    window = in_window(ev.time, start, end, tol)
    if ev.time is None:
        problems.append(("không ghi thời điểm", "no time recorded"))
    elif window is None:
        problems.append(("thời điểm không kèm múi giờ", "the time has no UTC offset"))
    elif not window:
        problems.append((f"thời điểm {iso(ev.time)} không khớp giờ thao tác",
                         f"time {iso(ev.time)} is not the time of the action"))
    if not ev.source:
        problems.append(("không ghi nguồn truy cập", "no source recorded"))
    return problems


def best_event(candidates: list[AuditEvent], check: Any) -> tuple[AuditEvent | None, list[tuple[str, str]]]:
    """The candidate with the fewest problems according to ``check`` (a function of one event)."""
    best: tuple[AuditEvent | None, list[tuple[str, str]]] = (None, [("không có sự kiện", "no event")])
    for ev in candidates:
        problems = check(ev)
        if best[0] is None or len(problems) < len(best[1]):
            best = (ev, problems)
        if not problems:
            break
    return best


def join_problems(problems: list[tuple[str, str]]) -> tuple[str, str]:
    return "; ".join(p[0] for p in problems), "; ".join(p[1] for p in problems)
