"""The adapter protocol: everything a probe may ask of a candidate EMR.

Giao thức bộ kết nối: mọi điều một phép thử (probe) được phép hỏi hệ thống HSBA điện tử cần thẩm định.

A probe never talks HTTP (or anything else) itself. It asks an :class:`Adapter` for a
:class:`TargetSession` acting as one of the facility's roles and calls the operations below.
An adapter translates them into the candidate's own API (the reference EMR's REST API, FHIR R4,
a folder of exports, a vendor's own protocol).

Three outcomes besides success are part of the contract, and each adapter must keep them apart:

* :class:`Refused` — the target answered, deliberately, that it will not do this (HTTP 4xx or the
  equivalent). For many probes a refusal is the *expected* behaviour.
* :class:`TargetFailure` — the target broke: connection refused, timeout, 5xx, a malformed answer.
  The harness turns it into the verdict ``error`` for the criterion concerned.
* :class:`Unsupported` — this adapter (or the target behind it) does not offer the operation at all.
  The harness turns it into ``indeterminate`` with the reason: the criterion could not be decided.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

# --------------------------------------------------------------------------------------------------
# Capabilities


class Capability:
    """Names of the capabilities an adapter may declare (plain strings, stable across versions)."""

    PATIENTS = "patients"  # create / read / find patients
    ENCOUNTERS = "encounters"  # create / read encounters (đợt khám, đợt điều trị)
    ENTRIES = "entries"  # create / read clinical entries
    ENTRY_VERSIONS = "entry-versions"  # read the version history of an entry
    ENTRY_EDIT = "entry-edit"  # edit an entry (with a reason)
    ENTRY_DELETE = "entry-delete"  # the target exposes a delete verb (to prove it refuses or soft-deletes)
    ENTRY_CANCEL = "entry-cancel"  # cancel (hủy) and restore (khôi phục) an entry
    ENTRY_SIGN = "entry-sign"  # sign an entry (after which it must not change in place)
    AUDIT_READ = "audit-read"  # read the audit log
    AUDIT_TAMPER = "audit-tamper"  # the target exposes update/delete verbs on audit events (to prove refusal)
    AUDIT_CHAIN = "audit-chain"  # audit events carry a verifiable hash chain
    LOGIN = "login"  # password login per account (needed for lockout and logout probes)
    LOGOUT = "logout"  # end a session, revoking its credentials
    ANONYMOUS = "anonymous"  # send requests with no credentials at all
    DOCUMENTS = "documents"  # list / fetch record documents
    EXPORTS = "exports"  # produce data exports
    PATIENT_CONFIRMATION = "patient-confirmation"  # patients confirm documents (OTP, biometrics, e-signature)
    TEMPORARY_PATIENTS = "temporary-patients"  # patients without a national id (newborns, unknown emergencies)
    PRESCRIPTIONS = "prescriptions"  # electronic prescriptions: create, read, edit, send
    RETENTION = "retention"  # retention class and date of a record; ending an encounter; destruction requests
    TRANSPORT = "transport"  # the endpoint's URL and trust anchor, for TLS and plain-HTTP checks
    CREDENTIALS_IN_URL = "credentials-in-url"  # send a session's token as a URL query parameter (to prove refusal)
    ACCESS_WINDOWS = "access-windows"  # an administrator sets an account's permitted access hours

    ALL: ClassVar[tuple[str, ...]] = (
        PATIENTS, ENCOUNTERS, ENTRIES, ENTRY_VERSIONS, ENTRY_EDIT, ENTRY_DELETE, ENTRY_CANCEL,
        ENTRY_SIGN, AUDIT_READ, AUDIT_TAMPER, AUDIT_CHAIN, LOGIN, LOGOUT, ANONYMOUS, DOCUMENTS,
        EXPORTS, PATIENT_CONFIRMATION,
        TEMPORARY_PATIENTS, PRESCRIPTIONS, RETENTION, TRANSPORT, CREDENTIALS_IN_URL, ACCESS_WINDOWS,
    )


# --------------------------------------------------------------------------------------------------
# Outcomes other than success


class AdapterError(Exception):
    """Base of the errors an adapter raises. ``vi``/``en`` carry a message for people."""

    def __init__(self, en: str, vi: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.vi = vi or en


class Refused(AdapterError):
    """The target deliberately declined the operation (HTTP 4xx or equivalent)."""

    def __init__(self, status: int | None, en: str, vi: str | None = None, body: Any = None) -> None:
        super().__init__(en, vi)
        self.status = status
        self.body = body


class Unauthenticated(Refused):
    """The target requires (other) credentials: HTTP 401."""


class Forbidden(Refused):
    """The target knows who is asking and refuses: HTTP 403."""


class NotFound(Refused):
    """The object does not exist (or is hidden): HTTP 404."""


class AccountLocked(Refused):
    """A login was refused because the account is locked (e.g. HTTP 423 or an explicit lock message)."""


class TargetFailure(AdapterError):
    """The target broke: no connection, timeout, 5xx, unreadable answer, time budget exhausted."""


class Unsupported(AdapterError):
    """The adapter or the target does not offer this operation; the criterion cannot be decided."""

    def __init__(self, capability: str, en: str | None = None, vi: str | None = None) -> None:
        super().__init__(
            en or f"the target does not offer the capability '{capability}'",
            vi or f"hệ thống không cung cấp chức năng '{capability}'",
        )
        self.capability = capability


# --------------------------------------------------------------------------------------------------
# Records as the harness sees them. ``raw`` keeps what the target sent, for evidence and for probes
# that need a field the common model does not name.


@dataclass(frozen=True)
class Account:
    """The identity behind a session, as the target reports it."""

    user_id: str
    username: str
    role: str  # the harness's role name (bac_si, dieu_duong, ...)
    department: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Patient:
    id: str
    national_id: str | None  # số định danh cá nhân, 12 digits
    name: str
    birth_date: str | None = None  # ISO date
    sex: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    # --- live ---
    temporary: bool = False  # a temporary identity (newborn, unknown emergency patient) awaiting a national id


@dataclass(frozen=True)
class Encounter:
    id: str
    patient_id: str
    department: str | None
    kind: str | None = None  # e.g. "noi-tru", "ngoai-tru", "cap-cuu"
    started_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Entry:
    """One clinical entry (a progress note, an order, a nursing note...) at one version."""

    id: str
    encounter_id: str | None
    kind: str | None
    text: str
    version: int | None  # 1 for the first version, then 2, 3...
    author: str | None  # the author's user id, as the target records it
    recorded_at: datetime | None  # server time of this version
    status: str = "active"  # "active" | "cancelled" | "deleted"
    signed: bool = False
    reason: str | None = None  # the reason given for this version (edit, cancel, restore)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AuditEvent:
    id: str
    time: datetime | None  # server time
    user: str | None  # user id
    role: str | None
    action: str  # read | create | update | cancel | restore | delete | sign | login | login-failed | logout
    object_type: str | None  # patient | encounter | entry | audit | session
    object_id: str | None
    outcome: str  # success | denied | failure
    source: str | None = None  # client address
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Document:
    id: str
    encounter_id: str | None
    title: str
    media_type: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    doc_type: str | None = None  # the form it follows (e.g. phieu-dieu-tri), as the signing policy names it
    created_at: datetime | None = None  # server time of issue
    author: str | None = None
    sha256: str | None = None  # hex digest of the document's bytes, as the target records it


@dataclass(frozen=True)
class PatientConfirmation:
    """A patient's (or representative's) confirmation of a document by biometrics, OTP or an e-signature
    (TT 13/2025 Đ3), with the evidence the target keeps of it."""

    id: str
    encounter_id: str | None
    document_id: str | None  # what was confirmed
    method: str  # otp | biometric | e-signature | digital-signature
    confirmed_by: str | None  # patient | representative (and who)
    confirmed_at: datetime | None  # server time
    evidence: dict[str, Any] = field(default_factory=dict)  # method-specific record (e.g. OTP transaction)
    document_sha256: str | None = None  # hash of the document as confirmed
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AuditChainReport:
    """The result of checking the audit log's hash chain, when the target offers one."""

    checked: int
    broken_at: str | None  # id of the first event whose hash does not follow, None when intact
    detail: str = ""


