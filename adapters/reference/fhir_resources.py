"""The reference EMR's records as FHIR R4 resources (and FHIR request bodies back into its REST bodies).

Bản ghi của HSBA tham chiếu dưới dạng tài nguyên FHIR R4. Pure functions over the REST API's JSON: the
facade (``routes_fhir``) serves what the REST API serves, only in another shape.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from conformance.adapters.fhir import vocab as v


def _dt(value: Any) -> str | None:
    """A server time as a FHIR instant (the REST API already writes ISO 8601 with an offset)."""
    return value if isinstance(value, str) and value else None


def operation_outcome(status: int, vi: str, en: str) -> dict[str, Any]:
    code = {400: "structure", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
            409: "conflict", 413: "too-costly", 422: "invalid", 423: "lock-error"}.get(status, "exception")
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": en, "details": {"text": vi}}]}


def bundle(kind: str, resources: list[dict[str, Any]], base: str, *, next_url: str | None = None,
           self_url: str | None = None, total: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Bundle", "type": kind}
    if total is not None:
        out["total"] = total
    links = [{"relation": "self", "url": self_url}] if self_url else []
    if next_url:
        links.append({"relation": "next", "url": next_url})
    if links:
        out["link"] = links
    out["entry"] = [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources]
    return out


# the REST API's sex codes → FHIR administrative gender
GENDER = {"nam": "male", "M": "male", "male": "male", "nu": "female", "nữ": "female", "F": "female",
          "female": "female", "khac": "other", "khác": "other", "O": "other", "other": "other", "U": "unknown",
          "unknown": "unknown"}


def patient(p: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "id": p["id"]}
    if p.get("national_id"):
        out["identifier"] = [{"system": v.NATIONAL_ID_SYSTEM, "value": p["national_id"]}]
    if p.get("name"):
        out["name"] = [{"text": p["name"]}]
    if p.get("sex"):
        out["gender"] = GENDER.get(p["sex"], "unknown")
    if p.get("birth_date"):
        out["birthDate"] = p["birth_date"]
    return out


def patient_body(r: dict[str, Any]) -> dict[str, Any]:
    """A FHIR Patient → the REST API's create body (missing parts stay missing: the REST API judges them)."""
    body: dict[str, Any] = {}
    for ident in r.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") == v.NATIONAL_ID_SYSTEM:
            body["national_id"] = ident.get("value")
    names = r.get("name") or []
    if names and isinstance(names[0], dict):
        first = names[0]
        body["name"] = first.get("text") or " ".join([*(first.get("given") or []), first.get("family") or ""]).strip()
    if "birthDate" in r:
        body["birth_date"] = r["birthDate"]
    if "gender" in r:
        body["sex"] = r["gender"]
    return body


def encounter(e: dict[str, Any]) -> dict[str, Any]:
    kind = e.get("kind") or "noi-tru"
    return {"resourceType": "Encounter", "id": e["id"], "status": "in-progress",
            "class": {"system": v.V3_ACT_CODE, "code": v.ENCOUNTER_CLASS.get(kind, "IMP")},
            "type": [{"coding": [{"system": v.ENCOUNTER_KIND_SYSTEM, "code": kind}]}],
            "subject": {"reference": f"Patient/{e['patient_id']}"},
            "serviceProvider": {"identifier": {"system": v.DEPARTMENT_SYSTEM, "value": e.get("department") or ""}},
            "period": {"start": _dt(e.get("started_at"))}}


def _ref_id(ref: Any, rtype: str) -> Any:
    if isinstance(ref, dict):
        ref = ref.get("reference")
    if isinstance(ref, str) and ref.startswith(f"{rtype}/"):
        return ref[len(rtype) + 1:]
    return ref


def encounter_body(r: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"patient_id": _ref_id(r.get("subject"), "Patient")}
    provider = r.get("serviceProvider")
    if isinstance(provider, dict) and isinstance(provider.get("identifier"), dict):
        body["department"] = provider["identifier"].get("value")
    for t in r.get("type") or []:
        for coding in (t.get("coding") or []) if isinstance(t, dict) else []:
            if isinstance(coding, dict) and coding.get("system") == v.ENCOUNTER_KIND_SYSTEM:
                body["kind"] = coding.get("code")
    return body


def document_reference(e: dict[str, Any]) -> dict[str, Any]:
    """One entry (at one version) as a DocumentReference; ``meta.versionId`` is the entry's version."""
    status = e.get("status") or "active"
    ext: list[dict[str, Any]] = [{"url": v.EXT_ENTRY_STATUS, "valueCode": status}]
    if e.get("reason"):
        ext.append({"url": v.EXT_CHANGE_REASON, "valueString": e["reason"]})
    out: dict[str, Any] = {
        "resourceType": "DocumentReference", "id": e["id"],
        "meta": {"versionId": str(e.get("version")), "lastUpdated": _dt(e.get("recorded_at"))},
        "extension": ext,
        "status": "entered-in-error" if status != "active" else "current",
        "docStatus": "final" if e.get("signed") else "preliminary",
        "type": {"coding": [{"system": v.ENTRY_KIND_SYSTEM, "code": e.get("kind") or "unknown"}]},
        "subject": {"reference": f"Patient/{e['patient_id']}"} if e.get("patient_id") else None,
        "date": _dt(e.get("recorded_at")),
        "author": [{"reference": f"Practitioner/{e['author']}"}] if e.get("author") else None,
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                    "data": base64.b64encode(str(e.get("text") or "").encode()).decode()}}],
        "context": {"encounter": [{"reference": f"Encounter/{e['encounter_id']}"}]},
    }
    return {k: val for k, val in out.items() if val is not None}


