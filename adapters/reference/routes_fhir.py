"""Routes: a FHIR R4 facade (``/fhir``) over the reference EMR, for the generic FHIR adapter.

Mặt tiền FHIR R4 của HSBA tham chiếu. Patients, encounters, entries (DocumentReference, with their
version history and the operations $cancel, $restore, $sign), the audit log (AuditEvent, paged), the
caller's role (PractitionerRole), OAuth2 client credentials (token and revocation) and a
CapabilityStatement. Every call is answered by the REST API underneath (:mod:`.fhir_bridge`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, request

import conformance
from conformance import fhir_schema
from conformance.adapters.fhir import vocab as v
from conformance.adapters.reference import fhir_resources as fr
from conformance.adapters.reference.fhir_bridge import Answer, forward

bp = Blueprint("fhir", __name__, url_prefix="/fhir")

MAX_PAGE = 500
DEFAULT_PAGE = 100


def _q(value: str) -> str:
    return quote(value, safe="")


def _fhir(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(data, ensure_ascii=False), status=status,
                        content_type=f"{v.FHIR_JSON}; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _outcome(answer: Answer) -> Response:
    vi, en = answer.error()
    return _fhir(fr.operation_outcome(answer.status, vi, en), answer.status, answer.headers)


def _invalid(vi: str, en: str, status: int = 400) -> Response:
    return _fhir(fr.operation_outcome(status, vi, en), status)


def _base() -> str:
    return request.host_url.rstrip("/") + "/fhir"


def _resource(expected: str) -> dict[str, Any] | Response:
    """The request's resource, checked against HL7's R4 schema like everything the facade serves."""
    data = request.get_json(silent=True, force=True)
    if not isinstance(data, dict) or data.get("resourceType") != expected:
        return _invalid(f"Nội dung phải là tài nguyên FHIR {expected} (JSON).",
                        f"The body must be a FHIR {expected} resource (JSON).")
    report = fhir_schema.validate_resource(data)
    if not report.valid:
        first = report.problems[0]
        return _invalid(f"Tài nguyên không đúng lược đồ FHIR R4 tại {first.path}: {first.vi}",
                        f"The resource does not match the FHIR R4 schema at {first.path}: {first.en}", 422)
    return data


def _created(answer: Answer, convert: Any, rtype: str) -> Response:
    if not answer.ok:
        return _outcome(answer)
    res = convert(answer.data)
    return _fhir(res, 201, {"Location": f"{_base()}/{rtype}/{res['id']}"})


def _read(answer: Answer, convert: Any) -> Response:
    return _fhir(convert(answer.data)) if answer.ok else _outcome(answer)


# discovery and authorisation -----------------------------------------------------------------------
@bp.get("/metadata")
def metadata() -> Response:
    base = _base()

    def res(rtype: str, interactions: list[str], searches: tuple[str, ...] = (), ops: tuple[str, ...] = (),
            versioned: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"type": rtype, "interaction": [{"code": i} for i in interactions]}
        if versioned:
            out["versioning"] = "versioned"
        if searches:
            out["searchParam"] = [{"name": s, "type": "token"} for s in searches]
        if ops:
            out["operation"] = [{"name": o, "definition": f"{v.HSBA}/OperationDefinition/DocumentReference-{o}"}
                                for o in ops]
        return out

    statement = {
        "resourceType": "CapabilityStatement", "status": "active", "date": "2026-01-01", "kind": "instance",
        "fhirVersion": "4.0.1", "format": ["application/fhir+json"],
        "software": {"name": "HSBA Reference EMR", "version": conformance.__version__},
        "implementation": {"description": "HSBA Reference EMR — FHIR R4 facade", "url": base},
        "rest": [{
            "mode": "server",
            "security": {
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "OAuth"}]}],
                "extension": [{"url": v.OAUTH_URIS, "extension": [
                    {"url": "token", "valueUri": f"{base}/auth/token"},
                    {"url": "revoke", "valueUri": f"{base}/auth/revoke"}]}]},
            "resource": [
                res("Patient", ["create", "read", "search-type"], ("identifier",)),
                res("Encounter", ["create", "read"]),
                res("DocumentReference", ["create", "read", "update", "delete", "history-instance", "search-type"],
                    ("encounter",), (v.OP_CANCEL, v.OP_RESTORE, v.OP_SIGN), versioned=True),
                {**res("AuditEvent", ["read", "search-type", "update", "delete"], ("entity", "agent", "date")),
                 "supportedProfile": [f"{v.HSBA}/StructureDefinition/chained-audit-event"]},
                res("PractitionerRole", ["search-type"], ("practitioner",)),
                res("Provenance", ["search-type"], ("target",)),
            ]}],
    }
    return _fhir(statement)


def _client_credentials() -> tuple[str | None, str | None]:
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username, request.authorization.password
    return request.form.get("client_id"), request.form.get("client_secret")


@bp.post("/auth/token")
def token() -> Response:
    """OAuth2 client credentials (RFC 6749 §4.4): the client is a staff account."""
    if request.form.get("grant_type") != "client_credentials":
        return _fhir({"error": "unsupported_grant_type"}, 400)
    client_id, secret = _client_credentials()
    if not client_id or secret is None:
        return _fhir({"error": "invalid_client", "error_description": "client_id and client_secret are required"},
                     401)
    answer = forward("POST", "/api/auth/login", json_body={"username": client_id, "password": secret},
                     authorization="")
    if not answer.ok:
        vi, en = answer.error()
        error = "invalid_client" if answer.status in (401, 423) else "invalid_request"
        return _fhir({"error": error, "error_description": en, "error_description_vi": vi}, answer.status,
                     answer.headers)
    data = answer.data
    return _fhir({"access_token": data["token"], "token_type": "Bearer", "expires_in": data.get("expires_in"),
                  "fhirUser": f"Practitioner/{data['user']['id']}"})


@bp.post("/auth/revoke")
def revoke() -> Response:
    """Token revocation (RFC 7009): ends the session the token belongs to."""
    tok = request.form.get("token")
    if not tok:
        return _fhir({"error": "invalid_request"}, 400)
    answer = forward("POST", "/api/auth/logout", authorization=f"Bearer {tok}")
    if not answer.ok and answer.status != 401:
        return _outcome(answer)
    return Response(status=200)


@bp.get("/PractitionerRole")
def practitioner_roles() -> Response:
    answer = forward("GET", "/api/me")
    if not answer.ok:
        return _outcome(answer)
    user = answer.data["user"]
    wanted = request.args.get("practitioner")
    roles = [fr.practitioner_role(user)]
    if wanted and wanted not in (user["id"], f"Practitioner/{user['id']}"):
        roles = []  # the facade answers only about the caller
    return _fhir(fr.bundle("searchset", roles, _base(), total=len(roles)))


# patients and encounters -------------------------------------------------------------------------------
@bp.post("/Patient")
def create_patient() -> Response:
    res = _resource("Patient")
    if isinstance(res, Response):
        return res
    return _created(forward("POST", "/api/patients", json_body=fr.patient_body(res)), fr.patient, "Patient")


@bp.get("/Patient/<pid>")
def read_patient(pid: str) -> Response:
    return _read(forward("GET", f"/api/patients/{_q(pid)}"), fr.patient)


@bp.get("/Patient")
def search_patients() -> Response:
    ident = request.args.get("identifier", "")
    system, bar, value = ident.rpartition("|")
    if not bar or system != v.NATIONAL_ID_SYSTEM or not value:
        return _invalid("Cần tham số identifier=<hệ số định danh>|<số>.",
                        f"The identifier parameter is required: {v.NATIONAL_ID_SYSTEM}|<number>.")
    answer = forward("GET", "/api/patients", params={"national_id": value})
    if not answer.ok:
        return _outcome(answer)
    found = [fr.patient(p) for p in answer.data.get("patients", [])]
    return _fhir(fr.bundle("searchset", found, _base(), total=len(found)))


@bp.post("/Encounter")
def create_encounter() -> Response:
    res = _resource("Encounter")
    if isinstance(res, Response):
        return res
    return _created(forward("POST", "/api/encounters", json_body=fr.encounter_body(res)), fr.encounter,
                    "Encounter")


@bp.get("/Encounter/<eid>")
def read_encounter(eid: str) -> Response:
    return _read(forward("GET", f"/api/encounters/{_q(eid)}"), fr.encounter)


# entries -------------------------------------------------------------------------------------------------
@bp.post("/DocumentReference")
def create_entry() -> Response:
    res = _resource("DocumentReference")
    if isinstance(res, Response):
        return res
    encounter_id = fr.encounter_of(res)
    if not isinstance(encounter_id, str) or not encounter_id:
        return _invalid("Cần context.encounter.", "context.encounter is required.", 422)
    return _created(forward("POST", f"/api/encounters/{_q(encounter_id)}/entries", json_body=fr.entry_body(res)),
                    fr.document_reference, "DocumentReference")


@bp.get("/DocumentReference/<eid>")
def read_entry(eid: str) -> Response:
    return _read(forward("GET", f"/api/entries/{_q(eid)}"), fr.document_reference)


@bp.get("/DocumentReference")
def search_entries() -> Response:
    encounter = request.args.get("encounter", "")
    encounter = encounter.removeprefix("Encounter/")
    if not encounter:
        return _invalid("Cần tham số encounter.", "The encounter parameter is required.")
    answer = forward("GET", f"/api/encounters/{_q(encounter)}/entries")
    if not answer.ok:
        return _outcome(answer)
    found = [fr.document_reference(e) for e in answer.data.get("entries", [])]
    return _fhir(fr.bundle("searchset", found, _base(), total=len(found)))


@bp.get("/DocumentReference/<eid>/_history")
def entry_history(eid: str) -> Response:
    answer = forward("GET", f"/api/entries/{_q(eid)}/versions")
    if not answer.ok:
        return _outcome(answer)
    versions = [fr.document_reference(e) for e in reversed(answer.data.get("versions", []))]  # newest first
    return _fhir(fr.bundle("history", versions, _base(), total=len(versions)))


@bp.get("/Provenance")
def search_provenance() -> Response:
    target = request.args.get("target", "")
    eid = target.removeprefix("DocumentReference/").split("/_history")[0]
    if not target.startswith("DocumentReference/") or not eid:
        return _invalid("Cần tham số target=DocumentReference/<id>.", "target=DocumentReference/<id> is required.")
    answer = forward("GET", f"/api/entries/{_q(eid)}/versions")
    if not answer.ok:
        return _outcome(answer)
    found = [fr.provenance(e) for e in answer.data.get("versions", [])]
    return _fhir(fr.bundle("searchset", found, _base(), total=len(found)))


@bp.put("/DocumentReference/<eid>")
def update_entry(eid: str) -> Response:
    res = _resource("DocumentReference")
    if isinstance(res, Response):
        return res
    return _read(forward("PUT", f"/api/entries/{_q(eid)}", json_body=fr.entry_body(res, for_edit=True)),
                 fr.document_reference)


@bp.delete("/DocumentReference/<eid>")
def delete_entry(eid: str) -> Response:
    answer = forward("DELETE", f"/api/entries/{_q(eid)}")
    return Response(status=204) if answer.ok else _outcome(answer)


def _reason_parameter() -> str | None:
    data = request.get_json(silent=True, force=True)
    for p in (data or {}).get("parameter", []) if isinstance(data, dict) else []:
        if isinstance(p, dict) and p.get("name") == "reason":
            value = p.get("valueString")
            return value if isinstance(value, str) else None
    return None


@bp.post("/DocumentReference/<eid>/$<op>")
def entry_operation(eid: str, op: str) -> Response:
    if op not in (v.OP_CANCEL, v.OP_RESTORE, v.OP_SIGN):
        return _invalid(f"Không có thao tác ${op}.", f"There is no operation ${op}.", 404)
    reason = _reason_parameter()
    body = {} if reason is None or op == v.OP_SIGN else {"reason": reason}
    return _read(forward("POST", f"/api/entries/{_q(eid)}/{op}", json_body=body), fr.document_reference)


# audit log -----------------------------------------------------------------------------------------------
@bp.get("/AuditEvent")
def search_audit() -> Response:
    params: dict[str, str] = {}
    if request.args.get("entity"):
        params["object_id"] = request.args["entity"]
    if request.args.get("agent"):
        params["user"] = request.args["agent"]
    date = request.args.get("date", "")
    if date:
        if not date.startswith("ge"):
            return _invalid("Chỉ hỗ trợ date=ge<thời điểm>.", "Only date=ge<instant> is supported.")
        params["since"] = date[2:]
    try:
        count = min(max(int(request.args.get("_count", DEFAULT_PAGE)), 1), MAX_PAGE)
        offset = max(int(request.args.get("_offset", 0)), 0)
    except ValueError:
        return _invalid("_count và _offset phải là số nguyên.", "_count and _offset must be integers.")
    answer = forward("GET", "/api/audit", params=params)
    if not answer.ok:
        return _outcome(answer)
    events = answer.data.get("events", [])
    page = [fr.audit_event(e) for e in events[offset:offset + count]]
    query = {k: val for k, val in request.args.items() if k not in ("_offset", "_count")}
    self_url = f"{_base()}/AuditEvent?{urlencode({**query, '_count': count, '_offset': offset})}"
    next_url = None
    if offset + count < len(events):
        next_url = f"{_base()}/AuditEvent?{urlencode({**query, '_count': count, '_offset': offset + count})}"
    return _fhir(fr.bundle("searchset", page, _base(), next_url=next_url, self_url=self_url, total=len(events)))


@bp.get("/AuditEvent/<evid>")
def read_audit(evid: str) -> Response:
    return _read(forward("GET", f"/api/audit/{_q(evid)}"), fr.audit_event)


@bp.put("/AuditEvent/<evid>")
def update_audit(evid: str) -> Response:
    res = _resource("AuditEvent")
    if isinstance(res, Response):
        return res
    answer = forward("PUT", f"/api/audit/{_q(evid)}", json_body=fr.audit_changes(res))
    return _read(answer, fr.audit_event)


@bp.delete("/AuditEvent/<evid>")
def delete_audit(evid: str) -> Response:
    answer = forward("DELETE", f"/api/audit/{_q(evid)}")
    return Response(status=204) if answer.ok else _outcome(answer)
