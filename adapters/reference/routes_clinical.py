"""Routes: patients and encounters (and creating / listing an encounter's entries)."""

from __future__ import annotations

import sqlite3

from flask import Blueprint, Response, request

from conformance.adapters.reference import faulty_input, records, validate
from conformance.adapters.reference.auth import User
from conformance.adapters.reference.db import to_utc_text, utc_now, write_tx
from conformance.adapters.reference.web import (
    ApiError,
    authenticate,
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

bp = Blueprint("clinical", __name__)

NOT_YOUR_DEPARTMENT = ("Hồ sơ này thuộc khoa khác; tài khoản không có quyền truy cập.",
                       "This record belongs to another department; this account may not access it.")


def reader(object_type: str, object_id: str | None) -> User | None:
    """The caller of a clinical read (None: anonymous, only with the open-read fault); 403 for roles that
    may not read clinical data at all."""
    user = authenticate("read", object_type, object_id, open_read=True)
    if not policy().may_read_clinical(user):
        forbid(user, "read", object_type, object_id, "Vai trò này không được đọc dữ liệu lâm sàng.",
               "This role may not read clinical data.")
    return user


def readable_encounter(user: User | None, encounter_id: str) -> sqlite3.Row:
    row = records.get_encounter(conn(), encounter_id)
    if row is None:
        not_found("đợt điều trị", "Encounter")
    if not policy().may_read_department(user, row["department"]):
        forbid(user, "read", "encounter", encounter_id, *NOT_YOUR_DEPARTMENT)
    return row


# patients ----------------------------------------------------------------------------------------
@bp.post("/api/patients")
def create_patient() -> Response:
    user = require_user("create", "patient")
    if not policy().may_create_patient(user):
        forbid(user, "create", "patient", None)
    data = body()
    unchecked_id, crashy_date = "national-id-unchecked" in faults(), "crash-on-bad-date" in faults()
    national_id = faulty_input.any_national_id(data) if unchecked_id else validate.national_id(data)
    name = validate.required_text(data, "name")
    birth = faulty_input.birth_date_unguarded(data) if crashy_date else validate.birth_date(data)
    sex = validate.sex(data)
    c = conn()
    with write_tx(c):
        if "duplicate-patient" not in faults() and records.national_id_taken(c, national_id):
            raise ApiError(409, "Đã có bệnh nhân với số định danh này.",
                           "A patient with this national identification number already exists.")
        patient = records.create_patient(c, national_id, name.strip(), birth, sex, user.id)
        record(user, "create", object_type="patient", object_id=patient["id"])
    return json_response(patient, 201, {"Location": f"/api/patients/{patient['id']}"})


@bp.get("/api/patients/<patient_id>")
def get_patient(patient_id: str) -> Response:
    user = reader("patient", patient_id)
    c = conn()
    row = records.get_patient(c, patient_id)
    if row is None:
        not_found("bệnh nhân", "Patient")
    if not policy().may_read_patient(user, records.patient_departments(c, patient_id)):
        forbid(user, "read", "patient", patient_id, *NOT_YOUR_DEPARTMENT)
    with write_tx(c):
        record(user, "read", object_type="patient", object_id=patient_id)
    return json_response(records.patient_json(row))


@bp.get("/api/patients")
def find_patients() -> Response:
    user = reader("patient", None)
    national_id = request.args.get("national_id")
    if not national_id:
        invalid("national_id", "Cần tham số national_id.", "The national_id parameter is required.")
    c = conn()
    found = [r for r in records.find_patients(c, national_id)
             if policy().may_read_patient(user, records.patient_departments(c, r["id"]))]
    with write_tx(c):
        for row in found:
            record(user, "read", object_type="patient", object_id=row["id"], detail="search")
    return json_response({"patients": [records.patient_json(r) for r in found]})


# encounters --------------------------------------------------------------------------------------
@bp.post("/api/encounters")
def create_encounter() -> Response:
    user = require_user("create", "encounter")
    data = body()
    patient_id = validate.required_text(data, "patient_id", limit=64)
    department = validate.code(data, "department")
    kind = validate.code(data, "kind") if data.get("kind") is not None else "noi-tru"
    c = conn()
    if not records.department_exists(c, department):
        invalid("department", f"Không có khoa '{department}'.", f"There is no department '{department}'.")
    if not policy().may_create_encounter(user, department):
        forbid(user, "create", "encounter", None)
    with write_tx(c):
        if records.get_patient(c, patient_id) is None:
            invalid("patient_id", "Không có bệnh nhân này.", "There is no such patient.")
        encounter = records.create_encounter(c, patient_id, department, kind, user.id)
        record(user, "create", object_type="encounter", object_id=encounter["id"])
    return json_response(encounter, 201, {"Location": f"/api/encounters/{encounter['id']}"})


@bp.get("/api/encounters/<encounter_id>")
def get_encounter(encounter_id: str) -> Response:
    user = reader("encounter", encounter_id)
    row = readable_encounter(user, encounter_id)
    with write_tx(conn()):
        record(user, "read", object_type="encounter", object_id=encounter_id)
    return json_response(records.encounter_json(row))


@bp.get("/api/encounters/<encounter_id>/entries")
def list_entries(encounter_id: str) -> Response:
    user = reader("encounter", encounter_id)
    readable_encounter(user, encounter_id)
    c = conn()
    entries = records.entries_of(c, encounter_id)
    with write_tx(c):
        record(user, "read", object_type="encounter", object_id=encounter_id, detail="entries")
        for entry in entries:
            record(user, "read", object_type="entry", object_id=entry.id, detail="list")
    listed = [e.to_json() for e in entries]
    if "list-omits-author" in faults():
        listed = [{k: val for k, val in e.items() if k not in ("author", "recorded_at")} for e in listed]
    return json_response({"entries": listed})


@bp.post("/api/encounters/<encounter_id>/entries")
def create_entry(encounter_id: str) -> Response:
    user = require_user("create", "entry")
    c = conn()
    encounter = records.get_encounter(c, encounter_id)
    if encounter is None:
        not_found("đợt điều trị", "Encounter")
    if not policy().may_create_entry(user, encounter["department"]):
        forbid(user, "create", "entry", None)
    data = body()
    kind = validate.code(data, "kind")
    text = validate.required_text(data, "text", limit=validate.MAX_TEXT)
    recorded_at, author = utc_now(), user.id
    if "client-supplied-time" in faults():
        client_time = validate.moment(data.get("recorded_at"))
        recorded_at = to_utc_text(client_time) if client_time else recorded_at
        client_author = data.get("author")
        author = client_author[:64] if isinstance(client_author, str) and client_author else author
    with write_tx(c):
        entry = records.create_entry(c, encounter_id, kind, text, created_by=user.id, author=author,
                                     recorded_at=recorded_at)
        record(user, "create", object_type="entry", object_id=entry.id)
    return json_response(entry.to_json(), 201, {"Location": f"/api/entries/{entry.id}"})
