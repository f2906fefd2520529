"""Routes: login, logout, the caller's identity, and what the server offers."""

from __future__ import annotations

from flask import Blueprint, Response

import conformance
from conformance.adapters.reference import auth
from conformance.adapters.reference.accounts import REFERENCE_NAME
from conformance.adapters.reference.audit import clean
from conformance.adapters.reference.db import write_tx
from conformance.adapters.reference.web import (
    ApiError,
    bearer_token,
    body,
    conn,
    error_body,
    faults,
    json_response,
    record,
    require_user,
    state,
)

bp = Blueprint("auth", __name__)

CAPABILITIES: tuple[str, ...] = (
    "patients", "encounters", "entries", "entry-versions", "entry-edit", "entry-delete", "entry-cancel",
    "entry-sign", "audit-read", "audit-tamper", "audit-chain", "login", "logout", "anonymous", "exports",
    "documents", "patient-confirmation",  # record documents and signatures
    "temporary-patients", "prescriptions", "retention", "transport", "credentials-in-url", "access-windows",
)


@bp.post("/api/auth/login")
def login() -> Response:
    data = body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or len(username) > 200:
        raise ApiError(422, "Cần 'username' và 'password' (chuỗi).",
                       "'username' and 'password' (strings) are required.")
    c = conn()
    with write_tx(c):
        result = auth.login(c, username, password[:1024], lockout_seconds=state().lockout_seconds,
                            lockout_enabled="no-lockout" not in faults())
        user = result.user
        if result.outcome is auth.LoginOutcome.OK:
            record(user, "login", object_type="session", object_id=user.id if user else None)
        elif result.outcome is auth.LoginOutcome.LOCKED:
            record(user, "login-failed", object_type="user", object_id=user.id if user else None,
                   outcome="denied", detail="account locked")
        else:
            detail = "wrong password" if user else f"unknown username: {clean(username, 64)}"
            record(user, "login-failed", object_type="user", object_id=user.id if user else None,
                   outcome="failure", detail=detail)
            if result.just_locked and user is not None:
                record(user, "lock", object_type="user", object_id=user.id,
                       detail=f"{auth.MAX_FAILED_LOGINS} failed logins; locked for {state().lockout_seconds} s")
    if result.outcome is auth.LoginOutcome.OK:
        assert user is not None and result.token is not None
        return json_response({"token": result.token, "token_type": "Bearer",
                              "expires_in": auth.TOKEN_LIFETIME_S, "user": user.to_json()})
    if result.outcome is auth.LoginOutcome.LOCKED:
        return json_response(error_body("Tài khoản đang bị khóa tạm thời do đăng nhập sai nhiều lần.",
                                        "The account is temporarily locked after repeated failed logins.",
                                        retry_after=result.retry_after),
                             423, {"Retry-After": str(result.retry_after)})
    return json_response(error_body("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."), 401)


@bp.post("/api/auth/logout")
def logout() -> Response:
    user = require_user("logout", "session")
    token = bearer_token()
    c = conn()
    with write_tx(c):
        if token and "token-survives-logout" not in faults():
            auth.revoke_token(c, token)
        record(user, "logout", object_type="session", object_id=user.id)
    return Response(status=204)


@bp.get("/api/me")
def me() -> Response:
    user = require_user("read", "session")
    return json_response({"user": user.to_json()})


@bp.get("/api/capabilities")
def capabilities() -> Response:
    """Public: what this server offers (no clinical data, no configuration)."""
    return json_response({"capabilities": list(CAPABILITIES), "product": {"name": REFERENCE_NAME,
                                                                          "version": conformance.__version__}})


@bp.get("/api/health")
def health() -> Response:
    return json_response({"status": "ok"})
