"""Reading the reference EMR's JSON answers into the adapter protocol's records.

Anything missing or of the wrong type is the target's failure (:class:`TargetFailure`), never a crash
of the harness.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from conformance.adapters.protocol import (
    Account,
    AuditChainReport,
    AuditEvent,
    Document,
    Encounter,
    Entry,
    Patient,
    PatientConfirmation,
    TargetFailure,
)

GENESIS = "0" * 64


def malformed(what: str, detail: str) -> TargetFailure:
    return TargetFailure(f"the target's answer is malformed ({what}): {detail}",
                         f"câu trả lời của hệ thống sai cấu trúc ({what}): {detail}")


def obj(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise malformed(what, f"expected a JSON object, got {type(data).__name__}")
    return data


def items(data: Any, key: str, what: str) -> list[dict[str, Any]]:
    """The list of objects under ``key`` of an answer object."""
    value = obj(data, what).get(key)
    if not isinstance(value, list):
        raise malformed(what, f"'{key}' must be a list")
    return [obj(v, what) for v in value]


def text(data: dict[str, Any], key: str, what: str, *, optional: bool = False) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise malformed(what, f"'{key}' must be a string")
    return value


def req(data: dict[str, Any], key: str, what: str) -> str:
    value = text(data, key, what)
    assert value is not None
    return value


def moment(data: dict[str, Any], key: str, what: str) -> datetime | None:
    """An ISO 8601 time as an aware datetime (a value without offset is taken as UTC); None when absent."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise malformed(what, f"'{key}' must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise malformed(what, f"'{key}' is not an ISO 8601 time: {value[:60]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def account(data: Any) -> Account:
    d = obj(data, "user")
    return Account(user_id=req(d, "id", "user"), username=req(d, "username", "user"), role=req(d, "role", "user"),
                   department=text(d, "department", "user", optional=True), raw=d)


def patient(data: Any) -> Patient:
    d = obj(data, "patient")
    return Patient(id=req(d, "id", "patient"), national_id=text(d, "national_id", "patient", optional=True),
                   name=req(d, "name", "patient"), birth_date=text(d, "birth_date", "patient", optional=True),
                   sex=text(d, "sex", "patient", optional=True), raw=d)


def encounter(data: Any) -> Encounter:
    d = obj(data, "encounter")
    return Encounter(id=req(d, "id", "encounter"), patient_id=req(d, "patient_id", "encounter"),
                     department=text(d, "department", "encounter", optional=True),
                     kind=text(d, "kind", "encounter", optional=True),
                     started_at=moment(d, "started_at", "encounter"), raw=d)


def document(data: Any) -> Document:
    d = obj(data, "document")
    return Document(id=req(d, "id", "document"), encounter_id=text(d, "encounter_id", "document", optional=True),
                    title=req(d, "title", "document"), media_type=req(d, "media_type", "document"), raw=d,
                    doc_type=text(d, "doc_type", "document", optional=True),
                    created_at=moment(d, "created_at", "document"),
                    author=text(d, "author", "document", optional=True),
                    sha256=text(d, "sha256", "document", optional=True))


def confirmation(data: Any) -> PatientConfirmation:
    d = obj(data, "patient confirmation")
    evidence = d.get("evidence") or {}
    if not isinstance(evidence, dict):
        raise malformed("patient confirmation", "'evidence' must be an object")
    return PatientConfirmation(
        id=req(d, "id", "patient confirmation"),
        encounter_id=text(d, "encounter_id", "patient confirmation", optional=True),
        document_id=text(d, "document_id", "patient confirmation", optional=True),
        method=req(d, "method", "patient confirmation"),
        confirmed_by=text(d, "confirmed_by", "patient confirmation", optional=True),
        confirmed_at=moment(d, "confirmed_at", "patient confirmation"), evidence=evidence,
        document_sha256=text(d, "document_sha256", "patient confirmation", optional=True), raw=d)


def entry(data: Any) -> Entry:
    d = obj(data, "entry")
    version = d.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise malformed("entry", "'version' must be an integer")
    signed = d.get("signed", False)
    if not isinstance(signed, bool):
        raise malformed("entry", "'signed' must be true or false")
    return Entry(id=req(d, "id", "entry"), encounter_id=text(d, "encounter_id", "entry", optional=True),
                 kind=text(d, "kind", "entry", optional=True), text=req(d, "text", "entry"), version=version,
                 author=text(d, "author", "entry", optional=True), recorded_at=moment(d, "recorded_at", "entry"),
                 status=text(d, "status", "entry", optional=True) or "active", signed=signed,
                 reason=text(d, "reason", "entry", optional=True), raw=d)


def audit_event(data: Any) -> AuditEvent:
    d = obj(data, "audit event")
    w = "audit event"
    return AuditEvent(id=req(d, "id", w), time=moment(d, "time", w), user=text(d, "user", w, optional=True),
                      role=text(d, "role", w, optional=True), action=req(d, "action", w),
                      object_type=text(d, "object_type", w, optional=True),
                      object_id=text(d, "object_id", w, optional=True), outcome=req(d, "outcome", w),
                      source=text(d, "source", w, optional=True), raw=d)


def event_hash(event: dict[str, Any]) -> str:
    """SHA-256 of the event's canonical JSON, as API.md defines it: every member but ``hash``, keys sorted,
    no whitespace, UTF-8, non-ASCII unescaped."""
    body = {k: v for k, v in event.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_chain(events: list[dict[str, Any]]) -> AuditChainReport:
    """Recompute the chain over all events (oldest first): each ``prev_hash`` must be the previous event's
    ``hash`` (64 zeros for the first), each ``hash`` must match the event, ``seq`` must run 1, 2, 3... without
    gaps (a deleted event shows as a gap even at the end of the log)."""
    prev = GENESIS
    for index, event in enumerate(events, start=1):
        eid = str(event.get("id"))
        if event.get("seq") != index:
            return AuditChainReport(index - 1, eid, f"sequence number {event.get('seq')!r} where {index} was expected "
                                                    "(an event is missing)")
        if event.get("prev_hash") != prev:
            return AuditChainReport(index - 1, eid, "prev_hash does not match the previous event's hash")
        try:
            recomputed = event_hash(event)
        except (TypeError, ValueError) as exc:
            return AuditChainReport(index - 1, eid, f"the event cannot be serialised canonically: {exc}")
        if event.get("hash") != recomputed:
            return AuditChainReport(index - 1, eid, "hash does not match the event's content")
        prev = recomputed
    return AuditChainReport(len(events), None, f"{len(events)} events, chain intact")
