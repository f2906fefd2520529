"""FHIR R4 resources → the adapter protocol's records (and back, for what the harness writes).

Ánh xạ tài nguyên FHIR R4 sang bản ghi của giao thức bộ kết nối. A missing or mistyped member that the
protocol needs is the target's failure (:class:`TargetFailure`), never a crash.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from conformance.adapters.fhir import vocab as v
from conformance.adapters.protocol import Account, AuditEvent, Encounter, Entry, Patient, TargetFailure

_ACTION_FROM_CODE = {code: action for action, code in v.AUDIT_ACTION_CODE.items()}
_OUTCOME_FROM_CODE = {"0": "success", "4": "denied", "8": "failure", "12": "failure"}
_STATUS_FROM_DOC = {"current": "active", "superseded": "active", "entered-in-error": "cancelled"}


def malformed(what: str, detail: str) -> TargetFailure:
    return TargetFailure(f"the FHIR answer is malformed ({what}): {detail}",
                         f"câu trả lời FHIR sai cấu trúc ({what}): {detail}")


def ref_id(ref: Any, rtype: str | None = None) -> str | None:
    """The id in a Reference ``{"reference": "Type/id"}`` or ``"Type/id/_history/n"`` (or its identifier's value)."""
    if not isinstance(ref, dict):
        return None
    text = ref.get("reference")
    if isinstance(text, str) and "/" in text:
        kind, _, rid = text.split("/_history", 1)[0].rstrip("/").rpartition("/")
        if rtype is None or kind.endswith(rtype):
            return rid
    ident = ref.get("identifier")
    if isinstance(ident, dict) and isinstance(ident.get("value"), str):
        return str(ident["value"])
    return None


def instant(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise malformed(what, "a time must be a string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise malformed(what, f"not a FHIR instant: {value[:60]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def extension(res: dict[str, Any], url: str) -> Any:
    for ext in res.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            return next((val for key, val in ext.items() if key.startswith("value")), None)
    return None


def coding_code(concept: Any, system: str | None = None) -> str | None:
    """The first code of a CodeableConcept (or a Coding) in ``system`` (any system when None)."""
    codings = concept.get("coding", [concept]) if isinstance(concept, dict) else []
    for c in codings:
        if isinstance(c, dict) and isinstance(c.get("code"), str) and (system is None or c.get("system") == system):
            return str(c["code"])
    return None


def member(res: dict[str, Any], key: str) -> dict[str, Any]:
    """A member that must be an object ({} when missing or of another type)."""
    value = res.get(key)
    return value if isinstance(value, dict) else {}


def _id(res: dict[str, Any], what: str) -> str:
    rid = res.get("id")
    if not isinstance(rid, str) or not rid:
        raise malformed(what, "the resource has no id")
    return rid


def patient(res: dict[str, Any], vocab: v.Vocabulary) -> Patient:
    national = next((i.get("value") for i in res.get("identifier") or []
                     if isinstance(i, dict) and i.get("system") == vocab.national_id_system), None)
    names = res.get("name") or [{}]
    first = names[0] if isinstance(names[0], dict) else {}
    name = first.get("text") or " ".join([*(first.get("given") or []), first.get("family") or ""]).strip()
    return Patient(id=_id(res, "Patient"), national_id=national, name=str(name), birth_date=res.get("birthDate"),
                   sex=res.get("gender"), raw=res)


def patient_resource(national_id: str, name: str, birth_date: str, sex: str, vocab: v.Vocabulary) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": vocab.national_id_system, "value": national_id}],
            "name": [{"text": name}], "birthDate": birth_date, "gender": sex}


def encounter(res: dict[str, Any], vocab: v.Vocabulary) -> Encounter:
    kind = None
    for t in res.get("type") or []:
        kind = kind or coding_code(t, v.ENCOUNTER_KIND_SYSTEM)
    if kind is None:
        code = coding_code(res.get("class"))
        kind = next((k for k, c in v.ENCOUNTER_CLASS.items() if c == code), code)
    provider = res.get("serviceProvider") or {}
    ident = provider.get("identifier") if isinstance(provider, dict) else None
    department = ident.get("value") if isinstance(ident, dict) and ident.get("system") == vocab.department_system \
        else None
    patient_id = ref_id(res.get("subject"), "Patient")
    if patient_id is None:
        raise malformed("Encounter", "no subject")
    period = member(res, "period")
    return Encounter(id=_id(res, "Encounter"), patient_id=patient_id, department=department, kind=kind,
                     started_at=instant(period.get("start"), "Encounter.period.start"), raw=res)


def encounter_resource(patient_id: str, department: str, kind: str, vocab: v.Vocabulary) -> dict[str, Any]:
    return {"resourceType": "Encounter", "status": "in-progress",
            "class": {"system": v.V3_ACT_CODE, "code": v.ENCOUNTER_CLASS.get(kind, "IMP")},
            "type": [{"coding": [{"system": v.ENCOUNTER_KIND_SYSTEM, "code": kind}]}],
            "subject": {"reference": f"Patient/{patient_id}"},
            "serviceProvider": {"identifier": {"system": vocab.department_system, "value": department}}}


def attachment_text(res: dict[str, Any]) -> str:
    for content in res.get("content") or []:
        att = content.get("attachment") if isinstance(content, dict) else None
        if isinstance(att, dict) and isinstance(att.get("data"), str):
            try:
                return base64.b64decode(att["data"], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise malformed("DocumentReference", f"attachment data is not base64 UTF-8 text: {exc}") from None
    raise malformed("DocumentReference", "no inline attachment text")


def entry(res: dict[str, Any]) -> Entry:
    meta = member(res, "meta")
    version_text = meta.get("versionId")
    try:
        version = int(version_text) if version_text is not None else None
    except (TypeError, ValueError):
        raise malformed("DocumentReference", f"meta.versionId {version_text!r} is not a number") from None
    context = member(res, "context")
    encounters = context.get("encounter") or []
    authors = res.get("author") or []
    status = extension(res, v.EXT_ENTRY_STATUS) or _STATUS_FROM_DOC.get(str(res.get("status")), "active")
    type_code = coding_code(res.get("type"), v.ENTRY_KIND_SYSTEM) or coding_code(res.get("type"))
    return Entry(id=_id(res, "DocumentReference"), encounter_id=ref_id(encounters[0], "Encounter") if encounters
                 else None, kind=type_code, text=attachment_text(res), version=version,
                 author=ref_id(authors[0], "Practitioner") if authors else None,
                 recorded_at=instant(res.get("date") or meta.get("lastUpdated"), "DocumentReference.date"),
                 status=str(status), signed=res.get("docStatus") == "final",
                 reason=extension(res, v.EXT_CHANGE_REASON), raw=res)


def entry_resource(encounter_id: str, kind: str, text: str, extra: dict[str, Any] | None) -> dict[str, Any]:
    """A new DocumentReference. ``extra``: ``recorded_at`` and ``author`` become ``date`` and ``author``
    (a client-supplied time and author, which a compliant server ignores); other keys are not FHIR."""
    res: dict[str, Any] = {
        "resourceType": "DocumentReference", "status": "current", "docStatus": "preliminary",
        "type": {"coding": [{"system": v.ENTRY_KIND_SYSTEM, "code": kind}]},
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                    "data": base64.b64encode(text.encode("utf-8")).decode()}}],
        "context": {"encounter": [{"reference": f"Encounter/{encounter_id}"}]}}
    extra = extra or {}
    if extra.get("recorded_at") is not None:
        res["date"] = str(extra["recorded_at"])
    if extra.get("author") is not None:
        res["author"] = [{"reference": f"Practitioner/{extra['author']}"}]
    return res


def edited(res: dict[str, Any], text: str, reason: str | None) -> dict[str, Any]:
    """``res`` with new text and (when given) a change reason; nothing else changed."""
    out = {k: val for k, val in res.items() if k not in ("meta", "text")}
    out["content"] = [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                      "data": base64.b64encode(text.encode("utf-8")).decode()}}]
    ext = [e for e in res.get("extension") or [] if not (isinstance(e, dict) and e.get("url") == v.EXT_CHANGE_REASON)]
    if reason is not None:
        ext.append({"url": v.EXT_CHANGE_REASON, "valueString": reason})
    if ext:
        out["extension"] = ext
    else:
        out.pop("extension", None)
    return out


