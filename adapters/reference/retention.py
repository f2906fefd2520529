"""The reference EMR's retention schedule (TT 33/2025/TT-BYT appendix, counted from the year the episode
ends) and the destruction of a record."""

from __future__ import annotations

import sqlite3

from conformance.adapters.reference.db import utc_now

OUTCOMES = frozenset({"ra-vien", "tu-vong", "chuyen-vien"})
# record class → years (None: permanent)
PERIODS: dict[str, int | None] = {
    "su-co-y-khoa": None, "tu-vong": 30, "ghep-mo-tang": 30, "tam-than": 20, "tai-nan-lao-dong": 20,
    "tai-nan-giao-thong": 20, "tham-my": 20, "thong-thuong": 10,
}
KIND_CLASS = {"tam-than": "tam-than", "tai-nan-lao-dong": "tai-nan-lao-dong", "tai-nan-giao-thong":
              "tai-nan-giao-thong", "ghep-mo-tang": "ghep-mo-tang", "tham-my": "tham-my"}


def schedule(kind: str, outcome: str, end_year: int, *, short_death: bool = False) -> tuple[str, int | None,
                                                                                              str | None]:
    """(record class, years, last day of retention) for an encounter of ``kind`` ending with ``outcome``."""
    klass = "tu-vong" if outcome == "tu-vong" else KIND_CLASS.get(kind, "thong-thuong")
    years = PERIODS[klass]
    if short_death and klass == "tu-vong":
        years = 10  # the retention-too-short fault
    until = None if years is None else f"{end_year + years}-12-31"
    return klass, years, until


def destroy(conn: sqlite3.Connection, encounter_id: str) -> None:
    """Destroy the record's clinical content (versions, entries); the encounter row stays as a tombstone."""
    entry_ids = [r[0] for r in conn.execute("SELECT id FROM entries WHERE encounter_id = ?", (encounter_id,))]
    for entry_id in entry_ids:
        conn.execute("DELETE FROM entry_versions WHERE entry_id = ?", (entry_id,))
    conn.execute("DELETE FROM entries WHERE encounter_id = ?", (encounter_id,))
    conn.execute("UPDATE encounter_endings SET destroyed_at = ? WHERE encounter_id = ?", (utc_now(), encounter_id))