def _text(r: dict[str, Any]) -> Any:
    for c in r.get("content") or []:
        att = c.get("attachment") if isinstance(c, dict) else None
        if isinstance(att, dict) and isinstance(att.get("data"), str):
            try:
                return base64.b64decode(att["data"], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None  # the REST API answers 422 for a missing text
    return None


def _extension(r: dict[str, Any], url: str) -> Any:
    for ext in r.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            return next((val for key, val in ext.items() if key.startswith("value")), None)
    return None


def entry_body(r: dict[str, Any], *, for_edit: bool = False) -> dict[str, Any]:
    """A DocumentReference → the REST body of a create (kind, text, client time and author if sent) or an
    edit (text and reason)."""
    body: dict[str, Any] = {"text": _text(r)}
    reason = _extension(r, v.EXT_CHANGE_REASON)
    if for_edit:
        if reason is not None:
            body["reason"] = reason
        return body
    codings = (r.get("type") or {}).get("coding") or [] if isinstance(r.get("type"), dict) else []
    body["kind"] = next((c.get("code") for c in codings if isinstance(c, dict)), None)
    if "date" in r:
        body["recorded_at"] = r["date"]
    authors = r.get("author") or []
    if authors:
        body["author"] = _ref_id(authors[0], "Practitioner")
    return body


def encounter_of(r: dict[str, Any]) -> Any:
    context: dict[str, Any] = r["context"] if isinstance(r.get("context"), dict) else {}
    encounters = context.get("encounter") or []
    return _ref_id(encounters[0], "Encounter") if encounters else None


def audit_event(ev: dict[str, Any]) -> dict[str, Any]:
    action = str(ev.get("action") or "")
    agent: dict[str, Any] = {"requestor": True,
                             "who": {"identifier": {"system": v.USERNAME_SYSTEM, "value": ev.get("user") or "-"}}}
    if ev.get("role"):
        agent["role"] = [{"coding": [{"system": v.ROLE_SYSTEM, "code": ev["role"]}]}]
    if ev.get("source"):
        agent["network"] = {"address": ev["source"], "type": "2"}
    out: dict[str, Any] = {
        "resourceType": "AuditEvent", "id": ev["id"],
        "extension": [{"url": v.EXT_AUDIT_CHAIN, "valueString": json.dumps(ev, ensure_ascii=False, sort_keys=True)},
                      {"url": v.EXT_AUDIT_OUTCOME, "valueCode": ev.get("outcome") or "success"}],
        "type": {"system": v.DICOM_DCM, "code": "110112", "display": "Query" if action == "read" else "Audit"},
        "subtype": [{"system": v.AUDIT_ACTION_SYSTEM, "code": action}],
        "recorded": ev.get("time"),
        "outcome": v.AUDIT_OUTCOME_CODE.get(str(ev.get("outcome")), "8"),
        "agent": [agent],
        "source": {"observer": {"display": "HSBA Reference EMR"}},
    }
    if action in v.AUDIT_ACTION_CODE:
        out["action"] = v.AUDIT_ACTION_CODE[action]
    if ev.get("object_id") or ev.get("object_type"):
        entity: dict[str, Any] = {"what": {"identifier": {"value": ev.get("object_id") or "-"}}}
        if ev.get("object_type"):
            entity["type"] = {"system": v.OBJECT_TYPE_SYSTEM, "code": ev["object_type"]}
        out["entity"] = [entity]
    return out


def provenance(e: dict[str, Any]) -> dict[str, Any]:
    """Who wrote one version of an entry, when and why, as a Provenance of that version."""
    activity = {1: "CREATE"}.get(int(e.get("version") or 0), "UPDATE")
    if e.get("status") == "cancelled":
        activity = "NULLIFY"
    out: dict[str, Any] = {
        "resourceType": "Provenance", "id": f"{e['id']}-v{e.get('version')}",
        "target": [{"reference": f"DocumentReference/{e['id']}/_history/{e.get('version')}"}],
        "recorded": _dt(e.get("recorded_at")),
        "activity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                                 "code": activity}]},
        "agent": [{"who": {"reference": f"Practitioner/{e.get('author')}"}}],
    }
    if e.get("reason"):
        out["reason"] = [{"text": e["reason"]}]
    return out


def audit_changes(r: dict[str, Any]) -> dict[str, Any]:
    """What a PUT of an AuditEvent asks to change, in the REST API's words (outcome, action)."""
    changes: dict[str, Any] = {}
    outcome = _extension(r, v.EXT_AUDIT_OUTCOME)
    if outcome is not None:
        changes["outcome"] = outcome
    for coding in r.get("subtype") or []:
        if isinstance(coding, dict) and coding.get("system") == v.AUDIT_ACTION_SYSTEM:
            changes["action"] = coding.get("code")
    return changes


def practitioner_role(user: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "PractitionerRole", "id": f"role-{user['id']}",
        "practitioner": {"reference": f"Practitioner/{user['id']}",
                         "identifier": {"system": v.USERNAME_SYSTEM, "value": user.get("username") or ""},
                         "display": user.get("full_name") or ""},
        "code": [{"coding": [{"system": v.ROLE_SYSTEM, "code": user.get("role") or ""}]}],
    }
    if user.get("department"):
        out["organization"] = {"identifier": {"system": v.DEPARTMENT_SYSTEM, "value": user["department"]}}
    return out
