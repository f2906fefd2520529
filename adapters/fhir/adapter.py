"""The generic FHIR R4 adapter: a candidate EMR reached through its FHIR R4 REST API.

Bộ kết nối FHIR R4 dùng chung. What it does is decided by the server's CapabilityStatement: a capability
is declared only when the statement lists the interactions (or operations) it needs. Target file::

    [target]
    adapter = "fhir"
    base_url = "https://emr.example/fhir"       # the FHIR base (metadata is at base_url/metadata)

    [accounts.bac_si]
    username = "bs.an"               # oauth2: the client_id; basic: the user name; bearer: informational
    password_env = "HSBA_PW_BAC_SI"  # oauth2: the client secret; basic: the password; bearer: the token

    [adapter_options]
    auth = "oauth2"                  # oauth2 (client credentials) | bearer | basic | none
    token_url = "..."                # default: the statement's oauth-uris extension
    retries = 2                      # for idempotent requests after 429 / 503 / no connection
    max_pages = 50                   # Bundle next links followed at most
    strict_schema = true             # a resource failing HL7's R4 schema is the target's failure
    national_id_system = "http://fhir.ehealth.gov.vn/core/sid/national_id"

Entries are DocumentReferences (text as an inline attachment, ``meta.versionId`` the version, the version
history at ``_history``), cancel / restore / sign are the operations ``$cancel``, ``$restore``, ``$sign``
with a ``reason`` parameter; the audit log is AuditEvent (searched by ``entity``, ``agent``, ``date=ge``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from conformance.adapters.fhir import mapping
from conformance.adapters.fhir import vocab as v
from conformance.adapters.fhir.client import FhirClient
from conformance.adapters.protocol import (
    Account,
    Adapter,
    AdapterError,
    AuditChainReport,
    AuditEvent,
    Capability,
    Encounter,
    Endpoint,
    Entry,
    Patient,
    TargetFailure,
    TargetSession,
    Unsupported,
)
from conformance.http import HttpClient, check_status
from conformance.target import TargetConfig

AUTH_MODES = ("oauth2", "bearer", "basic", "none")
CHAINED_AUDIT_PROFILE = f"{v.HSBA}/StructureDefinition/chained-audit-event"


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class FhirSession(TargetSession):
    def __init__(self, adapter: FhirAdapter, role: str, account: Any, headers: dict[str, str],
                 token: str | None = None) -> None:
        self.adapter = adapter
        self.fhir = adapter.fhir
        self.role = role
        self.account = account
        self.headers = headers
        self.token = token

    # plumbing -------------------------------------------------------------------------------------------
    def _res(self, method: str, path: str, expected: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.fhir.resource(self.fhir.send(method, path, headers=self.headers, **kw), expected)

    def _search(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        first = self.fhir.send("GET", path, headers=self.headers, params=params)
        return list(self.fhir.pages(first, self.headers))

    def _no_content(self, method: str, path: str, **kw: Any) -> None:
        check_status(self.fhir.send(method, path, headers=self.headers, **kw))

    def _need(self, capability: str) -> None:
        if capability not in self.adapter.capabilities():
            raise Unsupported(capability)

    # patients ---------------------------------------------------------------------------------------------
    def create_patient(self, national_id: str, name: str, birth_date: str, sex: str) -> Patient:
        res = mapping.patient_resource(national_id, name, birth_date, sex, self.adapter.vocab)
        return mapping.patient(self._res("POST", "Patient", "Patient", json=res), self.adapter.vocab)

    def get_patient(self, patient_id: str) -> Patient:
        return mapping.patient(self._res("GET", f"Patient/{_seg(patient_id)}", "Patient"), self.adapter.vocab)

    def find_patients(self, national_id: str) -> list[Patient]:
        found = self._search("Patient", {"identifier": f"{self.adapter.vocab.national_id_system}|{national_id}"})
        return [mapping.patient(r, self.adapter.vocab) for r in found if r.get("resourceType") == "Patient"]

    # encounters -------------------------------------------------------------------------------------------
    def create_encounter(self, patient_id: str, department: str, kind: str = "noi-tru") -> Encounter:
        res = mapping.encounter_resource(patient_id, department, kind, self.adapter.vocab)
        return mapping.encounter(self._res("POST", "Encounter", "Encounter", json=res), self.adapter.vocab)

    def get_encounter(self, encounter_id: str) -> Encounter:
        return mapping.encounter(self._res("GET", f"Encounter/{_seg(encounter_id)}", "Encounter"),
                                 self.adapter.vocab)

    # entries ----------------------------------------------------------------------------------------------
    def create_entry(self, encounter_id: str, kind: str, text: str,
                     extra: dict[str, Any] | None = None) -> Entry:
        res = mapping.entry_resource(encounter_id, kind, text, extra)
        return mapping.entry(self._res("POST", "DocumentReference", "DocumentReference", json=res))

    def get_entry(self, entry_id: str) -> Entry:
        return mapping.entry(self._res("GET", f"DocumentReference/{_seg(entry_id)}", "DocumentReference"))

    def list_entries(self, encounter_id: str) -> list[Entry]:
        found = self._search("DocumentReference", {"encounter": f"Encounter/{encounter_id}"})
        return [mapping.entry(r) for r in found if r.get("resourceType") == "DocumentReference"]

    def entry_versions(self, entry_id: str) -> list[Entry]:
        self._need(Capability.ENTRY_VERSIONS)
        found = self._search(f"DocumentReference/{_seg(entry_id)}/_history", {})
        versions = [mapping.entry(r) for r in found if r.get("resourceType") == "DocumentReference"]
        if any(v.reason is None or v.author is None for v in versions) and "Provenance" in self.adapter.resources():
            versions = mapping.with_provenance(versions, self._search("Provenance", {
                "target": f"DocumentReference/{entry_id}"}))
        return sorted(versions, key=lambda e: e.version or 0)

    def edit_entry(self, entry_id: str, text: str, reason: str | None) -> Entry:
        self._need(Capability.ENTRY_EDIT)
        current = self._res("GET", f"DocumentReference/{_seg(entry_id)}", "DocumentReference")
        res = mapping.edited(current, text, reason)
        return mapping.entry(self._res("PUT", f"DocumentReference/{_seg(entry_id)}", "DocumentReference", json=res))

    def delete_entry(self, entry_id: str) -> None:
        self._need(Capability.ENTRY_DELETE)
        self._no_content("DELETE", f"DocumentReference/{_seg(entry_id)}")

    def _operation(self, entry_id: str, op: str, reason: str | None) -> Entry:
        params: dict[str, Any] = {"resourceType": "Parameters"}
        if reason is not None:
            params["parameter"] = [{"name": "reason", "valueString": reason}]
        return mapping.entry(self._res("POST", f"DocumentReference/{_seg(entry_id)}/${op}", "DocumentReference",
                                       json=params))

    def cancel_entry(self, entry_id: str, reason: str | None) -> Entry:
        self._need(Capability.ENTRY_CANCEL)
        return self._operation(entry_id, v.OP_CANCEL, reason)

    def restore_entry(self, entry_id: str, reason: str | None) -> Entry:
        self._need(Capability.ENTRY_CANCEL)
        return self._operation(entry_id, v.OP_RESTORE, reason)

    def sign_entry(self, entry_id: str) -> Entry:
        self._need(Capability.ENTRY_SIGN)
        return self._operation(entry_id, v.OP_SIGN, None)

    # audit ------------------------------------------------------------------------------------------------
    def _audit_resources(self, params: dict[str, str]) -> list[dict[str, Any]]:
        self._need(Capability.AUDIT_READ)
        params = {**params, "_count": str(self.adapter.page_size)}
        return [r for r in self._search("AuditEvent", params) if r.get("resourceType") == "AuditEvent"]

    def audit_events(self, *, object_id: str | None = None, user: str | None = None,
                     since: datetime | None = None) -> list[AuditEvent]:
        params: dict[str, str] = {}
        if object_id is not None:
            params["entity"] = object_id
        if user is not None:
            params["agent"] = user
        if since is not None:
            params["date"] = f"ge{since.isoformat()}"
        events = [mapping.audit_event(r) for r in self._audit_resources(params)]
        return sorted(events, key=lambda e: (e.time is None, e.time or datetime.min))

    def delete_audit_event(self, event_id: str) -> None:
        self._need(Capability.AUDIT_TAMPER)
        self._no_content("DELETE", f"AuditEvent/{_seg(event_id)}")

    def update_audit_event(self, event_id: str, changes: dict[str, Any]) -> None:
        self._need(Capability.AUDIT_TAMPER)
        current = self._res("GET", f"AuditEvent/{_seg(event_id)}", "AuditEvent")
        res = {k: val for k, val in current.items() if k != "meta"}
        ext = [e for e in res.get("extension") or [] if isinstance(e, dict)]
        if "outcome" in changes:
            res["outcome"] = v.AUDIT_OUTCOME_CODE.get(str(changes["outcome"]), "8")
            ext = [e for e in ext if e.get("url") != v.EXT_AUDIT_OUTCOME]
            ext.append({"url": v.EXT_AUDIT_OUTCOME, "valueCode": str(changes["outcome"])})
        if "action" in changes:
            res["subtype"] = [{"system": v.AUDIT_ACTION_SYSTEM, "code": str(changes["action"])}]
        res["extension"] = ext
        self._res("PUT", f"AuditEvent/{_seg(event_id)}", "AuditEvent", json=res)

    def verify_audit_chain(self) -> AuditChainReport:
        """Each AuditEvent carries the exact hash-chained record (extension ``audit-chain``); the chain is
        checked over the records as the reference EMR's API.md defines it, and each record must agree with
        its AuditEvent (id, action, time)."""
        self._need(Capability.AUDIT_CHAIN)
        from conformance.adapters.fhir.chain import check_fhir_chain

        return check_fhir_chain(self._audit_resources({}))

    def whoami_token_in_url(self) -> Account:
        """The caller's PractitionerRole, with the token only in the URL."""
        if self.token is None or self.account is None:
            raise Unsupported(Capability.CREDENTIALS_IN_URL)
        response = self.fhir.send("GET", "PractitionerRole", params={
            "practitioner": f"Practitioner/{self.account.user_id}", "access_token": self.token})
        found = [r for r in self.fhir.pages(response) if r.get("resourceType") == "PractitionerRole"]
        if not found:
            raise TargetFailure("the server served no PractitionerRole for the caller",
                                "máy chủ không trả PractitionerRole của người gọi")
        return mapping.account(self.role, self.account.user_id, found[0], self.adapter.vocab)

    # session ----------------------------------------------------------------------------------------------
    def logout(self) -> None:
        revoke = self.adapter.oauth_uri("revoke")
        if revoke is None or self.token is None:
            raise Unsupported(Capability.LOGOUT)
        body = urlencode({"token": self.token, "token_type_hint": "access_token"}).encode()
        check_status(self.fhir.send("POST", revoke, data=body,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}))


