"""The reference adapter's live-system operations: temporary identities, retention, prescriptions, and a
read with the token in the URL (mixed into :class:`~.adapter.ReferenceSession`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from conformance.adapters.protocol import Account, Encounter, Patient, Prescription, Retention
from conformance.adapters.reference import mapping
from conformance.http import HttpClient, HttpResponse, check_status


def _seg(value: str) -> str:
    return quote(str(value), safe="")


def prescription(data: Any) -> Prescription:
    d = mapping.obj(data, "prescription")
    items = d.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise mapping.malformed("prescription", "'items' must be a list of objects")
    return Prescription(id=mapping.req(d, "id", "prescription"), code=mapping.text(d, "code", "prescription",
                        optional=True), encounter_id=mapping.text(d, "encounter_id", "prescription", optional=True),
                        kind=mapping.text(d, "kind", "prescription", optional=True),
                        status=mapping.req(d, "status", "prescription"), items=items, raw=d)


def retention(data: Any) -> Retention:
    d = mapping.obj(data, "retention")
    years = d.get("period_years")
    if years is not None and (not isinstance(years, int) or isinstance(years, bool)):
        raise mapping.malformed("retention", "'period_years' must be an integer or null")
    return Retention(record_class=mapping.text(d, "record_class", "retention", optional=True), period_years=years,
                     until=mapping.text(d, "retain_until", "retention", optional=True),
                     ended_at=mapping.text(d, "ended_at", "retention", optional=True), raw=d)


def patient(data: Any) -> Patient:
    base = mapping.patient(data)
    temporary = base.raw.get("temporary") is True
    return Patient(base.id, base.national_id, base.name, base.birth_date, base.sex, base.raw, temporary)


class LiveOperations:
    """Needs ``client``, ``token``, ``_send`` and ``_obj`` from the session it is mixed into."""

    client: HttpClient
    token: str | None

    def _send(self, method: str, path: str, *, json: Any = None,
              params: dict[str, str] | None = None) -> HttpResponse:
        raise NotImplementedError

    def _obj(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        raise NotImplementedError

    def create_temporary_patient(self, kind: str, name: str, birth_date: str | None, sex: str) -> Patient:
        body: dict[str, Any] = {"kind": kind, "name": name, "sex": sex}
        if birth_date is not None:
            body["birth_date"] = birth_date
        return patient(self._obj("POST", "/api/patients/temporary", json=body))

    def assign_national_id(self, patient_id: str, national_id: str, reason: str) -> Patient:
        return patient(self._obj("POST", f"/api/patients/{_seg(patient_id)}/national-id",
                                 json={"national_id": national_id, "reason": reason}))

    def end_encounter(self, encounter_id: str, outcome: str) -> Encounter:
        return mapping.encounter(self._obj("POST", f"/api/encounters/{_seg(encounter_id)}/end",
                                           json={"outcome": outcome}))

    def retention_of(self, encounter_id: str) -> Retention:
        return retention(self._obj("GET", f"/api/encounters/{_seg(encounter_id)}/retention"))

    def destroy_record(self, encounter_id: str, reason: str) -> None:
        self._send("POST", f"/api/encounters/{_seg(encounter_id)}/destroy", json={"reason": reason})

    def create_prescription(self, encounter_id: str, kind: str, items: list[dict[str, Any]]) -> Prescription:
        return prescription(self._obj("POST", f"/api/encounters/{_seg(encounter_id)}/prescriptions",
                                      json={"kind": kind, "items": items}))

    def get_prescription(self, prescription_id: str) -> Prescription:
        return prescription(self._obj("GET", f"/api/prescriptions/{_seg(prescription_id)}"))

    def edit_prescription(self, prescription_id: str, items: list[dict[str, Any]], reason: str) -> Prescription:
        return prescription(self._obj("PUT", f"/api/prescriptions/{_seg(prescription_id)}",
                                      json={"items": items, "reason": reason}))

    def send_prescription(self, prescription_id: str) -> Prescription:
        return prescription(self._obj("POST", f"/api/prescriptions/{_seg(prescription_id)}/send", json={}))

    def set_access_window(self, user_id: str, start: str | None, end: str | None) -> None:
        path = f"/api/users/{_seg(user_id)}/access-window"
        if start is None and end is None:
            self._send("DELETE", path)
        else:
            self._send("PUT", path, json={"start": start, "end": end})

    def whoami_token_in_url(self) -> Account:
        params = {"access_token": self.token} if self.token else None
        response = check_status(self.client.request("GET", "/api/me", params=params))
        return mapping.account(mapping.obj(response.json(), "me").get("user"))
