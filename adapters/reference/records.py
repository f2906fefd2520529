"""Clinical records in the database: patients, encounters, entries and their versions.

An entry is never changed in place: every edit, cancellation and restoration adds a version; the
entry row only points at its current version. (The ``overwrite_version`` and ``hard_delete`` helpers
exist for the fault switches alone.)
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from conformance.adapters.reference.db import utc_now


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


# patients ----------------------------------------------------------------------------------------
def patient_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "national_id": row["national_id"], "name": row["name"],
            "birth_date": row["birth_date"], "sex": row["sex"], "created_at": row["created_at"],
            "created_by": row["created_by"], "temporary": row["national_id"] is None}


def get_patient(conn: sqlite3.Connection, patient_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute("SELECT * FROM patients WHERE id = ?", (patient_id,)).fetchone()
    return row


def find_patients(conn: sqlite3.Connection, national_id: str) -> list[sqlite3.Row]:
    return list(conn.execute("SELECT * FROM patients WHERE national_id = ? ORDER BY created_at", (national_id,)))


def national_id_taken(conn: sqlite3.Connection, national_id: str) -> bool:
    return conn.execute("SELECT 1 FROM patients WHERE national_id = ?", (national_id,)).fetchone() is not None


def patient_departments(conn: sqlite3.Connection, patient_id: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT department FROM encounters WHERE patient_id = ?",
                                       (patient_id,))]


def create_patient(conn: sqlite3.Connection, national_id: str, name: str, birth_date: str, sex: str,
                   created_by: str | None) -> dict[str, Any]:
    pid = new_id("pt")
    conn.execute("INSERT INTO patients (id, national_id, name, birth_date, sex, created_at, created_by) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)", (pid, national_id, name, birth_date, sex, utc_now(), created_by))
    row = get_patient(conn, pid)
    assert row is not None
    return patient_json(row)


# encounters --------------------------------------------------------------------------------------
def encounter_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "patient_id": row["patient_id"], "department": row["department"], "kind": row["kind"],
            "started_at": row["started_at"], "created_by": row["created_by"]}


def get_encounter(conn: sqlite3.Connection, encounter_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute("SELECT * FROM encounters WHERE id = ?", (encounter_id,)).fetchone()
    return row


def department_exists(conn: sqlite3.Connection, code: str) -> bool:
    return conn.execute("SELECT 1 FROM departments WHERE code = ?", (code,)).fetchone() is not None


def create_encounter(conn: sqlite3.Connection, patient_id: str, department: str, kind: str,
                     created_by: str | None) -> dict[str, Any]:
    eid = new_id("enc")
    conn.execute("INSERT INTO encounters (id, patient_id, department, kind, started_at, created_by) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (eid, patient_id, department, kind, utc_now(), created_by))
    row = get_encounter(conn, eid)
    assert row is not None
    return encounter_json(row)


# entries -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EntryRecord:
    """An entry at its current version, with what access checks need (department, original author)."""

    id: str
    encounter_id: str
    patient_id: str
    department: str
    kind: str
    created_by: str
    created_at: str
    version: int
    text: str
    status: str
    author: str
    recorded_at: str
    reason: str | None
    signed_by: str | None
    signed_at: str | None
    signed_version: int | None

    @property
    def signed(self) -> bool:
        return self.signed_by is not None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "encounter_id": self.encounter_id, "patient_id": self.patient_id,
                "department": self.department, "kind": self.kind, "text": self.text, "version": self.version,
                "author": self.author, "recorded_at": self.recorded_at, "status": self.status,
                "signed": self.signed, "signed_by": self.signed_by, "signed_at": self.signed_at,
                "reason": self.reason, "created_by": self.created_by, "created_at": self.created_at}


_ENTRY_SQL = """
SELECT e.id, e.encounter_id, c.patient_id, c.department, e.kind, e.created_by, e.created_at,
       v.version, v.text, v.status, v.author, v.recorded_at, v.reason, e.signed_by, e.signed_at, e.signed_version