class FhirAdapter(Adapter):
    """Reaches any FHIR R4 server; see the module documentation for the target file."""

    name: ClassVar[str] = "fhir"

    def __init__(self, config: TargetConfig) -> None:
        self.config = config
        opts = config.options
        self.http = HttpClient(config.base_url, verify=config.verify, timeout=config.timeout)
        for secret in config.secrets():
            self.http.add_secret(secret)
        self.fhir = FhirClient(self.http, retries=int(opts.get("retries", 2)), max_pages=int(opts.get("max_pages", 50)),
                               strict_schema=bool(opts.get("strict_schema", True)))
        self.vocab = v.Vocabulary.from_options(opts)
        self.page_size = int(opts.get("page_size", 200))
        self.auth = str(opts.get("auth", "oauth2"))
        if self.auth not in AUTH_MODES:
            raise ValueError(f"adapter_options.auth must be one of {AUTH_MODES}")
        self._statement: dict[str, Any] | None = None
        self._sessions: dict[str, FhirSession] = {}

    # discovery --------------------------------------------------------------------------------------------
    def statement(self) -> dict[str, Any]:
        """The server's CapabilityStatement (read once, without credentials)."""
        if self._statement is None:
            self._statement = self.fhir.resource(self.fhir.send("GET", "metadata"), "CapabilityStatement")
        return self._statement

    def _rest(self) -> dict[str, Any]:
        rests = [r for r in self.statement().get("rest") or [] if isinstance(r, dict) and r.get("mode") == "server"]
        return rests[0] if rests else {}

    def resources(self) -> dict[str, dict[str, Any]]:
        """The resource types the CapabilityStatement lists (empty when it cannot be read)."""
        try:
            return self._resources()
        except AdapterError:
            return {}

    def _resources(self) -> dict[str, dict[str, Any]]:
        return {r["type"]: r for r in self._rest().get("resource") or [] if isinstance(r, dict) and "type" in r}

    def oauth_uri(self, name: str) -> str | None:
        configured = self.config.options.get(f"{name}_url")
        if configured:
            return str(configured)
        security = self._rest().get("security") or {}
        for ext in security.get("extension") or []:
            if isinstance(ext, dict) and ext.get("url") == v.OAUTH_URIS:
                for sub in ext.get("extension") or []:
                    if isinstance(sub, dict) and sub.get("url") == name and isinstance(sub.get("valueUri"), str):
                        return str(sub["valueUri"])
        return None

    def capabilities(self) -> frozenset[str]:
        try:
            resources = self._resources()
        except AdapterError:
            return frozenset()  # no statement: nothing can be claimed

        def has(rtype: str, *interactions: str) -> bool:
            offered = {i.get("code") for i in resources.get(rtype, {}).get("interaction") or [] if isinstance(i, dict)}
            return rtype in resources and set(interactions) <= offered

        def ops(rtype: str, *names: str) -> bool:
            offered = {o.get("name") for o in resources.get(rtype, {}).get("operation") or [] if isinstance(o, dict)}
            return set(names) <= offered

        caps = {Capability.ANONYMOUS, Capability.TRANSPORT}
        table = {
            Capability.PATIENTS: has("Patient", "create", "read", "search-type"),
            Capability.ENCOUNTERS: has("Encounter", "create", "read"),
            Capability.ENTRIES: has("DocumentReference", "create", "read", "search-type"),
            Capability.ENTRY_VERSIONS: has("DocumentReference", "history-instance"),
            Capability.ENTRY_EDIT: has("DocumentReference", "update"),
            Capability.ENTRY_DELETE: has("DocumentReference", "delete"),
            Capability.ENTRY_CANCEL: ops("DocumentReference", v.OP_CANCEL, v.OP_RESTORE),
            Capability.ENTRY_SIGN: ops("DocumentReference", v.OP_SIGN),
            Capability.AUDIT_READ: has("AuditEvent", "search-type"),
            Capability.AUDIT_TAMPER: has("AuditEvent", "read") and (has("AuditEvent", "update")
                                                                   or has("AuditEvent", "delete")),
            Capability.AUDIT_CHAIN: has("AuditEvent", "search-type") and CHAINED_AUDIT_PROFILE in (
                resources.get("AuditEvent", {}).get("supportedProfile") or []),
            Capability.LOGIN: self.auth == "oauth2" and self.oauth_uri("token") is not None,
            Capability.LOGOUT: self.auth == "oauth2" and self.oauth_uri("revoke") is not None,
            Capability.CREDENTIALS_IN_URL: self.auth in ("oauth2", "bearer") and has("PractitionerRole", "search-type"),
        }
        return frozenset(caps | {c for c, ok in table.items() if ok})

    def roles(self) -> list[str]:
        return list(self.config.accounts)

    # authentication ---------------------------------------------------------------------------------------
    def _credentials(self, role: str, password: str | None) -> tuple[str, str]:
        account = self.config.accounts.get(role)
        if account is None:
            raise Unsupported(Capability.LOGIN, f"no account '{role}' in the target file",
                              f"tệp cấu hình không có tài khoản '{role}'")
        secret = password if password is not None else account.password
        if secret is None:
            var = account.password_env or f"HSBA_PW_{role.upper()}"
            raise Unsupported(Capability.LOGIN, f"no secret for account '{role}': set {var}",
                              f"chưa có bí mật cho tài khoản '{role}': hãy đặt biến {var}")
        self.http.add_secret(secret)
        return account.username, secret

    def login(self, role: str, *, password: str | None = None) -> FhirSession:
        username, secret = self._credentials(role, password)
        if self.auth == "bearer":
            return FhirSession(self, role, mapping.account(role, username, None, self.vocab),
                               {"Authorization": f"Bearer {secret}"}, secret)
        if self.auth == "basic":
            import base64

            basic = base64.b64encode(f"{username}:{secret}".encode()).decode()
            self.http.add_secret(basic)
            return FhirSession(self, role, mapping.account(role, username, None, self.vocab),
                               {"Authorization": f"Basic {basic}"})
        if self.auth == "none":
            return FhirSession(self, role, mapping.account(role, username, None, self.vocab), {})
        token_url = self.oauth_uri("token")
        if token_url is None:
            raise Unsupported(Capability.LOGIN, "the server declares no OAuth2 token endpoint",
                              "máy chủ không khai báo điểm cấp mã OAuth2")
        form = urlencode({"grant_type": "client_credentials", "client_id": username, "client_secret": secret})
        response = check_status(self.http.post(token_url, data=form.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}))
        data = response.json()
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise TargetFailure("the token endpoint answered without an access_token",
                                "điểm cấp mã trả lời không có access_token")
        self.http.add_secret(token)
        headers = {"Authorization": f"Bearer {token}"}
        practitioner = mapping.ref_id({"reference": data.get("fhirUser")}, "Practitioner") or username
        role_res = None
        if "PractitionerRole" in self._resources():
            first = self.fhir.send("GET", "PractitionerRole", headers=headers,
                                   params={"practitioner": f"Practitioner/{practitioner}"})
            found = [r for r in self.fhir.pages(first, headers) if r.get("resourceType") == "PractitionerRole"]
            role_res = found[0] if found else None
        return FhirSession(self, role, mapping.account(role, practitioner, role_res, self.vocab), headers, token)

    def session(self, role: str) -> FhirSession:
        cached = self._sessions.get(role)
        if cached is None:
            cached = self._sessions[role] = self.login(role)
        return cached

    def anonymous(self) -> FhirSession:
        return FhirSession(self, "anonymous", None, {})

    def endpoint(self) -> Endpoint:
        return Endpoint(self.config.base_url, self.config.verify)

    def schema_findings(self) -> list[dict[str, Any]]:
        """Resources received so far that failed HL7's R4 schema."""
        return list(self.fhir.findings)

    def close(self) -> None:
        self.http.close()
