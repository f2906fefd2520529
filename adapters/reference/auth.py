"""Passwords (PBKDF2-HMAC-SHA512), bearer tokens and account lockout."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass
from enum import Enum

from conformance.adapters.reference.db import utc_now

PBKDF2_HASH = "sha512"
PBKDF2_ITERATIONS = 210_000  # OWASP's figure for PBKDF2-HMAC-SHA512
MAX_FAILED_LOGINS = 5
TOKEN_LIFETIME_S = 12 * 3600


def hash_password(password: str, *, iterations: int = PBKDF2_ITERATIONS) -> tuple[bytes, bytes, int]:
    salt = secrets.token_bytes(16)
    return salt, hashlib.pbkdf2_hmac(PBKDF2_HASH, password.encode("utf-8"), salt, iterations), iterations


def check_password(password: str, salt: bytes, expected: bytes, iterations: int) -> bool:
    actual = hashlib.pbkdf2_hmac(PBKDF2_HASH, password.encode("utf-8", "replace"), salt, iterations)
    return hmac.compare_digest(actual, expected)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class User:
    id: str
    username: str
    full_name: str
    role: str
    department: str | None

    def to_json(self) -> dict[str, str | None]:
        return {"id": self.id, "username": self.username, "full_name": self.full_name, "role": self.role,
                "department": self.department}


def _user(row: sqlite3.Row) -> User:
    return User(row["id"], row["username"], row["full_name"], row["role"], row["department"])


def user_by_id(conn: sqlite3.Connection, user_id: str) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return _user(row) if row else None


class LoginOutcome(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad-credentials"  # wrong password (known user) or unknown user
    LOCKED = "locked"  # the account is locked; the password was not even checked


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None  # the account concerned, when the username is known
    token: str | None = None
    just_locked: bool = False  # this failure locked the account
    retry_after: int | None = None  # seconds until a locked account opens again


def login(conn: sqlite3.Connection, username: str, password: str, *, lockout_seconds: int,
          lockout_enabled: bool) -> LoginResult:
    """Check credentials and count failures (the caller holds the write transaction)."""
    row = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    if row is None:
        return LoginResult(LoginOutcome.BAD_CREDENTIALS, None)
    user = _user(row)
    now = time.time()
    if lockout_enabled and row["locked_until"] is not None and row["locked_until"] > now:
        return LoginResult(LoginOutcome.LOCKED, user, retry_after=int(row["locked_until"] - now) + 1)
    if not check_password(password, row["pw_salt"], row["pw_hash"], row["pw_iterations"]):
        failures = row["failed_logins"] + 1
        locked_until = None
        if lockout_enabled and failures >= MAX_FAILED_LOGINS:
            locked_until, failures = now + lockout_seconds, 0
        conn.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                     (failures, locked_until, user.id))
        return LoginResult(LoginOutcome.BAD_CREDENTIALS, user, just_locked=locked_until is not None)
    conn.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", (user.id,))
    token = secrets.token_urlsafe(32)
    conn.execute("INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                 (_token_hash(token), user.id, utc_now(), now + TOKEN_LIFETIME_S))
    return LoginResult(LoginOutcome.OK, user, token=token)


@dataclass(frozen=True)
class TokenCheck:
    user: User | None  # the valid session's user
    known_user: User | None  # the user a revoked or expired token belonged to (for the audit log)


def resolve_token(conn: sqlite3.Connection, token: str | None) -> TokenCheck:
    if not token:
        return TokenCheck(None, None)
    row = conn.execute("SELECT * FROM tokens WHERE token_hash = ?", (_token_hash(token),)).fetchone()
    if row is None:
        return TokenCheck(None, None)
    user = user_by_id(conn, row["user_id"])
    if row["revoked_at"] is not None or row["expires_at"] <= time.time():
        return TokenCheck(None, user)
    return TokenCheck(user, user)


def revoke_token(conn: sqlite3.Connection, token: str) -> None:
    conn.execute("UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
                 (utc_now(), _token_hash(token)))
