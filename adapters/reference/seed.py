"""First-run content of the reference EMR: departments, staff accounts and a few sample records."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from conformance.adapters.reference import audit, claims_seed, records
from conformance.adapters.reference.accounts import ACCOUNTS, DEPARTMENTS, AccountSpec
from conformance.adapters.reference.auth import hash_password
from conformance.adapters.reference.db import utc_now, write_tx
from conformance.adapters.reference.faults import FaultSet

# (national id, name, birth date, sex, department or None, entries: (author key, kind, text))
SAMPLE_PATIENTS: tuple[tuple[str, str, str, str, str | None, tuple[tuple[str, str, str], ...]], ...] = (
    ("001185000101", "Nguyễn Thị Mai", "1985-03-14", "nu", "noi", (
        ("bac_si", "benh-su", "Sốt 3 ngày, ho khan, đau ngực nhẹ khi ho."),
        ("dieu_duong", "theo-doi", "Mạch 92 l/p, nhiệt độ 38,5 °C, HA 120/80 mmHg."),
    )),
    ("079190000202", "Trần Văn Nam", "1990-11-02", "nam", "ngoai", (
        ("bac_si_khoa_khac", "benh-su", "Đau hố chậu phải 12 giờ, phản ứng thành bụng."),
    )),
    ("031201000303", "Lê Thị Hoa", "2001-07-30", "nu", None, ()),
)


def _hash_all(passwords: Mapping[str, str]) -> dict[str, tuple[bytes, bytes, int]]:
    """PBKDF2 releases the GIL: hash the accounts' passwords in parallel to keep start-up quick."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(hash_password, pw) for key, pw in passwords.items()}
        return {key: f.result() for key, f in futures.items()}


def seed(conn: sqlite3.Connection, passwords: Mapping[str, str]) -> None:
    """Fill a new database. ``passwords`` maps every account key to its password."""
    hashed = _hash_all({a.key: passwords[a.key] for a in ACCOUNTS})
    by_key: dict[str, AccountSpec] = {a.key: a for a in ACCOUNTS}
    no_faults = FaultSet()
    with write_tx(conn):
        conn.executemany("INSERT INTO departments (code, name) VALUES (?, ?)", DEPARTMENTS.items())
        for spec in ACCOUNTS:
            salt, digest, iterations = hashed[spec.key]
            conn.execute("INSERT INTO users (id, username, full_name, role, department, pw_salt, pw_hash, "
                         "pw_iterations) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (spec.user_id, spec.username, spec.full_name, spec.role, spec.department, salt, digest,
                          iterations))
        for national_id, name, birth, sex, department, entries in SAMPLE_PATIENTS:
            creator = by_key[entries[0][0]] if entries else by_key["bac_si"]
            actor = audit.Actor(creator.user_id, creator.username, creator.role, None)
            patient = records.create_patient(conn, national_id, name, birth, sex, creator.user_id)
            audit.append(conn, no_faults, actor, "create", "success", object_type="patient",
                         object_id=patient["id"], detail="seed")
            if department is None:
                continue
            encounter = records.create_encounter(conn, patient["id"], department, "noi-tru", creator.user_id)
            audit.append(conn, no_faults, actor, "create", "success", object_type="encounter",
                         object_id=encounter["id"], detail="seed")
            for author_key, kind, text in entries:
                author = by_key[author_key]
                entry = records.create_entry(conn, encounter["id"], kind, text, created_by=author.user_id,
                                             author=author.user_id, recorded_at=utc_now())
                audit.append(conn, no_faults, audit.Actor(author.user_id, author.username, author.role, None),
                             "create", "success", object_type="entry", object_id=entry.id, detail="seed")
        doctor = by_key["bac_si"]
        claims_seed.seed_samples(conn, audit.Actor(doctor.user_id, doctor.username, doctor.role, None))
