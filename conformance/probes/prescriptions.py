"""Probes of the prescriptions area (đơn thuốc điện tử): the code's format, and no change after sending."""

from __future__ import annotations

from typing import Any

from conformance import prescription_code
from conformance.adapters.protocol import Capability, Prescription, Refused
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su

_NEEDS = (Capability.PATIENTS, Capability.ENCOUNTERS, Capability.PRESCRIPTIONS)
ITEMS = [{"drug": "Paracetamol 500mg", "dose": "1 viên x 3 lần/ngày", "quantity": 15}]


def _summary(p: Prescription) -> dict[str, Any]:
    return {"id": p.id, "code": p.code, "kind": p.kind, "status": p.status, "items": p.items}


def _encounter(ctx: ProbeContext) -> tuple[Any, Any]:
    doctor = su.session(ctx, "prescriber_role", "bac_si")
    patient = su.new_patient(ctx, doctor)
    return doctor, su.new_encounter(ctx, doctor, patient)


@probe("prescriptions.code_format", requires=_NEEDS)
def code_format(ctx: ProbeContext) -> ProbeResult:
    """The prescriber issues one prescription of each type in ``kinds`` (default N and H); each code must
    follow ``xxxxxyyyyyyy-z`` with the right type letter (and the facility code, when ``facility_code`` is
    given); the codes must differ."""
    doctor, encounter = _encounter(ctx)
    kinds = list(ctx.param("kinds", ["N", "H"]))
    facility = ctx.param("facility_code")
    issued: list[dict[str, Any]] = []
    problems: list[tuple[str, str]] = []
    for kind in kinds:
        try:
            p = doctor.create_prescription(encounter.id, kind, ITEMS)
        except Refused as exc:
            issued.append({"kind": kind, **su.refusal(exc)})
            continue
        issued.append(_summary(p))
        problems += prescription_code.check(p.code, kind=kind, facility=facility)
    details = {"encounter": encounter.id, "issued": issued}
    codes = [i["code"] for i in issued if "code" in i]
    if not codes:
        return indeterminate("không kê được đơn thuốc nào để xem mã", "no prescription could be issued", **details)
    if len(set(codes)) != len(codes):
        problems.append(("hai đơn thuốc trùng mã", "two prescriptions share a code"))
    if problems:
        return failed(*su.join_problems(problems), **details)
    return passed(f"{len(codes)} mã đơn thuốc đều theo dạng xxxxxyyyyyyy-z, đúng loại đơn và không trùng nhau",
                  f"{len(codes)} prescription codes follow xxxxxyyyyyyy-z with the right type letter, all distinct",
                  **details)


@probe("prescriptions.immutable_after_sending", requires=_NEEDS)
def immutable_after_sending(ctx: ProbeContext) -> ProbeResult:
    """A draft prescription may be edited (control); once sent, an edit (with a reason) must be refused and
    the prescription read back must be unchanged and still sent."""
    doctor, encounter = _encounter(ctx)
    p = doctor.create_prescription(encounter.id, "N", ITEMS)
    details: dict[str, Any] = {"encounter": encounter.id, "created": _summary(p)}
    draft_items = [{**ITEMS[0], "quantity": 10}]
    try:
        details["draft_edit"] = _summary(doctor.edit_prescription(p.id, draft_items, ctx.label("sửa đơn nháp")))
    except Refused as exc:  # without the control, a refusal after sending would prove nothing
        details["draft_edit"] = su.refusal(exc)
        return indeterminate("hệ thống từ chối cả việc sửa đơn nháp, nên việc từ chối sửa sau khi gửi không "
                             "chứng minh được điều gì", "the target refuses to edit even a draft prescription, so a "
                             "refusal after sending would prove nothing", **details)
    sent = doctor.send_prescription(p.id)
    details["sent"] = _summary(sent)
    before = doctor.get_prescription(p.id)
    changed_items = [{**ITEMS[0], "quantity": 99}]
    try:
        doctor.edit_prescription(p.id, changed_items, ctx.label("sửa sau khi gửi"))
        details["edit_after_send"] = "accepted"
        refused = False
    except Refused as exc:
        details["edit_after_send"] = su.refusal(exc)
        refused = True
    after = doctor.get_prescription(p.id)
    details["after"] = _summary(after)
    unchanged = after.items == before.items and after.status == before.status
    if not refused or not unchanged:
        return failed("đơn thuốc đã gửi vẫn sửa được" if not refused else
                      "yêu cầu sửa bị từ chối nhưng đơn thuốc đã thay đổi",
                      "a sent prescription could still be edited" if not refused else
                      "the edit was refused, yet the prescription changed", **details)
    if before.status != "sent":
        return indeterminate("đơn thuốc không ở trạng thái đã gửi sau khi gửi",
                             "the prescription does not show as sent after sending", **details)
    return passed("sửa đơn thuốc đã gửi bị từ chối; đơn giữ nguyên", "editing the sent prescription was refused; "
                  "it is unchanged", **details)