def audit_event(res: dict[str, Any]) -> AuditEvent:
    agents = [a for a in res.get("agent") or [] if isinstance(a, dict)]
    agent = next((a for a in agents if a.get("requestor")), agents[0] if agents else {})
    role = None
    for r in agent.get("role") or []:
        role = role or coding_code(r, v.ROLE_SYSTEM) or coding_code(r)
    entities = [e for e in res.get("entity") or [] if isinstance(e, dict)]
    entity = entities[0] if entities else {}
    action = None
    for st in res.get("subtype") or []:
        action = action or coding_code(st, v.AUDIT_ACTION_SYSTEM)
    action = action or _ACTION_FROM_CODE.get(str(res.get("action")), str(res.get("action") or "unknown"))
    outcome = extension(res, v.EXT_AUDIT_OUTCOME) or _OUTCOME_FROM_CODE.get(str(res.get("outcome")), "failure")
    network = member(agent, "network")
    return AuditEvent(id=_id(res, "AuditEvent"), time=instant(res.get("recorded"), "AuditEvent.recorded"),
                      user=ref_id(agent.get("who"), "Practitioner"), role=role, action=str(action),
                      object_type=coding_code(entity.get("type")) if entity.get("type") else None,
                      object_id=ref_id(entity.get("what")), outcome=str(outcome),
                      source=network.get("address"), raw=res)


