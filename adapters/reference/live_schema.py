"""Tables of the reference EMR's live-system features: temporary identities, retention, prescriptions."""

from __future__ import annotations

SCHEMA = """
CREATE INDEX IF NOT EXISTS patients_national_id ON patients(national_id);
CREATE TABLE IF NOT EXISTS temporary_identities (
    patient_id TEXT PRIMARY KEY REFERENCES patients(id),
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    linked_at TEXT,
    linked_by TEXT,
    link_reason TEXT
);
CREATE TABLE IF NOT EXISTS encounter_endings (
    encounter_id TEXT PRIMARY KEY REFERENCES encounters(id),
    outcome TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    ended_by TEXT NOT NULL,
    record_class TEXT NOT NULL,
    period_years INTEGER,
    retain_until TEXT,
    destroyed_at TEXT
);
CREATE TABLE IF NOT EXISTS access_windows (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    start_minute INTEGER NOT NULL,
    end_minute INTEGER NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS prescriptions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    encounter_id TEXT NOT NULL REFERENCES encounters(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    items TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
"""
