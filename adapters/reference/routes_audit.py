"""Routes: the audit log — readable by the director and the IT administrator, never changeable."""

from __future__ import annotations

from flask import Blueprint, Response, request

from conformance.adapters.reference import audit, validate
from conformance.adapters.reference.db import to_utc_text, write_tx
from conformance.adapters.reference.web import (
    body,
    conn,
    faults,
    forbid,
    invalid,
    json_response,
    not_found,
    record,
    refuse,
    require_user,
)
from conformance.adapters.reference.web import policy as access_policy

bp = Blueprint("audit", __name__)

APPEND_ONLY = ("Nhật ký chỉ được ghi thêm; không sửa, không xóa.",
               "The audit log is append-only: no edits, no deletions.")


@bp.get("/api/audit")
def list_events() -> Response:
    user = require_user("read", "audit")
    if not access_policy().may_read_audit(user):
        forbid(user, "read", "audit", None, "Chỉ giám đốc và quản trị hệ thống được xem nhật ký.",
               "Only the director and the IT administrator may read the audit log.")
    since_text = request.args.get("since")
    since = None
    if since_text:
        moment = validate.moment(since_text)
        if moment is None:
            invalid("since", "Tham số since phải là thời điểm ISO 8601.", "since must be an ISO 8601 time.")
        since = to_utc_text(moment)
    object_id = request.args.get("object_id") or None
    who = request.args.get("user") or None
    c = conn()
    with write_tx(c):
        events = audit.query(c, object_id=object_id, user=who, since=since)
        filters = ", ".join(f"{k}={v}" for k, v in (("object_id", object_id), ("user", who), ("since", since)) if v)
        record(user, "read", object_type="audit", detail=filters or None)
    return json_response({"events": events})


@bp.put("/api/audit/<event_id>")
def update_event(event_id: str) -> Response:
    user = require_user("update", "audit", event_id)
    if "audit-mutable" in faults() and user.role == "quan_tri":
        changes = body()
        c = conn()
        with write_tx(c):
            if audit.get(c, event_id) is None:
                not_found("sự kiện nhật ký", "Audit event")
            audit.tamper_update(c, event_id, changes)
            record(user, "update", object_type="audit", object_id=event_id)
            event = audit.get(c, event_id)
        return json_response(event)
    refuse(405, user, "update", "audit", event_id, *APPEND_ONLY, headers={"Allow": "GET"})


@bp.delete("/api/audit/<event_id>")
def delete_event(event_id: str) -> Response:
    user = require_user("delete", "audit", event_id)
    if "audit-mutable" in faults() and user.role == "quan_tri":
        c = conn()
        with write_tx(c):
            if audit.get(c, event_id) is None:
                not_found("sự kiện nhật ký", "Audit event")
            audit.tamper_delete(c, event_id)
            record(user, "delete", object_type="audit", object_id=event_id)
        return Response(status=204)
    refuse(405, user, "delete", "audit", event_id, *APPEND_ONLY, headers={"Allow": "GET"})


@bp.get("/api/audit/<event_id>")
def get_event(event_id: str) -> Response:
    user = require_user("read", "audit", event_id)
    if not access_policy().may_read_audit(user):
        forbid(user, "read", "audit", event_id)
    c = conn()
    event = audit.get(c, event_id)
    if event is None:
        not_found("sự kiện nhật ký", "Audit event")
    with write_tx(c):
        record(user, "read", object_type="audit", object_id=event_id)
    return json_response(event)
