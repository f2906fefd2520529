"""The reference EMR's SQLite database: schema, connections and write transactions.

One connection per request (or per thread); WAL mode so readers do not block the writer; every write
runs inside ``BEGIN IMMEDIATE`` so concurrent requests serialise cleanly instead of deadlocking.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from conformance.adapters.reference import live_schema
from conformance.adapters.reference.claims import SCHEMA as EPISODE_SCHEMA

SCHEMA = """
CREATE TABLE IF NOT EXISTS departments (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL,
    department TEXT REFERENCES departments(code),
    pw_salt BLOB NOT NULL,
    pw_hash BLOB NOT NULL,
    pw_iterations INTEGER NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until REAL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at REAL NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS patients (
    id TEXT PRIMARY KEY,
    national_id TEXT,  -- NULL for a temporary identity; uniqueness is checked by the server (live_schema)
    name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT
);
CREATE TABLE IF NOT EXISTS encounters (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    department TEXT NOT NULL REFERENCES departments(code),
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    created_by TEXT
);
CREATE INDEX IF NOT EXISTS encounters_patient ON encounters(patient_id);
CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY,
    encounter_id TEXT NOT NULL REFERENCES encounters(id),
    kind TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    signed_by TEXT,
    signed_at TEXT,
    signed_version INTEGER
);
CREATE INDEX IF NOT EXISTS entries_encounter ON entries(encounter_id);
CREATE TABLE IF NOT EXISTS entry_versions (
    entry_id TEXT NOT NULL REFERENCES entries(id),
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    author TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (entry_id, version)
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    user TEXT,
    username TEXT,
    role TEXT,
    action TEXT NOT NULL,
    object_type TEXT,
    object_id TEXT,
    outcome TEXT NOT NULL,
    source TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_object ON audit(object_id);
CREATE INDEX IF NOT EXISTS audit_user ON audit(user);
"""


def utc_now() -> str:
    """Server time: UTC, ISO 8601 with microseconds and an explicit offset (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def to_utc_text(moment: datetime) -> str:
    """A datetime in the same text form as :func:`utc_now` (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), rows as ``sqlite3.Row``."""
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=True)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def initialise(path: Path) -> bool:
    """Create the schema (WAL mode) if needed; True when the database is new (no accounts yet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA + EPISODE_SCHEMA + live_schema.SCHEMA)
        (count,) = conn.execute("SELECT COUNT(*) FROM users").fetchone()
        return bool(count == 0)
    finally:
        conn.close()


@contextlib.contextmanager
def write_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken up front (BEGIN IMMEDIATE); committed on success, rolled back on error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