def account(role_key: str, practitioner_id: str, role_resource: dict[str, Any] | None,
            vocab: v.Vocabulary) -> Account:
    if role_resource is None:
        return Account(user_id=practitioner_id, username=practitioner_id, role=role_key)
    practitioner = role_resource.get("practitioner") or {}
    ident = practitioner.get("identifier") if isinstance(practitioner, dict) else None
    username = ident.get("value") if isinstance(ident, dict) else practitioner_id
    role = None
    for c in role_resource.get("code") or []:
        role = role or coding_code(c, v.ROLE_SYSTEM)
    org = role_resource.get("organization") or {}
    org_ident = org.get("identifier") if isinstance(org, dict) else None
    department = org_ident.get("value") if isinstance(org_ident, dict) and \
        org_ident.get("system") == vocab.department_system else None
    return Account(user_id=practitioner_id, username=str(username), role=role or role_key, department=department,
                   raw=role_resource)


def with_provenance(versions: list[Entry], provenances: list[dict[str, Any]]) -> list[Entry]:
    """Fill a version's missing author / reason from the Provenance that targets it
    (``DocumentReference/<id>/_history/<version>``): where servers usually keep who, when and why."""
    by_version: dict[int, dict[str, Any]] = {}
    for prov in provenances:
        for target in prov.get("target") or []:
            ref = target.get("reference") if isinstance(target, dict) else None
            if isinstance(ref, str) and "/_history/" in ref and ref.rsplit("/", 1)[-1].isdigit():
                by_version[int(ref.rsplit("/", 1)[-1])] = prov
    out: list[Entry] = []
    for e in versions:
        found = by_version.get(e.version or -1)
        if found is None:
            out.append(e)
            continue
        agents = [a for a in found.get("agent") or [] if isinstance(a, dict)]
        author = e.author or (ref_id(agents[0].get("who"), "Practitioner") if agents else None)
        reasons = [r.get("text") for r in found.get("reason") or [] if isinstance(r, dict) and r.get("text")]
        reason = e.reason if e.reason is not None else (reasons[0] if reasons else None)
        out.append(Entry(e.id, e.encounter_id, e.kind, e.text, e.version, author, e.recorded_at, e.status, e.signed,
                         reason, e.raw))
    return out
