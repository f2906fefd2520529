"""The episode data the reference EMR's exports need beyond patients, encounters and entries.

Dữ liệu đợt điều trị dùng cho trích xuất: thẻ BHYT, địa chỉ, chẩn đoán (ICD-10), thuốc, dịch vụ kỹ thuật, kết quả
cận lâm sàng, ra viện, chuyển tuyến, hẹn khám lại.

One row per *finished* episode (``episode_data``): the facts a facility's HIS keeps for an encounter once it has
ended, as one JSON document (what each export table reads is documented in :mod:`export_bhyt` and
:mod:`export_cv365`). An encounter without a row is still open: it has no BHYT claim yet, while its CV 365 record
export still works from the patient, the encounter and its entries.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS episode_data (
    encounter_id TEXT PRIMARY KEY REFERENCES encounters(id),
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def get_episode(conn: sqlite3.Connection, encounter_id: str) -> dict[str, Any] | None:
    """The episode's export data, or None when the encounter has not ended (or has none)."""
    try:
        row = conn.execute("SELECT data FROM episode_data WHERE encounter_id = ?", (encounter_id,)).fetchone()
    except sqlite3.OperationalError:  # a database created before exports existed
        return None
    if row is None:
        return None
    data: dict[str, Any] = json.loads(row[0])
    return data


def put_episode(conn: sqlite3.Connection, encounter_id: str, data: dict[str, Any]) -> None:
    """Store (or replace) an episode's export data; the caller holds the write transaction."""
    conn.execute("INSERT INTO episode_data (encounter_id, data, updated_at) VALUES (?, ?, ?) "
                 "ON CONFLICT(encounter_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                 (encounter_id, json.dumps(data, ensure_ascii=False, sort_keys=True),
                  datetime.now(UTC).isoformat(timespec="microseconds")))
