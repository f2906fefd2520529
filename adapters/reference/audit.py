"""The append-only audit log and its hash chain.

Every event carries ``prev_hash`` (the previous event's ``hash``; 64 zeros for the first) and
``hash`` = SHA-256 (lowercase hex) of the event's canonical JSON: the event object exactly as the API
returns it, *without* its ``hash`` member, serialised with keys sorted, no insignificant whitespace,
UTF-8, non-ASCII characters unescaped (RFC 8785 / JCS for objects of strings, integers and null).
Events are appended inside the same transaction as the change they record.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from conformance.adapters.reference.db import utc_now
from conformance.adapters.reference.faults import FaultSet

GENESIS = "0" * 64
FIELDS = ("id", "seq", "time", "user", "username", "role", "action", "object_type", "object_id", "outcome",
          "source", "detail", "prev_hash")
WRITE_ACTIONS = frozenset({"create", "update", "cancel", "restore", "sign", "delete"})


def canonical(event: dict[str, Any]) -> bytes:
    """The bytes hashed for one event: every member except ``hash``, as canonical JSON."""
    body = {k: v for k, v in event.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who caused an event (None members when unknown) and from where."""

    user_id: str | None
    username: str | None
    role: str | None
    source: str | None


def suppressed(faults: FaultSet, action: str, outcome: str) -> bool:
    """Whether a fault switch keeps this event out of the log."""
    if outcome == "success" and action == "read":
        return "no-read-audit" in faults
    if outcome == "success" and action in WRITE_ACTIONS:
        return "no-write-audit" in faults
    if outcome == "denied" or action == "login-failed":
        return "no-denied-audit" in faults
    return False


def clean(text: str | None, limit: int = 200) -> str | None:
    """Text from a client made safe to store and hash (valid UTF-8, bounded length)."""
    if text is None:
        return None
    return text.encode("utf-8", "replace").decode("utf-8")[:limit]


def append(conn: sqlite3.Connection, faults: FaultSet, actor: Actor, action: str, outcome: str, *,
           object_type: str | None = None, object_id: str | None = None,
           detail: str | None = None) -> dict[str, Any] | None:
    """Append one event (the caller holds the write transaction); None when a fault suppresses it."""
    if suppressed(faults, action, outcome):
        return None
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq = (last["seq"] + 1) if last else 1
    event: dict[str, Any] = {
        "id": f"ev-{seq:08d}", "seq": seq, "time": utc_now(), "user": actor.user_id, "username": actor.username,
        "role": actor.role, "action": action, "object_type": object_type, "object_id": object_id,
        "outcome": outcome, "source": actor.source, "detail": clean(detail),
        "prev_hash": last["hash"] if last else GENESIS,
    }
    event["hash"] = event_hash(event)
    columns = (*FIELDS, "hash")
    conn.execute(f"INSERT INTO audit ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                 [event[c] for c in columns])
    return event


def row_to_event(row: sqlite3.Row) -> dict[str, Any]:
    return {k: row[k] for k in (*FIELDS, "hash")}


def query(conn: sqlite3.Connection, *, object_id: str | None = None, user: str | None = None,
          since: str | None = None) -> list[dict[str, Any]]:
    """Events matching every given filter, oldest first. ``user`` matches the user id or the username;
    ``since`` is a UTC time in the log's own text form (inclusive)."""
    sql = "SELECT * FROM audit WHERE 1=1"
    args: list[Any] = []
    if object_id is not None:
        sql += " AND object_id = ?"
        args.append(object_id)
    if user is not None:
        sql += " AND (user = ? OR username = ?)"
        args += [user, user]
    if since is not None:
        sql += " AND time >= ?"
        args.append(since)
    return [row_to_event(r) for r in conn.execute(sql + " ORDER BY seq", args)]


def get(conn: sqlite3.Connection, event_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM audit WHERE id = ?", (event_id,)).fetchone()
    return row_to_event(row) if row else None


MUTABLE_FIELDS = ("time", "user", "username", "role", "action", "object_type", "object_id", "outcome", "source",
                  "detail")


def tamper_delete(conn: sqlite3.Connection, event_id: str) -> None:
    """Physically delete an event (only reachable with the ``audit-mutable`` fault)."""
    conn.execute("DELETE FROM audit WHERE id = ?", (event_id,))


def tamper_update(conn: sqlite3.Connection, event_id: str, changes: dict[str, Any]) -> None:
    """Change an event's fields in place, leaving its hash as it was (``audit-mutable`` fault only)."""
    for key, value in changes.items():
        if key in MUTABLE_FIELDS and (value is None or isinstance(value, str)):
            conn.execute(f"UPDATE audit SET {key} = ? WHERE id = ?", (clean(value), event_id))
