"""Routes: temporary identities, the end of an encounter and its retention, electronic prescriptions.

Danh tính tạm thời, kết thúc đợt điều trị và thời hạn lưu trữ, đơn thuốc điện tử.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
from typing import Any

from flask import Blueprint, Flask, Response

from conformance.adapters.reference import access_windows, records, retention, validate
from conformance.adapters.reference.accounts import FACILITY_CODE
from conformance.adapters.reference.auth import User
from conformance.adapters.reference.db import utc_now, write_tx
from conformance.adapters.reference.routes_clinical import readable_encounter, reader
from conformance.adapters.reference.web import (
    ApiError,
    body,
    conn,
    faults,
    forbid,
    invalid,
    json_response,
    not_found,
    policy,
    record,
    refuse,
    require_user,
)

bp = Blueprint("live", __name__)

TEMPORARY_KINDS = frozenset({"newborn", "unknown"})
PRESCRIPTION_KINDS = frozenset({"N", "H", "C", "T"})
PRESCRIBERS = frozenset({"bac_si", "truong_khoa"})
CODE_ALPHABET = string.ascii_lowercase + string.digits


def register(app: Flask) -> None:
    app.register_blueprint(bp)


# temporary identities ------------------------------------------------------------------------------
def _patient(c: sqlite3.Connection, patient_id: str) -> dict[str, Any]:
    row = records.get_patient(c, patient_id)
    assert row is not None
    out = records.patient_json(row)
    temp = c.execute("SELECT kind FROM temporary_identities WHERE patient_id = ?", (patient_id,)).fetchone()
    out["temporary_kind"] = temp["kind"] if temp and out["temporary"] else None
    out["birth_date"] = out["birth_date"] or None
    return out


@bp.post("/api/patients/temporary")
def create_temporary_patient() -> Response:
    user = require_user("create", "patient")
    if not policy().may_create_patient(user):
        forbid(user, "create", "patient", None)
    if "no-temporary-identity" in faults():
        invalid("national_id", "Số định danh cá nhân là bắt buộc.", "The national identification number is required.")
    data = body()
    kind = data.get("kind")
    if kind not in TEMPORARY_KINDS:
        invalid("kind", "kind phải là 'newborn' hoặc 'unknown'.", "kind must be 'newborn' or 'unknown'.")
    name = validate.required_text(data, "name")
    birth = validate.birth_date(data) if data.get("birth_date") is not None else ""
    sex = validate.sex(data)
    c = conn()
    with write_tx(c):
        pid = records.new_id("pt")
        now = utc_now()
        c.execute("INSERT INTO patients (id, national_id, name, birth_date, sex, created_at, created_by) "
                  "VALUES (?, NULL, ?, ?, ?, ?, ?)", (pid, name.strip(), birth, sex, now, user.id))
        c.execute("INSERT INTO temporary_identities (patient_id, kind, created_at) VALUES (?, ?, ?)", (pid, kind, now))
        record(user, "create", object_type="patient", object_id=pid, detail=f"temporary identity ({kind})")
        out = _patient(c, pid)
    return json_response(out, 201, {"Location": f"/api/patients/{pid}"})


@bp.post("/api/patients/<patient_id>/national-id")
def assign_national_id(patient_id: str) -> Response:
    user = require_user("update", "patient", patient_id)
    if not policy().may_create_patient(user):
        forbid(user, "update", "patient", patient_id)
    data = body()
    national_id = validate.national_id(data)
    reason = validate.reason(data, required=True)
    c = conn()
    with write_tx(c):
        row = records.get_patient(c, patient_id)
        if row is None:
            not_found("bệnh nhân", "Patient")
        if row["national_id"] is not None:
            raise ApiError(409, "Bệnh nhân đã có số định danh.", "The patient already has a national id.")
        if records.national_id_taken(c, national_id):
            raise ApiError(409, "Số định danh đã thuộc về bệnh nhân khác; cần gộp hồ sơ theo quy trình.",
                           "The national id belongs to another patient; the records must be merged by procedure.")
        c.execute("UPDATE patients SET national_id = ? WHERE id = ?", (national_id, patient_id))
        c.execute("UPDATE temporary_identities SET linked_at = ?, linked_by = ?, link_reason = ? WHERE patient_id = ?",
                  (utc_now(), user.id, reason, patient_id))
        record(user, "update", object_type="patient", object_id=patient_id, detail="national id assigned")
        out = _patient(c, patient_id)
    return json_response(out)


# end of an encounter and retention -----------------------------------------------------------------
def _retention_json(row: sqlite3.Row | None) -> dict[str, Any]:
    if row is None:
        return {"record_class": None, "period_years": None, "retain_until": None, "ended_at": None}
    return {"record_class": row["record_class"], "period_years": row["period_years"],
            "retain_until": row["retain_until"], "ended_at": row["ended_at"][:10], "outcome": row["outcome"],
            "destroyed_at": row["destroyed_at"]}


def _ending(c: sqlite3.Connection, encounter_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = c.execute("SELECT * FROM encounter_endings WHERE encounter_id = ?",
                                        (encounter_id,)).fetchone()
    return row


@bp.post("/api/encounters/<encounter_id>/end")
def end_encounter(encounter_id: str) -> Response:
    user = require_user("update", "encounter", encounter_id)
    c = conn()
    enc = records.get_encounter(c, encounter_id)
    if enc is None:
        not_found("đợt điều trị", "Encounter")
    if not policy().may_create_entry(user, enc["department"]):
        forbid(user, "update", "encounter", encounter_id)
    outcome = body().get("outcome")
    if outcome not in retention.OUTCOMES:
        invalid("outcome", f"outcome phải là một trong {sorted(retention.OUTCOMES)}.",
                f"outcome must be one of {sorted(retention.OUTCOMES)}.")
    with write_tx(c):
        if _ending(c, encounter_id) is not None:
            raise ApiError(409, "Đợt điều trị đã kết thúc.", "The encounter has already ended.")
        now = utc_now()
        klass, years, until = retention.schedule(enc["kind"], str(outcome), int(now[:4]),
                                                 short_death="retention-too-short" in faults())
        c.execute("INSERT INTO encounter_endings (encounter_id, outcome, ended_at, ended_by, record_class, "
                  "period_years, retain_until) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (encounter_id, outcome, now, user.id, klass, years, until))
        record(user, "update", object_type="encounter", object_id=encounter_id, detail=f"ended: {outcome}")
    return json_response({**records.encounter_json(enc), "ended": True, "outcome": outcome})


@bp.get("/api/encounters/<encounter_id>/retention")
def get_retention(encounter_id: str) -> Response:
    user = reader("encounter", encounter_id)
    readable_encounter(user, encounter_id)
    c = conn()
    with write_tx(c):
        record(user, "read", object_type="encounter", object_id=encounter_id, detail="retention")
    return json_response(_retention_json(_ending(c, encounter_id)))


@bp.post("/api/encounters/<encounter_id>/destroy")
def destroy_record(encounter_id: str) -> Response:
    user = require_user("delete", "encounter", encounter_id)
    if user.role != "giam_doc":
        forbid(user, "delete", "encounter", encounter_id, "Chỉ giám đốc quyết định hủy hồ sơ.",
               "Only the director decides to destroy a record.")
    validate.reason(body(), required=True)
    c = conn()
    if records.get_encounter(c, encounter_id) is None:
        not_found("đợt điều trị", "Encounter")
    ending = _ending(c, encounter_id)
    today = utc_now()[:10]
    due = ending is not None and ending["retain_until"] is not None and ending["retain_until"] < today
    if not due and "destroy-before-retention" not in faults():
        refuse(409, user, "delete", "encounter", encounter_id,
               "Chưa hết thời hạn lưu trữ: không được hủy hồ sơ.",
               "The retention period has not ended: the record must not be destroyed.")
    with write_tx(c):
        retention.destroy(c, encounter_id)
        record(user, "delete", object_type="encounter", object_id=encounter_id, detail="destroyed")
    return Response(status=204)


# prescriptions ----------------------------------------------------------------------------------------
def _prescription_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "code": row["code"], "encounter_id": row["encounter_id"], "kind": row["kind"],
            "status": row["status"], "items": json.loads(row["items"]), "created_by": row["created_by"],
            "created_at": row["created_at"], "sent_at": row["sent_at"], "version": row["version"]}


def _items(data: dict[str, Any]) -> list[dict[str, Any]]:
    items = data.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 50:
        invalid("items", "items phải là danh sách 1–50 thuốc.", "items must be a list of 1–50 drugs.")
    out: list[dict[str, Any]] = []
    assert isinstance(items, list)
    for item in items:
        if not isinstance(item, dict):
            invalid("items", "Mỗi thuốc là một đối tượng.", "Each drug must be an object.")
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 10000:
            invalid("items", "quantity phải là số nguyên 1–10000.", "quantity must be an integer 1–10000.")
        out.append({"drug": validate.required_text(item, "drug"), "dose": validate.required_text(item, "dose"),
                    "quantity": quantity})
    return out


def _new_code(kind: str) -> str:
    random_part = "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))
    if "bad-prescription-code" in faults():
        return f"{FACILITY_CODE}{random_part}{kind}"
    return f"{FACILITY_CODE}{random_part}-{kind}"


def _own_prescription(user: User, prescription_id: str, action: str) -> sqlite3.Row:
    c = conn()
    found: sqlite3.Row | None = c.execute("SELECT * FROM prescriptions WHERE id = ?", (prescription_id,)).fetchone()
    if found is None:
        not_found("đơn thuốc", "Prescription")
    assert found is not None
    row: sqlite3.Row = found
    enc = records.get_encounter(c, row["encounter_id"])
    if enc is None or not policy().may_read_department(user, enc["department"]):
        forbid(user, action, "prescription", prescription_id)
    if action != "read" and row["created_by"] != user.id:
        forbid(user, action, "prescription", prescription_id, "Chỉ bác sĩ kê đơn được sửa hoặc gửi đơn.",
               "Only the prescribing doctor may edit or send the prescription.")
    return row


@bp.post("/api/encounters/<encounter_id>/prescriptions")
def create_prescription(encounter_id: str) -> Response:
    user = require_user("create", "prescription")
    c = conn()
    enc = records.get_encounter(c, encounter_id)
    if enc is None:
        not_found("đợt điều trị", "Encounter")
    if user.role not in PRESCRIBERS or not policy().may_create_entry(user, enc["department"]):
        forbid(user, "create", "prescription", None)
    data = body()
    kind = data.get("kind")
    if kind not in PRESCRIPTION_KINDS:
        invalid("kind", "Loại đơn phải là N, H, C hoặc T.", "The prescription type must be N, H, C or T.")
    items = _items(data)
    with write_tx(c):
        pid = records.new_id("rx")
        c.execute("INSERT INTO prescriptions (id, code, encounter_id, kind, status, items, created_by, created_at) "
                  "VALUES (?, ?, ?, ?, 'draft', ?, ?, ?)",
                  (pid, _new_code(str(kind)), encounter_id, kind, json.dumps(items, ensure_ascii=False), user.id,
                   utc_now()))
        record(user, "create", object_type="prescription", object_id=pid)
        row = c.execute("SELECT * FROM prescriptions WHERE id = ?", (pid,)).fetchone()
    return json_response(_prescription_json(row), 201, {"Location": f"/api/prescriptions/{pid}"})


@bp.get("/api/prescriptions/<prescription_id>")
def get_prescription(prescription_id: str) -> Response:
    user = require_user("read", "prescription", prescription_id)
    row = _own_prescription(user, prescription_id, "read")
    with write_tx(conn()):
        record(user, "read", object_type="prescription", object_id=prescription_id)
    return json_response(_prescription_json(row))


@bp.put("/api/prescriptions/<prescription_id>")
def edit_prescription(prescription_id: str) -> Response:
    user = require_user("update", "prescription", prescription_id)
    row = _own_prescription(user, prescription_id, "update")
    data = body()
    items = _items(data)
    validate.reason(data, required=True)
    if row["status"] == "sent" and "edit-sent-prescription" not in faults():
        refuse(409, user, "update", "prescription", prescription_id,
               "Đơn thuốc đã gửi lên hệ thống đơn thuốc quốc gia: không được sửa.",
               "The prescription has been sent to the national prescription system: it cannot be edited.")
    c = conn()
    with write_tx(c):
        c.execute("UPDATE prescriptions SET items = ?, version = version + 1 WHERE id = ?",
                  (json.dumps(items, ensure_ascii=False), prescription_id))
        record(user, "update", object_type="prescription", object_id=prescription_id)
        row = c.execute("SELECT * FROM prescriptions WHERE id = ?", (prescription_id,)).fetchone()
    return json_response(_prescription_json(row))


@bp.post("/api/prescriptions/<prescription_id>/send")
def send_prescription(prescription_id: str) -> Response:
    user = require_user("send", "prescription", prescription_id)
    row = _own_prescription(user, prescription_id, "send")
    if row["status"] == "sent":
        raise ApiError(409, "Đơn thuốc đã được gửi.", "The prescription has already been sent.")
    c = conn()
    with write_tx(c):
        c.execute("UPDATE prescriptions SET status = 'sent', sent_at = ? WHERE id = ?", (utc_now(), prescription_id))
        record(user, "send", object_type="prescription", object_id=prescription_id)
        row = c.execute("SELECT * FROM prescriptions WHERE id = ?", (prescription_id,)).fetchone()
    return json_response(_prescription_json(row))


# access hours -------------------------------------------------------------------------------------------
@bp.put("/api/users/<user_id>/access-window")
def set_access_window(user_id: str) -> Response:
    """Set an account's access hours (UTC ``HH:MM``, [start, end)); the IT administrator only."""
    admin = require_user("update", "user", user_id)
    if admin.role != "quan_tri":
        forbid(admin, "update", "user", user_id)
    data = body()
    start, end = access_windows.parse_hhmm(data.get("start")), access_windows.parse_hhmm(data.get("end"))
    if start is None or end is None or start == end:
        invalid("start", "start và end phải là giờ HH:MM (UTC) khác nhau.",
                "start and end must be distinct HH:MM (UTC).")
    c = conn()
    with write_tx(c):
        if c.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone() is None:
            not_found("tài khoản", "User")
        c.execute("INSERT OR REPLACE INTO access_windows (user_id, start_minute, end_minute, set_by, set_at) "
                  "VALUES (?, ?, ?, ?, ?)", (user_id, start, end, admin.id, utc_now()))
        record(admin, "update", object_type="user", object_id=user_id, detail=f"access window {data['start']}-"
               f"{data['end']} UTC")
    return json_response({"user_id": user_id, "start": data["start"], "end": data["end"], "timezone": "UTC"})


@bp.delete("/api/users/<user_id>/access-window")
def clear_access_window(user_id: str) -> Response:
    admin = require_user("update", "user", user_id)
    if admin.role != "quan_tri":
        forbid(admin, "update", "user", user_id)
    c = conn()
    with write_tx(c):
        c.execute("DELETE FROM access_windows WHERE user_id = ?", (user_id,))
        record(admin, "update", object_type="user", object_id=user_id, detail="access window removed")
    return Response(status=204)
