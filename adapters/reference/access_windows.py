"""Access hours per account (khung giờ truy cập): minutes of the day in UTC, [start, end) — a window
that wraps past midnight when end < start. No row: no restriction."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime


def _minute(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    return now.hour * 60 + now.minute


def allowed_now(conn: sqlite3.Connection, user_id: str, now: datetime | None = None) -> bool:
    row = conn.execute("SELECT start_minute, end_minute FROM access_windows WHERE user_id = ?", (user_id,)).fetchone()
    if row is None:
        return True
    start, end, minute = row[0], row[1], _minute(now)
    return start <= minute < end if start <= end else (minute >= start or minute < end)


def parse_hhmm(value: object) -> int | None:
    """"HH:MM" → minutes of the day; None when malformed."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return None
    hh, mm = value[:2], value[3:]
    if not (hh.isascii() and hh.isdigit() and mm.isascii() and mm.isdigit()):
        return None
    h, m = int(hh), int(mm)
    return h * 60 + m if h < 24 and m < 60 else None
