"""The reference EMR's record documents: issued as signed PDFs when first asked for, kept with their metadata.

Tài liệu của hồ sơ: phát hành dạng PDF có chữ ký số khi được yêu cầu lần đầu, lưu kèm siêu dữ liệu và
giá trị băm. The signing order follows the facility's signing policy (the project's default policy file);
the fault switches of the signature topic change what is signed, by whom and in which order.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from conformance.adapters.reference import documents, pdf_signing, records
from conformance.adapters.reference.accounts import ACCOUNTS, DEPARTMENTS
from conformance.adapters.reference.db import utc_now, write_tx
from conformance.adapters.reference.faults import FaultSet
from conformance.signing_policy import FACILITY_ROLE, SigningPolicy, load_policy

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, encounter_id TEXT NOT NULL, doc_type TEXT NOT NULL, title TEXT NOT NULL,
    media_type TEXT NOT NULL, created_at TEXT NOT NULL, author TEXT NOT NULL, sha256 TEXT NOT NULL,
    content_json TEXT NOT NULL, pdf BLOB NOT NULL, UNIQUE (encounter_id, doc_type));
CREATE TABLE IF NOT EXISTS discharges (encounter_id TEXT PRIMARY KEY, discharged_at TEXT NOT NULL, by TEXT NOT NULL);
"""
VN_TIME = timezone(timedelta(hours=7))
LAB_LINES = ("Công thức máu: Bạch cầu 11,2 G/L; Hồng cầu 4,5 T/L; Tiểu cầu 250 G/L.",
             "Sinh hóa máu: Glucose 5,6 mmol/L; Creatinin 80 µmol/L; CRP 24 mg/L.")
FULL_NAMES = {a.role: a.full_name for a in reversed(ACCOUNTS)}


@lru_cache(maxsize=1)
def facility_policy() -> SigningPolicy:
    """The reference facility's signing rules: the project's default policy."""
    return load_policy()


def ensure_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def discharged_at(conn: sqlite3.Connection, encounter_id: str) -> str | None:
    row = conn.execute("SELECT discharged_at FROM discharges WHERE encounter_id = ?", (encounter_id,)).fetchone()
    return str(row["discharged_at"]) if row else None


def discharge(conn: sqlite3.Connection, encounter_id: str, by: str) -> str:
    """Mark an encounter discharged (once); returns the discharge time."""
    existing = discharged_at(conn, encounter_id)
    if existing:
        return existing
    at = utc_now()
    conn.execute("INSERT INTO discharges (encounter_id, discharged_at, by) VALUES (?, ?, ?)", (encounter_id, at, by))
    return at


def meta_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "encounter_id": row["encounter_id"], "doc_type": row["doc_type"], "title": row["title"],
            "media_type": row["media_type"], "created_at": row["created_at"], "author": row["author"],
            "sha256": row["sha256"], "size": len(row["pdf"])}


def documents_of(conn: sqlite3.Connection, encounter_id: str) -> list[sqlite3.Row]:
    return list(conn.execute("SELECT * FROM documents WHERE encounter_id = ? ORDER BY created_at, doc_type",
                             (encounter_id,)))


