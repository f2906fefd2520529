"""Routes: an encounter's record documents (signed PDFs), their printed copies, and discharge."""

from __future__ import annotations

import sqlite3

from flask import Blueprint, Response

from conformance.adapters.reference import document_store, records
from conformance.adapters.reference.auth import User
from conformance.adapters.reference.db import write_tx
from conformance.adapters.reference.routes_clinical import NOT_YOUR_DEPARTMENT, readable_encounter, reader
from conformance.adapters.reference.web import (
    conn,
    faults,
    forbid,
    json_response,
    not_found,
    policy,
    record,
    require_user,
)

bp = Blueprint("documents", __name__)

DISCHARGING_ROLES = frozenset({"bac_si", "truong_khoa"})


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.post("/api/encounters/<encounter_id>/discharge")
def discharge(encounter_id: str) -> Response:
    user = require_user("update", "encounter", encounter_id)
    c = conn()
    encounter = records.get_encounter(c, encounter_id)
    if encounter is None:
        not_found("đợt điều trị", "Encounter")
    if not (policy().role_in(user, DISCHARGING_ROLES) and policy().in_scope(user, encounter["department"])):
        forbid(user, "update", "encounter", encounter_id, "Tài khoản này không được cho người bệnh ra viện.",
               "This account may not discharge patients.")
    document_store.ensure_schema(c)
    with write_tx(c):
        at = document_store.discharge(c, encounter_id, user.id)
        record(user, "update", object_type="encounter", object_id=encounter_id, detail="discharge")
    return json_response({**records.encounter_json(encounter), "discharged_at": at})


@bp.get("/api/encounters/<encounter_id>/documents")
def list_documents(encounter_id: str) -> Response:
    user = reader("encounter", encounter_id)
    readable_encounter(user, encounter_id)
    c = conn()
    rows = document_store.ensure_documents(c, faults(), encounter_id)
    with write_tx(c):
        record(user, "read", object_type="encounter", object_id=encounter_id, detail="documents")
    return json_response({"documents": [document_store.meta_json(r) for r in rows]})


def _readable_document(document_id: str) -> tuple[User | None, sqlite3.Row]:
    user = reader("document", document_id)
    c = conn()
    document_store.ensure_schema(c)
    row = document_store.get_document(c, document_id)
    if row is None:
        not_found("tài liệu", "Document")
    encounter = records.get_encounter(c, row["encounter_id"])
    if encounter is None or not policy().may_read_department(user, encounter["department"]):
        forbid(user, "read", "document", document_id, *NOT_YOUR_DEPARTMENT)
    return user, row


@bp.get("/api/documents/<document_id>")
def get_document(document_id: str) -> Response:
    user, row = _readable_document(document_id)
    with write_tx(conn()):
        record(user, "read", object_type="document", object_id=document_id)
    return _pdf(bytes(row["pdf"]), f"{document_id}.pdf")


@bp.get("/api/documents/<document_id>/print")
def print_document(document_id: str) -> Response:
    user, row = _readable_document(document_id)
    converter = user.full_name if user is not None else "(ẩn danh / anonymous)"
    data = document_store.printed_copy(row, faults(), converter)
    with write_tx(conn()):
        record(user, "read", object_type="document", object_id=document_id, detail="print")
    return _pdf(data, f"{document_id}-ban-in.pdf")
