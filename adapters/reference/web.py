"""What every route of the reference EMR shares: server state, the request's database connection,
authentication, refusals (audited) and JSON bodies."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from flask import Response, current_app, g, jsonify, request

from conformance.adapters.reference import access_windows, audit
from conformance.adapters.reference.auth import User, resolve_token
from conformance.adapters.reference.db import connect
from conformance.adapters.reference.faults import FaultSet
from conformance.adapters.reference.policy import Policy

STATE_KEY = "hsba_reference"


@dataclass(frozen=True)
class ServerState:
    db_path: Path
    faults: FaultSet
    policy: Policy
    lockout_seconds: int


def state() -> ServerState:
    st: ServerState = current_app.extensions[STATE_KEY]
    return st


def faults() -> FaultSet:
    return state().faults


def policy() -> Policy:
    return state().policy


def conn() -> sqlite3.Connection:
    """The request's own connection (opened on first use, closed when the request ends)."""
    if "db" not in g:
        g.db = connect(state().db_path)
    c: sqlite3.Connection = g.db
    return c


def close_conn(_exc: BaseException | None = None) -> None:
    c = g.pop("db", None)
    if c is not None:
        c.close()


@dataclass(frozen=True)
class Denial:
    """An audit event to append (in its own transaction) when a request is refused: ``denied`` for an
    access-control refusal (401/403), the attempted action for a refusal by the record-keeping rules."""

    user: User | None
    action: str
    object_type: str | None
    object_id: str | None
    detail: str | None


class ApiError(Exception):
    """An error answer ``{"error": {"vi", "en"}}``; ``denial`` is audited before answering."""

    def __init__(self, status: int, vi: str, en: str, *, denial: Denial | None = None,
                 headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(en)
        self.status = status
        self.vi = vi
        self.en = en
        self.denial = denial
        self.headers = headers or {}
        self.extra = extra or {}


def error_body(vi: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"vi": vi, "en": en}, **extra}


def actor(user: User | None) -> audit.Actor:
    source = request.remote_addr if request else None
    if user is None:
        return audit.Actor(None, None, None, source)
    return audit.Actor(user.id, user.username, user.role, source)


def record(user: User | None, action: str, *, object_type: str | None = None, object_id: str | None = None,
           outcome: str = "success", detail: str | None = None) -> None:
    """Append an audit event; the caller holds the write transaction of the change it records."""
    audit.append(conn(), faults(), actor(user), action, outcome, object_type=object_type, object_id=object_id,
                 detail=detail)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        if not header and "token-in-url" in faults():
            return request.args.get("access_token") or None
        return None
    return token.strip()


def authenticate(attempted: str, object_type: str | None = None, object_id: str | None = None, *,
                 open_read: bool = False) -> User | None:
    """The caller's account. Without valid credentials: 401 (audited as ``denied``), unless this is a
    read and the ``open-read`` fault lets anonymous reads through (then None)."""
    check = resolve_token(conn(), bearer_token())
    if check.user is not None:
        if not access_windows.allowed_now(conn(), check.user.id) and "no-access-window" not in faults():
            raise ApiError(403, "Ngoài khung giờ được phép truy cập của tài khoản.",
                           "Outside the account's permitted access hours.",
                           denial=Denial(check.user, "denied", object_type, object_id, f"{attempted}: outside hours"))
        return check.user
    if open_read and "open-read" in faults():
        return None
    raise ApiError(401, "Cần đăng nhập (thiếu mã phiên hoặc mã phiên không còn hiệu lực).",
                   "Authentication required (no token, or the token is no longer valid).",
                   denial=Denial(check.known_user, "denied", object_type, object_id, f"{attempted}: unauthenticated"),
                   headers={"WWW-Authenticate": 'Bearer realm="hsba-reference"'})


def require_user(attempted: str, object_type: str | None = None, object_id: str | None = None) -> User:
    user = authenticate(attempted, object_type, object_id)
    assert user is not None
    return user


def forbid(user: User | None, attempted: str, object_type: str | None, object_id: str | None,
           vi: str = "Tài khoản này không có quyền thực hiện thao tác.",
           en: str = "This account is not allowed to do this.") -> NoReturn:
    raise ApiError(403, vi, en, denial=Denial(user, "denied", object_type, object_id, f"{attempted}: forbidden"))


def refuse(status: int, user: User | None, action: str, object_type: str, object_id: str | None, vi: str, en: str,
           *, headers: dict[str, str] | None = None) -> NoReturn:
    """A refusal by the record-keeping rules (not by access control): audited as ``action`` / ``denied``."""
    raise ApiError(status, vi, en, denial=Denial(user, action, object_type, object_id, f"refused-{status}"),
                   headers=headers)


def not_found(what_vi: str, what_en: str) -> NoReturn:
    raise ApiError(404, f"Không tìm thấy {what_vi}.", f"{what_en} not found.")


def invalid(field: str, vi: str, en: str) -> NoReturn:
    raise ApiError(422, vi, en, extra={"field": field})


def body() -> dict[str, Any]:
    """The request's JSON object (400 when unreadable, 422 when not an object)."""
    data = request.get_json(silent=True, force=True)
    if data is None:
        raise ApiError(400, "Nội dung yêu cầu phải là JSON hợp lệ.", "The request body must be valid JSON.")
    if not isinstance(data, dict):
        invalid("", "Nội dung yêu cầu phải là một đối tượng JSON.", "The request body must be a JSON object.")
    return data


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(data)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
