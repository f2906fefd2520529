"""Routes: one clinical entry — read, versions, edit, cancel, restore, sign; deletion is refused."""

from __future__ import annotations

from flask import Blueprint, Response

from conformance.adapters.reference import records, validate
from conformance.adapters.reference.auth import User
from conformance.adapters.reference.db import write_tx
from conformance.adapters.reference.routes_clinical import NOT_YOUR_DEPARTMENT, reader
from conformance.adapters.reference.web import (
    body,
    conn,
    faults,
    forbid,
    json_response,
    not_found,
    policy,
    record,
    refuse,
    require_user,
)

bp = Blueprint("entries", __name__)


def load(entry_id: str) -> records.EntryRecord:
    entry = records.get_entry(conn(), entry_id)
    if entry is None:
        not_found("nội dung bệnh án", "Entry")
    return entry


def readable(user: User | None, entry_id: str) -> records.EntryRecord:
    entry = load(entry_id)
    if not policy().may_read_department(user, entry.department):
        forbid(user, "read", "entry", entry_id, *NOT_YOUR_DEPARTMENT)
    return entry


@bp.get("/api/entries/<entry_id>")
def get_entry(entry_id: str) -> Response:
    user = reader("entry", entry_id)
    entry = readable(user, entry_id)
    with write_tx(conn()):
        record(user, "read", object_type="entry", object_id=entry_id)
    return json_response(entry.to_json())


@bp.get("/api/entries/<entry_id>/versions")
def get_versions(entry_id: str) -> Response:
    user = reader("entry", entry_id)
    readable(user, entry_id)
    c = conn()
    versions = records.versions_of(c, entry_id)
    with write_tx(c):
        record(user, "read", object_type="entry", object_id=entry_id, detail="versions")
    return json_response({"versions": [v.to_json() for v in versions]})


@bp.put("/api/entries/<entry_id>")
def edit_entry(entry_id: str) -> Response:
    user = require_user("update", "entry", entry_id)
    entry = load(entry_id)
    if not policy().may_edit(user, entry.department, entry.created_by):
        forbid(user, "update", "entry", entry_id, "Chỉ người ghi hoặc trưởng khoa được sửa nội dung này.",
               "Only the author or the head of department may edit this entry.")
    data = body()
    text = validate.required_text(data, "text", limit=validate.MAX_TEXT)
    reason = validate.reason(data, required="edit-without-reason" not in faults())
    if entry.status != "active":
        refuse(409, user, "update", "entry", entry_id, "Nội dung đã hủy; hãy khôi phục trước khi sửa.",
               "The entry is cancelled; restore it before editing.")
    in_place = "overwrite-on-edit" in faults()
    if entry.signed:
        if "edit-signed-entry" not in faults():
            refuse(409, user, "update", "entry", entry_id,
                   "Nội dung đã ký không được sửa; hãy tạo nội dung bổ sung.",
                   "A signed entry cannot be edited; add a new entry (an amendment) instead.")
        in_place = True
    c = conn()
    with write_tx(c):
        fresh = load(entry_id)
        if in_place:
            updated = records.overwrite_version(c, fresh, text=text, author=user.id, reason=reason)
        else:
            updated = records.add_version(c, fresh, text=text, status="active", author=user.id, reason=reason)
        record(user, "update", object_type="entry", object_id=entry_id, detail=f"version {updated.version}")
    return json_response(updated.to_json())


@bp.delete("/api/entries/<entry_id>")
def delete_entry(entry_id: str) -> Response:
    user = require_user("delete", "entry", entry_id)
    entry = load(entry_id)
    if "hard-delete" in faults():
        if not policy().may_delete(user, entry.department, entry.created_by):
            forbid(user, "delete", "entry", entry_id)
        c = conn()
        with write_tx(c):
            records.hard_delete(c, entry_id)
            record(user, "delete", object_type="entry", object_id=entry_id)
        return Response(status=204)
    if not policy().may_read_department(user, entry.department):
        forbid(user, "delete", "entry", entry_id, *NOT_YOUR_DEPARTMENT)
    refuse(405, user, "delete", "entry", entry_id,
           "Không được xóa nội dung bệnh án; hãy dùng chức năng hủy (POST /api/entries/<id>/cancel) kèm lý do.",
           "Entries are never physically deleted; cancel it instead (POST /api/entries/<id>/cancel) with a reason.",
           headers={"Allow": "GET, PUT"})


def _new_status_version(user: User, action: str, entry_id: str, status: str, reason: str | None) -> Response:
    """Cancel or restore: a new version with the same text, the new status and the reason — never in place."""
    c = conn()
    with write_tx(c):
        fresh = load(entry_id)
        updated = records.add_version(c, fresh, text=fresh.text, status=status, author=user.id, reason=reason)
        record(user, action, object_type="entry", object_id=entry_id, detail=f"version {updated.version}")
    return json_response(updated.to_json())


@bp.post("/api/entries/<entry_id>/cancel")
def cancel_entry(entry_id: str) -> Response:
    user = require_user("cancel", "entry", entry_id)
    entry = load(entry_id)
    if not policy().may_cancel(user, entry.department, entry.created_by):
        forbid(user, "cancel", "entry", entry_id, "Chỉ bác sĩ ghi nội dung hoặc trưởng khoa được hủy.",
               "Only the physician who wrote the entry or the head of department may cancel it.")
    reason = validate.reason(body(), required="cancel-without-reason" not in faults())
    if entry.status == "cancelled":
        refuse(409, user, "cancel", "entry", entry_id, "Nội dung đã bị hủy.", "The entry is already cancelled.")
    return _new_status_version(user, "cancel", entry_id, "cancelled", reason)


@bp.post("/api/entries/<entry_id>/restore")
def restore_entry(entry_id: str) -> Response:
    user = require_user("restore", "entry", entry_id)
    entry = load(entry_id)
    if not policy().may_restore(user, entry.department):
        forbid(user, "restore", "entry", entry_id, "Chỉ trưởng khoa được khôi phục nội dung đã hủy.",
               "Only the head of department may restore a cancelled entry.")
    reason = validate.reason(body(), required=True)
    if entry.status != "cancelled":
        refuse(409, user, "restore", "entry", entry_id, "Nội dung chưa bị hủy.", "The entry is not cancelled.")
    return _new_status_version(user, "restore", entry_id, "active", reason)


@bp.post("/api/entries/<entry_id>/sign")
def sign_entry(entry_id: str) -> Response:
    user = require_user("sign", "entry", entry_id)
    entry = load(entry_id)
    if not policy().may_sign(user, entry.department, entry.created_by):
        forbid(user, "sign", "entry", entry_id, "Chỉ người ghi nội dung được ký.",
               "Only the author may sign the entry.")
    if entry.signed:
        refuse(409, user, "sign", "entry", entry_id, "Nội dung đã được ký.", "The entry is already signed.")
    if entry.status != "active":
        refuse(409, user, "sign", "entry", entry_id, "Không ký nội dung đã hủy.", "A cancelled entry cannot be signed.")
    c = conn()
    with write_tx(c):
        updated = records.mark_signed(c, load(entry_id), user.id)
        record(user, "sign", object_type="entry", object_id=entry_id, detail=f"version {updated.version}")
    return json_response(updated.to_json())
