"""Routes: a patient confirms a record document (OTP, biometrics, a handwritten e-signature on a pad), and the
evidence record kept of each confirmation (TT 13/2025 Đ3).

Người bệnh xác nhận tài liệu bằng OTP, sinh trắc học hoặc chữ ký điện tử; hệ thống lưu bản ghi bằng chứng.
The reference EMR simulates the patient's side (the OTP is "entered back" at once, the fingerprint reader answers
a fixed score); what it keeps is what a real system must keep.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from typing import Any

from flask import Blueprint, Response

from conformance.adapters.reference import document_store, records
from conformance.adapters.reference.db import utc_now, write_tx
from conformance.adapters.reference.routes_clinical import NOT_YOUR_DEPARTMENT, readable_encounter, reader
from conformance.adapters.reference.web import (
    body,
    conn,
    faults,
    forbid,
    invalid,
    json_response,
    not_found,
    policy,
    record,
    require_user,
)

bp = Blueprint("confirmations", __name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS patient_confirmations (
    id TEXT PRIMARY KEY, encounter_id TEXT NOT NULL, document_id TEXT NOT NULL, method TEXT NOT NULL,
    confirmed_by TEXT NOT NULL, confirmed_at TEXT NOT NULL, document_sha256 TEXT, evidence_json TEXT NOT NULL,
    recorded_by TEXT NOT NULL);
"""
METHODS = ("otp", "biometric", "e-signature")


def _evidence(method: str, document_sha256: str, moment: str) -> dict[str, Any]:
    nonce = secrets.token_hex(8)
    if method == "otp":
        otp = f"{secrets.randbelow(10**6):06d}"
        return {"channel": "sms", "destination": "09******68", "transaction_id": f"OTP-{nonce}",
                "otp_sha256": hashlib.sha256(f"{nonce}:{otp}".encode()).hexdigest(), "sent_at": moment,
                "verified_at": moment, "attempts": 1, "bound_to_document_sha256": document_sha256}
    if method == "biometric":
        return {"modality": "fingerprint", "device_id": "FP-READER-TEST-01", "match_score": 0.97, "threshold": 0.9,
                "captured_at": moment, "template_sha256": hashlib.sha256(nonce.encode()).hexdigest(),
                "bound_to_document_sha256": document_sha256}
    return {"capture_device": "SIGNATURE-PAD-TEST-01", "captured_at": moment,
            "signature_data_sha256": hashlib.sha256(nonce.encode()).hexdigest(),
            "bound_to_document_sha256": document_sha256}


def _json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "encounter_id": row["encounter_id"], "document_id": row["document_id"],
            "method": row["method"], "confirmed_by": row["confirmed_by"], "confirmed_at": row["confirmed_at"],
            "document_sha256": row["document_sha256"], "evidence": json.loads(row["evidence_json"]),
            "recorded_by": row["recorded_by"]}


@bp.post("/api/documents/<document_id>/patient-confirmations")
def confirm(document_id: str) -> Response:
    user = require_user("create", "confirmation")
    c = conn()
    c.executescript(SCHEMA)
    document_store.ensure_schema(c)
    doc = document_store.get_document(c, document_id)
    if doc is None:
        not_found("tài liệu", "Document")
    encounter = records.get_encounter(c, doc["encounter_id"])
    if encounter is None or not policy().may_create_entry(user, encounter["department"]):
        forbid(user, "create", "confirmation", document_id, *NOT_YOUR_DEPARTMENT)
    method = body().get("method")
    if method not in METHODS:
        invalid("method", f"Phương thức xác nhận phải là một trong {', '.join(METHODS)}.",
                f"The confirmation method must be one of {', '.join(METHODS)}.")
    patient = records.get_patient(c, encounter["patient_id"])
    moment = utc_now()
    bare = "confirmation-without-evidence" in faults()
    evidence = {} if bare else _evidence(str(method), str(doc["sha256"]), moment)
    row_id = records.new_id("XN")
    with write_tx(c):
        c.execute("INSERT INTO patient_confirmations (id, encounter_id, document_id, method, confirmed_by, "
                  "confirmed_at, document_sha256, evidence_json, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (row_id, encounter["id"], document_id, method,
                   f"patient: {patient['name'] if patient else '?'}", moment, None if bare else doc["sha256"],
                   json.dumps(evidence, ensure_ascii=False), user.id))
        record(user, "create", object_type="confirmation", object_id=row_id, detail=f"{method} {document_id}")
        row = c.execute("SELECT * FROM patient_confirmations WHERE id = ?", (row_id,)).fetchone()
    return json_response(_json(row), 201)


@bp.get("/api/encounters/<encounter_id>/patient-confirmations")
def list_confirmations(encounter_id: str) -> Response:
    user = reader("encounter", encounter_id)
    readable_encounter(user, encounter_id)
    c = conn()
    c.executescript(SCHEMA)
    rows = list(c.execute("SELECT * FROM patient_confirmations WHERE encounter_id = ? ORDER BY confirmed_at",
                          (encounter_id,)))
    with write_tx(c):
        record(user, "read", object_type="encounter", object_id=encounter_id, detail="patient-confirmations")
    return json_response({"confirmations": [_json(r) for r in rows]})