# --- live-system records: prescriptions, retention, the endpoint (branch live) ---


@dataclass(frozen=True)
class Prescription:
    """An electronic prescription (đơn thuốc điện tử)."""

    id: str
    code: str | None  # the prescription code (mã đơn thuốc), e.g. "01001ab3k9x2-N"
    encounter_id: str | None
    kind: str | None  # N (ordinary), H (addictive / psychotropic), C (other controlled), T (herbal)
    status: str  # "draft" | "sent"
    items: list[dict[str, Any]] = field(default_factory=list)  # [{drug, dose, quantity}]
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Retention:
    """A record's retention (lưu trữ): its class in the facility's schedule and the date before which it
    must not be destroyed (None while the episode is open)."""

    record_class: str | None  # e.g. "thong-thuong", "tu-vong", "tam-than", "su-co-y-khoa"
    period_years: int | None  # None: permanent
    until: str | None  # ISO date
    ended_at: str | None  # ISO date the episode ended
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Endpoint:
    """Where the target listens: its base URL and the trust anchor (a CA bundle path, or True for the
    system store)."""

    base_url: str
    verify: bool | str


# --------------------------------------------------------------------------------------------------
# The protocol itself


class TargetSession(abc.ABC):
    """An authenticated (or anonymous) session acting as one account of the target.

    Every operation either returns, or raises :class:`Refused` (and its subclasses),
    :class:`TargetFailure` or :class:`Unsupported`. Nothing else may escape an adapter.
    """

    role: str  # the harness's role name; "anonymous" for an unauthenticated session
    account: Account | None  # None for an anonymous session

    def _unsupported(self, capability: str) -> Unsupported:
        return Unsupported(capability)

    # patients
    def create_patient(self, national_id: str, name: str, birth_date: str, sex: str) -> Patient:
        raise self._unsupported(Capability.PATIENTS)

    def get_patient(self, patient_id: str) -> Patient:
        raise self._unsupported(Capability.PATIENTS)

    def find_patients(self, national_id: str) -> list[Patient]:
        raise self._unsupported(Capability.PATIENTS)

    # encounters
    def create_encounter(self, patient_id: str, department: str, kind: str = "noi-tru") -> Encounter:
        raise self._unsupported(Capability.ENCOUNTERS)

    def get_encounter(self, encounter_id: str) -> Encounter:
        raise self._unsupported(Capability.ENCOUNTERS)

    # entries
    def create_entry(self, encounter_id: str, kind: str, text: str,
                     extra: dict[str, Any] | None = None) -> Entry:
        """Create an entry. ``extra`` carries fields a probe wants to send as well (e.g. a
        client-supplied time the server must ignore); an adapter passes them through verbatim."""
        raise self._unsupported(Capability.ENTRIES)

    def get_entry(self, entry_id: str) -> Entry:
        raise self._unsupported(Capability.ENTRIES)

    def list_entries(self, encounter_id: str) -> list[Entry]:
        raise self._unsupported(Capability.ENTRIES)

    def entry_versions(self, entry_id: str) -> list[Entry]:
        """All versions of an entry, oldest first."""
        raise self._unsupported(Capability.ENTRY_VERSIONS)

    def edit_entry(self, entry_id: str, text: str, reason: str | None) -> Entry:
        """Change an entry's text; ``reason=None`` sends no reason at all."""
        raise self._unsupported(Capability.ENTRY_EDIT)

    def delete_entry(self, entry_id: str) -> None:
        """Ask the target to delete an entry (a compliant target refuses or only marks it)."""
        raise self._unsupported(Capability.ENTRY_DELETE)

    def cancel_entry(self, entry_id: str, reason: str | None) -> Entry:
        raise self._unsupported(Capability.ENTRY_CANCEL)

    def restore_entry(self, entry_id: str, reason: str | None) -> Entry:
        raise self._unsupported(Capability.ENTRY_CANCEL)

    def sign_entry(self, entry_id: str) -> Entry:
        raise self._unsupported(Capability.ENTRY_SIGN)

    # audit
    def audit_events(self, *, object_id: str | None = None, user: str | None = None,
                     since: datetime | None = None) -> list[AuditEvent]:
        """Audit events matching all the given filters, oldest first."""
        raise self._unsupported(Capability.AUDIT_READ)

    def delete_audit_event(self, event_id: str) -> None:
        raise self._unsupported(Capability.AUDIT_TAMPER)

    def update_audit_event(self, event_id: str, changes: dict[str, Any]) -> None:
        raise self._unsupported(Capability.AUDIT_TAMPER)

    def verify_audit_chain(self) -> AuditChainReport:
        raise self._unsupported(Capability.AUDIT_CHAIN)

    # documents
    def list_documents(self, encounter_id: str) -> list[Document]:
        raise self._unsupported(Capability.DOCUMENTS)

    def get_document(self, document_id: str) -> bytes:
        raise self._unsupported(Capability.DOCUMENTS)

    def print_document(self, document_id: str) -> bytes:
        """The copy of a document for printing (paper converted from the electronic record: NĐ 137/2024 Đ5)."""
        raise self._unsupported(Capability.DOCUMENTS)

    def discharge_encounter(self, encounter_id: str) -> Encounter:
        """Discharge the patient (ra viện): the record is completed and signed by the facility."""
        raise self._unsupported(Capability.DOCUMENTS)

    def confirm_document_as_patient(self, document_id: str, method: str) -> PatientConfirmation:
        """Have the patient confirm a document by ``method`` (the target's own test flow: e.g. an OTP sent to
        the patient's registered phone and entered back). Capability ``patient-confirmation``."""
        raise self._unsupported(Capability.PATIENT_CONFIRMATION)

    def patient_confirmations(self, encounter_id: str) -> list[PatientConfirmation]:
        raise self._unsupported(Capability.PATIENT_CONFIRMATION)

    # data exports (Capability.EXPORTS)
    def export_claim(self, encounter_id: str) -> bytes:
        """The BHYT claim-data submission for one encounter, as the target produces it for BHXH: the
        ``GIAMDINHHS`` envelope (QĐ 130/4750/3176) with its tables in base64 and the facility's signature."""
        raise self._unsupported(Capability.EXPORTS)

    def export_record(self, encounter_id: str, fmt: str) -> bytes:
        """The CV 365 record export (``HoSoBenhAn``) of one encounter; ``fmt`` is ``xml`` or ``json``."""
        raise self._unsupported(Capability.EXPORTS)

    # session
    def logout(self) -> None:
        raise self._unsupported(Capability.LOGOUT)

    # --- live-system operations (branch live): identity, retention, prescriptions, credentials ---
    def create_temporary_patient(self, kind: str, name: str, birth_date: str | None, sex: str) -> Patient:
        """A patient without a national id; ``kind``: "newborn" or "unknown" (unknown emergency patient)."""
        raise self._unsupported(Capability.TEMPORARY_PATIENTS)

    def assign_national_id(self, patient_id: str, national_id: str, reason: str) -> Patient:
        """Link a temporary patient to their national id (refused, or merged with a trail, when taken)."""
        raise self._unsupported(Capability.TEMPORARY_PATIENTS)

    def end_encounter(self, encounter_id: str, outcome: str) -> Encounter:
        """End an encounter; ``outcome``: "ra-vien" (discharged), "tu-vong" (death), "chuyen-vien" (transfer)."""
        raise self._unsupported(Capability.RETENTION)

    def retention_of(self, encounter_id: str) -> Retention:
        raise self._unsupported(Capability.RETENTION)

    def destroy_record(self, encounter_id: str, reason: str) -> None:
        """Ask the target to destroy a record (a compliant target refuses before its retention date)."""
        raise self._unsupported(Capability.RETENTION)

    def create_prescription(self, encounter_id: str, kind: str, items: list[dict[str, Any]]) -> Prescription:
        raise self._unsupported(Capability.PRESCRIPTIONS)

    def get_prescription(self, prescription_id: str) -> Prescription:
        raise self._unsupported(Capability.PRESCRIPTIONS)

    def edit_prescription(self, prescription_id: str, items: list[dict[str, Any]], reason: str) -> Prescription:
        raise self._unsupported(Capability.PRESCRIPTIONS)

    def send_prescription(self, prescription_id: str) -> Prescription:
        """Send the prescription to the national prescription system (after which it is immutable)."""
        raise self._unsupported(Capability.PRESCRIPTIONS)

    def set_access_window(self, user_id: str, start: str | None, end: str | None) -> None:
        """As an administrator, limit account ``user_id`` to the hours [start, end) (UTC "HH:MM", wrapping past
        midnight when end < start); ``None`` for both removes the limit."""
        raise self._unsupported(Capability.ACCESS_WINDOWS)

    def whoami_token_in_url(self) -> Account:
        """Ask the target who this session is, sending its credentials only as the URL query parameter
        ``access_token`` (no Authorization header); a compliant target refuses (401)."""
        raise self._unsupported(Capability.CREDENTIALS_IN_URL)


