"""Routes: an encounter's data exports — the signed BHYT claim submission and the CV 365 record export.

Both expose patient data: they need a clinical reader in scope (as reading the encounter does) and every export
is audited as a read of the encounter and of the patient.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, request

from conformance.adapters.reference import bhyt_tables, claims, export_bhyt, export_cv365, records
from conformance.adapters.reference.db import write_tx
from conformance.adapters.reference.routes_clinical import readable_encounter, reader
from conformance.adapters.reference.web import ApiError, conn, faults, invalid, record

bp = Blueprint("exports", __name__)

MEDIA = {"xml": "application/xml; charset=utf-8", "json": "application/json; charset=utf-8"}


def _episode(encounter_id: str, what: str) -> bhyt_tables.Episode:
    """The encounter as an export sees it, after the access checks; the read is audited."""
    user = reader("encounter", encounter_id)
    encounter = readable_encounter(user, encounter_id)
    c = conn()
    patient = records.get_patient(c, encounter["patient_id"])
    assert patient is not None
    episode = bhyt_tables.Episode(patient, encounter, records.entries_of(c, encounter_id),
                                  claims.get_episode(c, encounter_id) or {})
    with write_tx(c):
        record(user, "read", object_type="encounter", object_id=encounter_id, detail=what)
        record(user, "read", object_type="patient", object_id=str(patient["id"]), detail=what)
    return episode


def _bytes(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, 200, {"Content-Type": media_type,
                                "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/api/encounters/<encounter_id>/exports/bhyt")
def claim(encounter_id: str) -> Response:
    episode = _episode(encounter_id, "export-bhyt")
    if not episode.data:
        raise ApiError(409, "Đợt điều trị chưa kết thúc nên chưa có hồ sơ giám định BHYT; các đợt đã kết thúc dùng để "
                       "kiểm tra được nêu trong [exports] encounters của tệp cấu hình.",
                       "The encounter has not ended, so there is no BHYT claim submission yet; the finished episodes "
                       "to check are named in the target file's [exports] encounters.")
    data = export_bhyt.submission(episode, faults(), datetime.now(UTC))
    return _bytes(data, MEDIA["xml"], f"GIAMDINHHS_{encounter_id}.xml")


@bp.get("/api/encounters/<encounter_id>/exports/cv365")
def record_export(encounter_id: str) -> Response:
    fmt = request.args.get("format", "xml")
    if fmt not in MEDIA:
        invalid("format", "Tham số format phải là xml hoặc json.", "The format parameter must be xml or json.")
    episode = _episode(encounter_id, f"export-cv365-{fmt}")
    return _bytes(export_cv365.export(episode, fmt, faults()), MEDIA[fmt], f"HoSoBenhAn_{encounter_id}.{fmt}")
