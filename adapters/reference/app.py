"""The reference EMR's Flask application: blueprints, per-request connections, error answers."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from conformance.adapters.reference import (
    audit,
    routes_audit,
    routes_auth,
    routes_clinical,
    routes_confirmations,
    routes_documents,
    routes_entries,
    routes_exports,  # data exports (BHYT claim, CV 365 record)
)
from conformance.adapters.reference.db import write_tx
from conformance.adapters.reference.faults import FaultSet
from conformance.adapters.reference.policy import Policy
from conformance.adapters.reference.web import (
    STATE_KEY,
    ApiError,
    ServerState,
    actor,
    close_conn,
    conn,
    error_body,
    faults,
    json_response,
)

MAX_REQUEST_BYTES = 1024 * 1024

_HTTP_MESSAGES = {
    404: ("Không có tài nguyên này.", "No such resource."),
    405: ("Phương thức không được hỗ trợ cho tài nguyên này.", "Method not allowed for this resource."),
    413: ("Yêu cầu quá lớn.", "The request is too large."),
}


def create_app(db_path: Path, fault_set: FaultSet, lockout_seconds: int = 300) -> Flask:
    app = Flask("hsba_reference_emr")
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[STATE_KEY] = ServerState(Path(db_path), fault_set, Policy(fault_set), lockout_seconds)
    for module in (routes_auth, routes_clinical, routes_entries, routes_audit, routes_exports, routes_documents,
                   routes_confirmations):
        app.register_blueprint(module.bp)
    app.teardown_appcontext(close_conn)

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        if exc.denial is not None:
            d = exc.denial
            c = conn()
            with write_tx(c):
                audit.append(c, faults(), actor(d.user), d.action, "denied", object_type=d.object_type,
                             object_id=d.object_id, detail=d.detail)
        return json_response(error_body(exc.vi, exc.en, **exc.extra), exc.status, exc.headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        vi, en = _HTTP_MESSAGES.get(status, (f"Lỗi HTTP {status}.", f"HTTP error {status}."))
        headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        return json_response(error_body(vi, en), status, headers)

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Response:
        traceback.print_exception(exc, file=sys.stderr)
        return json_response(error_body("Lỗi máy chủ.", "Internal server error."), 500)

    return app


def quiet_request_log() -> None:
    """Keep the per-request lines of the development server off stderr."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