class Adapter(abc.ABC):
    """A way to reach one candidate EMR. One adapter instance serves one run (one pytest process).

    ``config`` is the parsed target file (see :mod:`conformance.target`); credentials for each role
    have already been read from the environment variables the target file names.
    """

    name: ClassVar[str] = "abstract"

    @abc.abstractmethod
    def capabilities(self) -> frozenset[str]:
        """The capabilities this adapter offers for this target (see :class:`Capability`)."""

    @abc.abstractmethod
    def roles(self) -> list[str]:
        """The role names the target file configures accounts for."""

    @abc.abstractmethod
    def session(self, role: str) -> TargetSession:
        """A logged-in session for ``role``; the adapter may cache and reuse it.
        Raises :class:`Unsupported` when no account is configured for the role."""

    @abc.abstractmethod
    def login(self, role: str, *, password: str | None = None) -> TargetSession:
        """A *new* login for ``role``, never cached; ``password`` overrides the configured one
        (to try a wrong password). Raises :class:`Unauthenticated` / :class:`AccountLocked`."""

    @abc.abstractmethod
    def anonymous(self) -> TargetSession:
        """A session that sends no credentials at all."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections; called once at the end of the run."""

    # --- live-system operations (branch live) ---
    def endpoint(self) -> Endpoint:
        """The target's base URL and trust anchor, for transport probes (TLS versions, plain HTTP, headers)."""
        raise Unsupported(Capability.TRANSPORT)
