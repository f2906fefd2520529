"""A small in-memory EMR behind the adapter protocol, for testing the probes without a server.

Well-behaved by default; each name in ``FAULTS`` switches on one misbehaviour. The reference EMR has
its own, independent faults — this fake exists only so that each probe can be shown to pass and fail.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from conformance.adapters.protocol import (
    Account,
    AccountLocked,
    Adapter,
    AuditChainReport,
    AuditEvent,
    Capability,
    Encounter,
    Entry,
    Forbidden,
    NotFound,
    Patient,
    Refused,
    TargetSession,
    Unauthenticated,
    Unsupported,
)

FAULTS = frozenset({
    "edit_overwrites", "edit_drops_reason", "edit_without_reason", "hard_delete", "cancel_without_reason",
    "signed_editable", "trust_client_fields", "no_read_audit", "no_write_audit", "audit_mutable",
    "audit_deletable",
    "no_denied_audit", "audit_chain_broken", "anonymous_reads", "nurse_cancels", "no_department_scope",
    "no_lockout", "logout_noop", "accept_any_password", "anonymous_403",
})

# account key: (user id, username, role, department)
ACCOUNTS: dict[str, tuple[str, str, str, str | None]] = {
    "bac_si": ("u-bs", "bs.an", "bac_si", "noi"),
    "bac_si_khoa_khac": ("u-bs2", "bs.binh", "bac_si", "ngoai"),
    "dieu_duong": ("u-dd", "dd.chi", "dieu_duong", "noi"),
    "ky_thuat_vien": ("u-ktv", "ktv.dung", "ky_thuat_vien", "noi"),
    "truong_khoa": ("u-tk", "tk.em", "truong_khoa", "noi"),
    "giam_doc": ("u-gd", "gd.giang", "giam_doc", None),
    "quan_tri": ("u-qt", "qt.hai", "quan_tri", None),
    "tai_khoan_khoa": ("u-tkk", "dd.khoa", "dieu_duong", "noi"),
}
PASSWORD = "dung-mat-khau"
CLINICAL = {"bac_si", "dieu_duong", "ky_thuat_vien", "truong_khoa"}
READERS = CLINICAL | {"giam_doc"}
LOCK_AFTER = 5


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Stored:
    versions: list[Entry]
    department: str


class FakeEMR:
    """The state of the fake target: records, accounts, tokens, the audit log."""

    def __init__(self, faults: set[str] | frozenset[str] = frozenset()) -> None:
        unknown = set(faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown faults {unknown}")
        self.faults = frozenset(faults)
        self.ids = itertools.count(1)
        self.patients: dict[str, tuple[Patient, str]] = {}
        self.encounters: dict[str, Encounter] = {}
        self.entries: dict[str, _Stored] = {}
        self.audit: list[tuple[AuditEvent, str]] = []  # (event, chain hash)
        self.tokens: dict[str, str] = {}
        self.failures: dict[str, int] = {}
        self.locked: set[str] = set()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self.ids)}"

    def account(self, key: str) -> Account:
        uid, username, role, dept = ACCOUNTS[key]
        return Account(uid, username, role, dept)

    def log(self, acct: Account | None, action: str, obj_type: str | None, obj_id: str | None,
            outcome: str = "success") -> None:
        kind = "denied" if outcome != "success" else "read" if action == "read" else "write"
        if f"no_{kind}_audit" in self.faults:
            return
        ev = AuditEvent(self.new_id("ev"), _now(), acct.user_id if acct else None, acct.role if acct else None,
                        action, obj_type, obj_id, outcome, "127.0.0.1")
        prev = self.audit[-1][1] if self.audit else ""
        digest = self.chain_hash(prev, ev)
        if "audit_chain_broken" in self.faults and len(self.audit) == 1:
            digest = "0" * 64
        self.audit.append((ev, digest))

    @staticmethod
    def chain_hash(prev: str, ev: AuditEvent) -> str:
        fields = (prev, ev.id, str(ev.time), ev.user, ev.role, ev.action, ev.object_type, ev.object_id, ev.outcome)
        return hashlib.sha256("|".join(str(f) for f in fields).encode()).hexdigest()

    def login(self, key: str, password: str) -> str:
        acct = self.account(key)
        if key in self.locked:
            self.log(acct, "login-failed", "session", None, "denied")
            raise AccountLocked(423, "account locked")
        if password != PASSWORD and "accept_any_password" not in self.faults:
            self.failures[key] = self.failures.get(key, 0) + 1
            if self.failures[key] >= LOCK_AFTER and "no_lockout" not in self.faults:
                self.locked.add(key)
            self.log(acct, "login-failed", "session", None, "failure")
            raise Unauthenticated(401, "wrong password")
        self.failures[key] = 0
        token = self.new_id("tok")
        self.tokens[token] = key
        self.log(acct, "login", "session", None)
        return token


class FakeSession(TargetSession):
    def __init__(self, emr: FakeEMR, key: str | None, token: str | None) -> None:
        self.emr, self.token = emr, token
        self.account = emr.account(key) if key else None
        self.role = self.account.role if self.account else "anonymous"

    # -- guards -------------------------------------------------------------------------------------
    def _who(self, read: bool = False) -> Account | None:
        valid = self.token is not None and self.token in self.emr.tokens
        if not valid and read and "anonymous_reads" in self.emr.faults:
            return None  # reads need no (valid) credentials at all
        if self.token is None and "anonymous_403" in self.emr.faults:
            raise Forbidden(403, "forbidden")
        if self.token is None or self.token not in self.emr.tokens:
            raise Unauthenticated(401, "authentication required")
        return self.account

    def _allow(self, ok: bool, action: str, obj_type: str, obj_id: str | None) -> Account | None:
        acct = self._who(read=action == "read")
        if acct is not None and not ok:
            self.emr.log(acct, action, obj_type, obj_id, "denied")
            raise Forbidden(403, f"{acct.role} may not {action} {obj_type}")
        return acct

    def _scope(self, department: str | None) -> bool:
        a = self.account
        return a is not None and (a.department is None or a.department == department
                                  or "no_department_scope" in self.emr.faults)

    def _can_read(self) -> bool:
        return self.account is not None and self.account.role in READERS

    def _stored(self, entry_id: str) -> _Stored:
        if entry_id not in self.emr.entries:
            self._who(read=True)
            raise NotFound(404, "no such entry")
        return self.emr.entries[entry_id]

    def _read_entry(self, entry_id: str) -> _Stored:
        st = self._stored(entry_id)
        acct = self._allow(self._can_read() and self._scope(st.department), "read", "entry", entry_id)
        self.emr.log(acct, "read", "entry", entry_id)
        return st

    def _write(self, entry_id: str, ok: Any, action: str) -> tuple[_Stored, Account]:
        st = self._stored(entry_id)
        self._who()
        acct = self._allow(bool(self._scope(st.department) and ok(st)), action, "entry", entry_id)
        assert acct is not None
        return st, acct

    # -- patients, encounters ------------------------------------------------------------------------
    def create_patient(self, national_id: str, name: str, birth_date: str, sex: str) -> Patient:
        acct = self._allow(self.role in CLINICAL, "create", "patient", None)
        assert acct is not None and acct.department
        p = Patient(self.emr.new_id("bn"), national_id, name, birth_date, sex)
        self.emr.patients[p.id] = (p, acct.department)
        self.emr.log(acct, "create", "patient", p.id)
        return p

    def get_patient(self, patient_id: str) -> Patient:
        if patient_id not in self.emr.patients:
            raise NotFound(404, "no such patient")
        p, dept = self.emr.patients[patient_id]
        acct = self._allow(self._can_read() and self._scope(dept), "read", "patient", patient_id)
        self.emr.log(acct, "read", "patient", patient_id)
        return p

    def create_encounter(self, patient_id: str, department: str, kind: str = "noi-tru") -> Encounter:
        acct = self._allow(self.role in CLINICAL and self._scope(department), "create", "encounter", None)
        e = Encounter(self.emr.new_id("dt"), patient_id, department, kind, _now())
        self.emr.encounters[e.id] = e
        self.emr.log(acct, "create", "encounter", e.id)
        return e

    def get_encounter(self, encounter_id: str) -> Encounter:
        e = self.emr.encounters[encounter_id]
        acct = self._allow(self._can_read() and self._scope(e.department), "read", "encounter", encounter_id)
        self.emr.log(acct, "read", "encounter", encounter_id)
        return e

    # -- entries -------------------------------------------------------------------------------------
    def create_entry(self, encounter_id: str, kind: str, text: str, extra: dict[str, Any] | None = None) -> Entry:
        enc = self.emr.encounters[encounter_id]
        acct = self._allow(self.role in CLINICAL and self._scope(enc.department), "create", "entry", None)
        assert acct is not None and enc.department
        author, at = acct.user_id, _now()
        if extra and "trust_client_fields" in self.emr.faults:
            author, at = extra.get("author", author), datetime.fromisoformat(extra.get("recorded_at", at.isoformat()))
        e = Entry(self.emr.new_id("gc"), encounter_id, kind, text, 1, author, at)
        self.emr.entries[e.id] = _Stored([e], enc.department)
        self.emr.log(acct, "create", "entry", e.id)
        return e

    def get_entry(self, entry_id: str) -> Entry:
        return self._read_entry(entry_id).versions[-1]

    def list_entries(self, encounter_id: str) -> list[Entry]:
        enc = self.emr.encounters[encounter_id]
        acct = self._allow(self._can_read() and self._scope(enc.department), "read", "encounter", encounter_id)
        self.emr.log(acct, "read", "encounter", encounter_id)
        return [st.versions[-1] for st in self.emr.entries.values() if st.versions[0].encounter_id == encounter_id]

    def entry_versions(self, entry_id: str) -> list[Entry]:
        return list(self._read_entry(entry_id).versions)

    def _new_version(self, st: _Stored, acct: Account, action: str, reason: str | None, **changes: Any) -> Entry:
        last = st.versions[-1]
        v = replace(last, version=(last.version or 0) + 1, author=acct.user_id, recorded_at=_now(),
                    reason=reason, **changes)
        if action == "update" and "edit_overwrites" in self.emr.faults:
            st.versions[-1] = replace(v, version=last.version)
        else:
            st.versions.append(v)
        self.emr.log(acct, action, "entry", last.id)
        return st.versions[-1]

    def edit_entry(self, entry_id: str, text: str, reason: str | None) -> Entry:
        st, acct = self._write(entry_id, self._is_author, "update")
        if st.versions[-1].signed and "signed_editable" not in self.emr.faults:
            raise Refused(409, "signed entries cannot be edited")
        if not (reason or "").strip() and "edit_without_reason" not in self.emr.faults:
            raise Refused(422, "a reason is required")
        stored_reason = None if "edit_drops_reason" in self.emr.faults else reason
        return self._new_version(st, acct, "update", stored_reason, text=text, signed=False)

    def delete_entry(self, entry_id: str) -> None:
        _, acct = self._write(entry_id, lambda st: True, "delete")
        if "hard_delete" not in self.emr.faults:
            raise Refused(405, "records are never deleted")
        del self.emr.entries[entry_id]
        self.emr.log(acct, "delete", "entry", entry_id)

    def _is_author(self, st: _Stored) -> bool:
        return self.account is not None and st.versions[0].author == self.account.user_id

    def _may_cancel(self, st: _Stored) -> bool:
        role = self.role
        if role == "dieu_duong" and "nurse_cancels" in self.emr.faults:
            return True
        return role == "truong_khoa" or (role == "bac_si" and self._is_author(st))

    def cancel_entry(self, entry_id: str, reason: str | None) -> Entry:
        st, acct = self._write(entry_id, self._may_cancel, "cancel")
        if not (reason or "").strip() and "cancel_without_reason" not in self.emr.faults:
            raise Refused(422, "a reason is required")
        if st.versions[-1].status == "cancelled":
            raise Refused(409, "already cancelled")
        return self._new_version(st, acct, "cancel", reason, status="cancelled")

    def restore_entry(self, entry_id: str, reason: str | None) -> Entry:
        st, acct = self._write(entry_id, lambda st: self.role == "truong_khoa", "restore")
        if not (reason or "").strip():
            raise Refused(422, "a reason is required")
        if st.versions[-1].status != "cancelled":
            raise Refused(409, "not cancelled")
        return self._new_version(st, acct, "restore", reason, status="active")

    def sign_entry(self, entry_id: str) -> Entry:
        st, acct = self._write(entry_id, self._is_author, "sign")
        st.versions[-1] = replace(st.versions[-1], signed=True)
        self.emr.log(acct, "sign", "entry", entry_id)
        return st.versions[-1]

    # -- audit ---------------------------------------------------------------------------------------
    def audit_events(self, *, object_id: str | None = None, user: str | None = None,
                     since: datetime | None = None) -> list[AuditEvent]:
        acct = self._allow(self.role == "quan_tri", "read", "audit", None)
        found = [ev for ev, _ in self.emr.audit
                 if (object_id is None or ev.object_id == object_id) and (user is None or ev.user == user)
                 and (since is None or (ev.time is not None and ev.time >= since))]
        self.emr.log(acct, "read", "audit", None)
        return found

    def _tamper(self, event_id: str, change: Any, fault: str) -> None:
        self._allow(self.role == "quan_tri", "update", "audit", event_id)
        if fault not in self.emr.faults and "audit_mutable" not in self.emr.faults:
            raise Refused(405, "the audit log is append-only")
        self.emr.audit[:] = [x for x in (change(ev, h) if ev.id == event_id else (ev, h)
                                         for ev, h in self.emr.audit) if x is not None]

    def delete_audit_event(self, event_id: str) -> None:
        self._tamper(event_id, lambda ev, h: None, "audit_deletable")

    def update_audit_event(self, event_id: str, changes: dict[str, Any]) -> None:
        self._tamper(event_id, lambda ev, h: (replace(ev, **changes), h), "audit_mutable")

    def verify_audit_chain(self) -> AuditChainReport:
        self._allow(self.role == "quan_tri", "read", "audit", None)
        prev = ""
        for ev, digest in self.emr.audit:
            if FakeEMR.chain_hash(prev, ev) != digest:
                return AuditChainReport(len(self.emr.audit), ev.id)
            prev = digest
        return AuditChainReport(len(self.emr.audit), None)

    # -- session -------------------------------------------------------------------------------------
    def logout(self) -> None:
        acct = self._who()
        if "logout_noop" not in self.emr.faults:
            self.emr.tokens.pop(self.token or "", None)
        self.emr.log(acct, "logout", "session", None)


class FakeAdapter(Adapter):
    name = "fake"

    def __init__(self, faults: set[str] | frozenset[str] = frozenset(),
                 capabilities: frozenset[str] = frozenset(Capability.ALL)) -> None:
        self.emr = FakeEMR(faults)
        self._capabilities = capabilities
        self._sessions: dict[str, FakeSession] = {}

    def capabilities(self) -> frozenset[str]:
        return self._capabilities

    def roles(self) -> list[str]:
        return list(ACCOUNTS)

    def session(self, role: str) -> TargetSession:
        if role not in self._sessions:
            self._sessions[role] = self.login(role)
        return self._sessions[role]

    def login(self, role: str, *, password: str | None = None) -> FakeSession:
        if role not in ACCOUNTS:
            raise Unsupported(Capability.LOGIN, en=f"no account for {role}")
        return FakeSession(self.emr, role, self.emr.login(role, PASSWORD if password is None else password))

    def anonymous(self) -> TargetSession:
        return FakeSession(self.emr, None, None)
