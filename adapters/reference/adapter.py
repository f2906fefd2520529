"""The adapter for the reference EMR's REST API (see API.md) — also an example for vendors' own adapters.

Every exchange goes through :class:`conformance.http.HttpClient` (recorded as evidence, bounded in time
and size) and :func:`conformance.http.check_status` (HTTP status → the protocol's outcomes). Passwords and
every token received are registered as secrets so they never reach evidence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from conformance.adapters.protocol import (
    Account,
    Adapter,
    AdapterError,
    AuditChainReport,
    AuditEvent,
    Capability,
    Document,
    Encounter,
    Entry,
    Patient,
    PatientConfirmation,
    TargetSession,
    Unsupported,
)
from conformance.adapters.reference import mapping
from conformance.http import HttpClient, HttpResponse, check_status
from conformance.target import TargetConfig

IMPLEMENTED: frozenset[str] = frozenset({
    Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES, Capability.ENTRY_VERSIONS,
    Capability.ENTRY_EDIT, Capability.ENTRY_DELETE, Capability.ENTRY_CANCEL, Capability.ENTRY_SIGN,
    Capability.AUDIT_READ, Capability.AUDIT_TAMPER, Capability.AUDIT_CHAIN, Capability.LOGIN, Capability.LOGOUT,
    Capability.ANONYMOUS, Capability.DOCUMENTS, Capability.PATIENT_CONFIRMATION, Capability.EXPORTS,
})


def _seg(value: str) -> str:
    """One URL path segment (ids from probes are quoted, never trusted to be URL-safe)."""
    return quote(str(value), safe="")


class ReferenceSession(TargetSession):
    """One account's session (``token=None``: anonymous). After :meth:`logout` the session keeps sending
    its old token, so a probe can check that the token no longer works."""

    def __init__(self, client: HttpClient, role: str, account: Account | None, token: str | None) -> None:
        self.client = client
        self.role = role
        self.account = account
        self.token = token

    # plumbing ---------------------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, json: Any = None,
              params: dict[str, str] | None = None) -> HttpResponse:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return check_status(self.client.request(method, path, json=json, params=params, headers=headers))

    def _obj(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        return mapping.obj(self._send(method, path, **kw).json(), f"{method} {path}")

    # patients ---------------------------------------------------------------------------------------
    def create_patient(self, national_id: str, name: str, birth_date: str, sex: str) -> Patient:
        return mapping.patient(self._obj("POST", "/api/patients", json={
            "national_id": national_id, "name": name, "birth_date": birth_date, "sex": sex}))

    def get_patient(self, patient_id: str) -> Patient:
        return mapping.patient(self._obj("GET", f"/api/patients/{_seg(patient_id)}"))

    def find_patients(self, national_id: str) -> list[Patient]:
        data = self._obj("GET", "/api/patients", params={"national_id": national_id})
        return [mapping.patient(p) for p in mapping.items(data, "patients", "patient search")]

    # encounters -------------------------------------------------------------------------------------
    def create_encounter(self, patient_id: str, department: str, kind: str = "noi-tru") -> Encounter:
        return mapping.encounter(self._obj("POST", "/api/encounters", json={
            "patient_id": patient_id, "department": department, "kind": kind}))

    def get_encounter(self, encounter_id: str) -> Encounter:
        return mapping.encounter(self._obj("GET", f"/api/encounters/{_seg(encounter_id)}"))

    # entries ----------------------------------------------------------------------------------------
    def create_entry(self, encounter_id: str, kind: str, text: str,
                     extra: dict[str, Any] | None = None) -> Entry:
        body: dict[str, Any] = {"kind": kind, "text": text, **(extra or {})}
        return mapping.entry(self._obj("POST", f"/api/encounters/{_seg(encounter_id)}/entries", json=body))

    def get_entry(self, entry_id: str) -> Entry:
        return mapping.entry(self._obj("GET", f"/api/entries/{_seg(entry_id)}"))

    def list_entries(self, encounter_id: str) -> list[Entry]:
        data = self._obj("GET", f"/api/encounters/{_seg(encounter_id)}/entries")
        return [mapping.entry(e) for e in mapping.items(data, "entries", "entry list")]

    def entry_versions(self, entry_id: str) -> list[Entry]:
        data = self._obj("GET", f"/api/entries/{_seg(entry_id)}/versions")
        versions = [mapping.entry(e) for e in mapping.items(data, "versions", "entry versions")]
        return sorted(versions, key=lambda e: e.version or 0)

    def edit_entry(self, entry_id: str, text: str, reason: str | None) -> Entry:
        body: dict[str, Any] = {"text": text}
        if reason is not None:
            body["reason"] = reason
        return mapping.entry(self._obj("PUT", f"/api/entries/{_seg(entry_id)}", json=body))

    def delete_entry(self, entry_id: str) -> None:
        self._send("DELETE", f"/api/entries/{_seg(entry_id)}")

    def cancel_entry(self, entry_id: str, reason: str | None) -> Entry:
        body = {} if reason is None else {"reason": reason}
        return mapping.entry(self._obj("POST", f"/api/entries/{_seg(entry_id)}/cancel", json=body))

    def restore_entry(self, entry_id: str, reason: str | None) -> Entry:
        body = {} if reason is None else {"reason": reason}
        return mapping.entry(self._obj("POST", f"/api/entries/{_seg(entry_id)}/restore", json=body))

    def sign_entry(self, entry_id: str) -> Entry:
        return mapping.entry(self._obj("POST", f"/api/entries/{_seg(entry_id)}/sign", json={}))

    # audit ------------------------------------------------------------------------------------------
    def _events(self, params: dict[str, str]) -> list[dict[str, Any]]:
        data = self._obj("GET", "/api/audit", params=params)
        return mapping.items(data, "events", "audit log")

    def audit_events(self, *, object_id: str | None = None, user: str | None = None,
                     since: datetime | None = None) -> list[AuditEvent]:
        params: dict[str, str] = {}
        if object_id is not None:
            params["object_id"] = object_id
        if user is not None:
            params["user"] = user
        if since is not None:
            params["since"] = since.isoformat()
        return [mapping.audit_event(e) for e in self._events(params)]

    def delete_audit_event(self, event_id: str) -> None:
        self._send("DELETE", f"/api/audit/{_seg(event_id)}")

    def update_audit_event(self, event_id: str, changes: dict[str, Any]) -> None:
        self._send("PUT", f"/api/audit/{_seg(event_id)}", json=dict(changes))

    def verify_audit_chain(self) -> AuditChainReport:
        return mapping.check_chain(self._events({}))

    # documents --------------------------------------------------------------------------------------
    def list_documents(self, encounter_id: str) -> list[Document]:
        data = self._obj("GET", f"/api/encounters/{_seg(encounter_id)}/documents")
        return [mapping.document(d) for d in mapping.items(data, "documents", "document list")]

    def get_document(self, document_id: str) -> bytes:
        return self._send("GET", f"/api/documents/{_seg(document_id)}").body

    def print_document(self, document_id: str) -> bytes:
        return self._send("GET", f"/api/documents/{_seg(document_id)}/print").body

    def discharge_encounter(self, encounter_id: str) -> Encounter:
        return mapping.encounter(self._obj("POST", f"/api/encounters/{_seg(encounter_id)}/discharge", json={}))

    def confirm_document_as_patient(self, document_id: str, method: str) -> PatientConfirmation:
        return mapping.confirmation(self._obj("POST", f"/api/documents/{_seg(document_id)}/patient-confirmations",
                                              json={"method": method}))

    def patient_confirmations(self, encounter_id: str) -> list[PatientConfirmation]:
        data = self._obj("GET", f"/api/encounters/{_seg(encounter_id)}/patient-confirmations")
        return [mapping.confirmation(c) for c in mapping.items(data, "confirmations", "patient confirmations")]

    # data exports -----------------------------------------------------------------------------------
    def export_claim(self, encounter_id: str) -> bytes:
        return self._send("GET", f"/api/encounters/{_seg(encounter_id)}/exports/bhyt").body

    def export_record(self, encounter_id: str, fmt: str) -> bytes:
        return self._send("GET", f"/api/encounters/{_seg(encounter_id)}/exports/cv365", params={"format": fmt}).body

    # session ----------------------------------------------------------------------------------------
    def logout(self) -> None:
        self._send("POST", "/api/auth/logout")


class ReferenceAdapter(Adapter):
    """Reaches the HSBA Reference EMR (or any server speaking the same REST API, see API.md)."""

    name: ClassVar[str] = "reference"

    def __init__(self, config: TargetConfig) -> None:
        self.config = config
        self.client = HttpClient(config.base_url, verify=config.verify, timeout=config.timeout)
        for secret in config.secrets():
            self.client.add_secret(secret)
        self._sessions: dict[str, ReferenceSession] = {}
        self._capabilities: frozenset[str] | None = None

    def capabilities(self) -> frozenset[str]:
        if self._capabilities is None:
            try:
                data = ReferenceSession(self.client, "anonymous", None, None)._obj("GET", "/api/capabilities")
                offered = data.get("capabilities")
                if not isinstance(offered, list):
                    return IMPLEMENTED
                self._capabilities = IMPLEMENTED & frozenset(c for c in offered if isinstance(c, str))
            except AdapterError:
                return IMPLEMENTED  # unreachable for now: claim what the adapter can do; ask again next time
        return self._capabilities

    def roles(self) -> list[str]:
        return list(self.config.accounts)

    def _credentials(self, role: str, password: str | None) -> tuple[str, str]:
        account = self.config.accounts.get(role)
        env_name = f"HSBA_PW_{role.upper()}"
        if account is None:
            raise Unsupported(
                Capability.LOGIN,
                f"no account '{role}' in the target file: add [accounts.{role}] with username and "
                f"password_env (e.g. {env_name})",
                f"tệp cấu hình không có tài khoản '{role}': thêm bảng [accounts.{role}] gồm username và "
                f"password_env (ví dụ {env_name})")
        secret = password if password is not None else account.password
        if secret is None:
            var = account.password_env or env_name
            raise Unsupported(
                Capability.LOGIN,
                f"no password for account '{role}': set the environment variable {var}",
                f"chưa có mật khẩu cho tài khoản '{role}': hãy đặt biến môi trường {var}")
        return account.username, secret

    def login(self, role: str, *, password: str | None = None) -> ReferenceSession:
        username, secret = self._credentials(role, password)
        self.client.add_secret(secret)
        response = check_status(self.client.post("/api/auth/login",
                                                 json={"username": username, "password": secret}))
        data = mapping.obj(response.json(), "login")
        token = mapping.req(data, "token", "login")
        self.client.add_secret(token)
        return ReferenceSession(self.client, role, mapping.account(data.get("user")), token)

    def session(self, role: str) -> ReferenceSession:
        cached = self._sessions.get(role)
        if cached is None:
            cached = self._sessions[role] = self.login(role)
        return cached

    def anonymous(self) -> ReferenceSession:
        return ReferenceSession(self.client, "anonymous", None, None)

    def close(self) -> None:
        self.client.close()


__all__ = ["IMPLEMENTED", "ReferenceAdapter", "ReferenceSession"]