FROM entries e JOIN encounters c ON c.id = e.encounter_id
JOIN entry_versions v ON v.entry_id = e.id
"""


def _record(row: sqlite3.Row) -> EntryRecord:
    return EntryRecord(**{k: row[k] for k in row.keys()})  # noqa: SIM118 - sqlite3.Row is not a mapping


def get_entry(conn: sqlite3.Connection, entry_id: str) -> EntryRecord | None:
    row = conn.execute(_ENTRY_SQL + " WHERE e.id = ? AND v.version = e.current_version", (entry_id,)).fetchone()
    return _record(row) if row else None


def entries_of(conn: sqlite3.Connection, encounter_id: str) -> list[EntryRecord]:
    rows = conn.execute(_ENTRY_SQL + " WHERE e.encounter_id = ? AND v.version = e.current_version "
                        "ORDER BY e.created_at, e.id", (encounter_id,))
    return [_record(r) for r in rows]


def versions_of(conn: sqlite3.Connection, entry_id: str) -> list[EntryRecord]:
    """Every version, oldest first; ``signed`` describes the entry (a version from before the signature
    reports the signature fields as empty)."""
    out: list[EntryRecord] = []
    for row in conn.execute(_ENTRY_SQL + " WHERE e.id = ? ORDER BY v.version", (entry_id,)):
        record = _record(row)
        if record.signed_version is not None and record.version < record.signed_version:
            record = EntryRecord(**{**record.__dict__, "signed_by": None, "signed_at": None})
        out.append(record)
    return out


def create_entry(conn: sqlite3.Connection, encounter_id: str, kind: str, text: str, *, created_by: str,
                 author: str, recorded_at: str) -> EntryRecord:
    eid = new_id("ent")
    conn.execute("INSERT INTO entries (id, encounter_id, kind, created_by, created_at, current_version) "
                 "VALUES (?, ?, ?, ?, ?, 1)", (eid, encounter_id, kind, created_by, recorded_at))
    conn.execute("INSERT INTO entry_versions (entry_id, version, text, status, author, recorded_at, reason) "
                 "VALUES (?, 1, ?, 'active', ?, ?, NULL)", (eid, text, author, recorded_at))
    record = get_entry(conn, eid)
    assert record is not None
    return record


def add_version(conn: sqlite3.Connection, entry: EntryRecord, *, text: str, status: str, author: str,
                reason: str | None) -> EntryRecord:
    version = entry.version + 1
    conn.execute("INSERT INTO entry_versions (entry_id, version, text, status, author, recorded_at, reason) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)", (entry.id, version, text, status, author, utc_now(), reason))
    conn.execute("UPDATE entries SET current_version = ? WHERE id = ?", (version, entry.id))
    record = get_entry(conn, entry.id)
    assert record is not None
    return record


def overwrite_version(conn: sqlite3.Connection, entry: EntryRecord, *, text: str, author: str,
                      reason: str | None) -> EntryRecord:
    """Change the current version in place (the ``overwrite-on-edit`` and ``edit-signed-entry`` faults)."""
    conn.execute("UPDATE entry_versions SET text = ?, author = ?, recorded_at = ?, reason = ? "
                 "WHERE entry_id = ? AND version = ?", (text, author, utc_now(), reason, entry.id, entry.version))
    record = get_entry(conn, entry.id)
    assert record is not None
    return record


def mark_signed(conn: sqlite3.Connection, entry: EntryRecord, signer: str) -> EntryRecord:
    conn.execute("UPDATE entries SET signed_by = ?, signed_at = ?, signed_version = ? WHERE id = ?",
                 (signer, utc_now(), entry.version, entry.id))
    record = get_entry(conn, entry.id)
    assert record is not None
    return record


def hard_delete(conn: sqlite3.Connection, entry_id: str) -> None:
    """Physically remove an entry and its versions (the ``hard-delete`` fault only)."""
    conn.execute("DELETE FROM entry_versions WHERE entry_id = ?", (entry_id,))
    conn.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