def get_document(conn: sqlite3.Connection, document_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
    return row


def _signers(doc_type: str, faults: FaultSet) -> list[str]:
    """Who signs, in order: the default policy's rule for the document type, then the fault switches."""
    rule = facility_policy().documents[doc_type]
    who = list(rule.signers) + ([FACILITY_ROLE] if rule.facility_final else [])
    if doc_type == "phieu-dieu-tri" and "wrong-signing-order" in faults:
        who[0], who[1] = who[1], who[0]
    if doc_type == "benh-an-ra-vien" and "no-facility-final-signature" in faults:
        who = [w for w in who if w != FACILITY_ROLE]
    swaps = {"signer-certificate-revoked": ("bac_si", "bac_si_revoked"),
             "signer-certificate-untrusted": ("bac_si", "bac_si_untrusted"),
             "signer-without-title": ("bac_si", "bac_si_no_title")}
    for fault, (role, credential) in swaps.items():
        if fault in faults:
            who = [credential if w == role else w for w in who]
    if doc_type == "phieu-dieu-tri" and "signer-certificate-expired" in faults:
        who = ["dieu_duong_expired" if w == "dieu_duong" else w for w in who]
    return who


def _content(doc_type: str, encounter: sqlite3.Row, patient: sqlite3.Row,
             lines: list[str]) -> documents.DocumentContent:
    policy = facility_policy()
    rule = policy.documents[doc_type]
    labels = tuple(policy.roles[r].title.vi for r in rule.signers) + (("Cơ sở khám bệnh, chữa bệnh",)
                                                                      if rule.facility_final else ())
    return documents.DocumentContent(doc_type, rule.title.vi, str(patient["name"]), str(encounter["id"]),
                                     DEPARTMENTS.get(str(encounter["department"]), str(encounter["department"])),
                                     tuple(lines), labels)


def _issue(content: documents.DocumentContent, faults: FaultSet) -> bytes:
    author = FULL_NAMES["bac_si"]
    if content.doc_type == "phieu-dieu-tri" and "signature-image-only" in faults:
        return documents.render_with_signature_image(content, author)
    pdf = documents.render(content, author)
    if content.doc_type == "phieu-ket-qua-xet-nghiem" and "document-unsigned" in faults:
        return pdf
    steps = [pdf_signing.SignStep(who, f"ChuKy{i + 1}", f"Ký {content.title}")
             for i, who in enumerate(_signers(content.doc_type, faults))]
    signed = pdf_signing.sign_all(pdf, steps)
    if content.doc_type == "phieu-dieu-tri" and "document-modified-after-signing" in faults:
        signed = documents.modify_page_text(signed, "Y lenh da sua sau khi ky")
    return signed


def _wanted(conn: sqlite3.Connection, encounter_id: str) -> list[str]:
    wanted = ["phieu-dieu-tri", "phieu-ket-qua-xet-nghiem"]
    if discharged_at(conn, encounter_id):
        wanted.append("benh-an-ra-vien")
    return wanted


def ensure_documents(conn: sqlite3.Connection, faults: FaultSet, encounter_id: str) -> list[sqlite3.Row]:
    """Issue the documents the encounter should have by now (signing happens outside any transaction)."""
    ensure_schema(conn)
    have = {r["doc_type"] for r in documents_of(conn, encounter_id)}
    missing = [t for t in _wanted(conn, encounter_id) if t not in have]
    if missing:
        encounter = records.get_encounter(conn, encounter_id)
        assert encounter is not None
        patient = records.get_patient(conn, encounter["patient_id"])
        assert patient is not None
        notes = [f"{e.kind}: {e.text}" for e in records.entries_of(conn, encounter_id) if e.status == "active"]
        issued = []
        for doc_type in missing:
            lines = {"phieu-dieu-tri": notes or ["(chưa có diễn biến)"],
                     "phieu-ket-qua-xet-nghiem": list(LAB_LINES),
                     "benh-an-ra-vien": [*notes, *LAB_LINES, "Tình trạng ra viện: ổn định, cho ra viện."]}[doc_type]
            content = _content(doc_type, encounter, patient, lines)
            pdf = _issue(content, faults)
            issued.append((records.new_id("DOC"), doc_type, content, pdf))
        with write_tx(conn):
            for doc_id, doc_type, content, pdf in issued:
                conn.execute(
                    "INSERT OR IGNORE INTO documents (id, encounter_id, doc_type, title, media_type, created_at, "
                    "author, sha256, content_json, pdf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc_id, encounter_id, doc_type, content.title, "application/pdf", utc_now(),
                     FULL_NAMES["bac_si"], hashlib.sha256(pdf).hexdigest(),
                     json.dumps(asdict(content), ensure_ascii=False), pdf))
    return documents_of(conn, encounter_id)


def printed_copy(row: sqlite3.Row, faults: FaultSet, converter: str) -> bytes:
    """The copy for printing, with the conversion mark (unless the fault leaves it out)."""
    data = json.loads(row["content_json"])
    data["lines"] = tuple(data["lines"])
    data["signature_lines"] = tuple(data["signature_lines"])
    content = documents.DocumentContent(**data)
    mark = None if "print-without-conversion-mark" in faults else documents.ConversionMark(
        lookup_code=f"{row['id']}-{row['sha256'][:8].upper()}",
        converted_at=datetime.now(VN_TIME).strftime("%d/%m/%Y %H:%M (+07:00)"), converter=converter)
    return documents.render_printed_copy(content, str(row["author"]), mark)
