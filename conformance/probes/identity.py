"""Probes of the identity area (định danh người bệnh): one patient per số định danh cá nhân, only
well-formed 12-digit identifiers, temporary identities for newborns and unknown emergency patients."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conformance.adapters.protocol import Capability, Patient, Refused
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su
from conformance.selection import VIETNAM

# Malformed national identifiers, each with why it is malformed. Full-width digits pass ``str.isdigit``
# and are the classic trap of a lax check.
MALFORMED_IDS: tuple[tuple[str, str, str], ...] = (
    ("00108012345", "11 chữ số", "11 digits"),
    ("0010801234567", "13 chữ số", "13 digits"),
    ("00108012345A", "có chữ cái", "contains a letter"),
    ("001 08012345", "có khoảng trắng", "contains a space"),
    ("００１０８０１２３４５６", "chữ số toàn khổ (Unicode)", "full-width (Unicode) digits"),
    ("", "để trống", "empty"),
)


def _summary(p: Patient) -> dict[str, Any]:
    return {"id": p.id, "temporary": p.temporary, "has_national_id": p.national_id is not None}


def _trail(ctx: ProbeContext, patient_id: str) -> list[dict[str, Any]] | None:
    """The audit events on a patient (None when the audit log cannot be read)."""
    if Capability.AUDIT_READ not in ctx.adapter.capabilities():
        return None
    try:
        auditor = su.session(ctx, "auditor_role", "giam_doc")
        return [su.event_summary(ev) for ev in auditor.audit_events(object_id=patient_id)]
    except Refused:
        return None


@probe("identity.one_patient_per_national_id", requires=(Capability.PATIENTS,))
def one_patient_per_national_id(ctx: ProbeContext) -> ProbeResult:
    """Create a patient, then create one again with the same national id (another name). The second
    request must be refused, or merged into the first with an audit trail; a search by the id must then
    find exactly one patient."""
    s = su.session(ctx, "role", "bac_si")
    national_id = ctx.new_national_id()
    first = s.create_patient(national_id, ctx.label("bệnh nhân"), su.TEST_BIRTH_DATE, su.TEST_SEX)
    details: dict[str, Any] = {"first": _summary(first)}
    merged = False
    try:
        second = s.create_patient(national_id, ctx.label("trùng định danh"), su.TEST_BIRTH_DATE, su.TEST_SEX)
        details["second"] = {"accepted": True, **_summary(second)}
        merged = second.id == first.id
    except Refused as exc:
        details["second"] = su.refusal(exc)
    found = s.find_patients(national_id)
    details["search"] = [_summary(p) for p in found]
    if len(found) != 1:
        return failed(f"tìm theo số định danh thấy {len(found)} bệnh nhân (cần đúng 1)",
                      f"a search by the national id finds {len(found)} patients (exactly 1 expected)", **details)
    if details["second"].get("accepted") and not merged:
        return failed("yêu cầu tạo trùng được chấp nhận thành một bệnh nhân khác",
                      "the duplicate was accepted as another patient", **details)
    if merged:
        trail = _trail(ctx, first.id)
        details["audit_trail"] = trail
        if not trail or len(trail) < 2:
            return failed("yêu cầu trùng được gộp vào bệnh nhân cũ nhưng không có dấu vết trong nhật ký",
                          "the duplicate was merged into the existing patient without an audit trail", **details)
        return passed("yêu cầu trùng được gộp vào bệnh nhân cũ, có dấu vết trong nhật ký",
                      "the duplicate was merged into the existing patient, with an audit trail", **details)
    return passed("tạo trùng số định danh bị từ chối; chỉ có một bệnh nhân mang số này",
                  "a second patient with the same national id was refused; one patient holds it", **details)


@probe("identity.malformed_national_id_refused", requires=(Capability.PATIENTS,))
def malformed_national_id_refused(ctx: ProbeContext) -> ProbeResult:
    """Try to create patients whose national id is not exactly 12 ASCII digits (11, 13, a letter, a space,
    full-width digits, empty); each must be refused. A control with a well-formed id must be accepted."""
    s = su.session(ctx, "role", "bac_si")
    attempts: list[dict[str, Any]] = []
    accepted: list[tuple[str, str]] = []
    for value, why_vi, why_en in MALFORMED_IDS:
        try:
            p = s.create_patient(value, ctx.label("định danh sai"), su.TEST_BIRTH_DATE, su.TEST_SEX)
            attempts.append({"case": why_en, "outcome": "accepted", "patient": p.id})
            accepted.append((why_vi, why_en))
        except Refused as exc:
            attempts.append({"case": why_en, **su.refusal(exc)})
    details: dict[str, Any] = {"attempts": attempts}
    if accepted:
        return failed(f"số định danh sai dạng vẫn được chấp nhận: {', '.join(a[0] for a in accepted)}",
                      f"malformed national ids were accepted: {', '.join(a[1] for a in accepted)}", **details)
    try:
        control = su.new_patient(ctx, s)
        details["control"] = _summary(control)
    except Refused as exc:
        details["control"] = su.refusal(exc)
        return indeterminate("số định danh đúng dạng cũng bị từ chối: không rõ lý do từ chối",
                             "a well-formed national id was refused too: the refusals prove nothing", **details)
    return passed(f"cả {len(MALFORMED_IDS)} số định danh sai dạng đều bị từ chối; số đúng dạng được chấp nhận",
                  f"all {len(MALFORMED_IDS)} malformed national ids were refused; a well-formed one was accepted",
                  **details)


def _check_temporary(p: Patient, label: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if p.national_id:
        problems.append((f"{label}: định danh tạm lại mang số định danh", f"{label}: the temporary identity "
                         "carries a national id"))
    if not p.temporary:
        problems.append((f"{label}: không được đánh dấu là định danh tạm thời",
                         f"{label}: not marked as a temporary identity"))
    return problems


@probe("identity.temporary_identities", requires=(Capability.PATIENTS, Capability.TEMPORARY_PATIENTS))
def temporary_identities(ctx: ProbeContext) -> ProbeResult:
    """Create two newborns (no national id yet) and one unknown emergency patient (no birth date); each
    must get its own patient id and be marked temporary. Then link the first newborn to a national id:
    the same patient must now carry it (found by a search), no longer temporary."""
    s = su.session(ctx, "role", "bac_si")
    # born yesterday by the facility's calendar (UTC+7): a real date whatever the appraisal date, and never in the
    # future for a server that judges dates in Vietnam's time zone or in UTC
    born = (ctx.now().astimezone(VIETNAM) - timedelta(days=1)).date()
    today = born.isoformat()
    details: dict[str, Any] = {}
    try:
        newborns = [s.create_temporary_patient("newborn", ctx.label(f"con của sản phụ {i}"), today, "female")
                    for i in (1, 2)]
        unknown = s.create_temporary_patient("unknown", ctx.label("không rõ danh tính"), None, "unknown")
    except Refused as exc:
        return failed("không tạo được định danh tạm thời cho trẻ sơ sinh / người bệnh không rõ danh tính",
                      "a temporary identity (newborn / unknown emergency patient) could not be created",
                      refusal=su.refusal(exc))
    created = [*newborns, unknown]
    details["created"] = [_summary(p) for p in created]
    problems: list[tuple[str, str]] = []
    for p, label in zip(created, ("newborn 1", "newborn 2", "unknown"), strict=True):
        problems += _check_temporary(p, label)
    if len({p.id for p in created}) != len(created):
        problems.append(("các định danh tạm trùng nhau", "temporary identities share an id"))
    national_id = ctx.new_national_id(female=True, birth_year=ctx.appraisal_date.year)
    try:
        linked = s.assign_national_id(newborns[0].id, national_id, ctx.label("cấp số định danh"))
        details["linked"] = _summary(linked)
        found = s.find_patients(national_id)
        details["search"] = [_summary(p) for p in found]
        if linked.id != newborns[0].id or [p.id for p in found] != [newborns[0].id]:
            problems.append(("gắn số định danh không giữ nguyên người bệnh (tìm theo số không ra đúng người đó)",
                             "linking the national id did not keep the same patient (a search does not find it)"))
        if linked.temporary:
            problems.append(("sau khi gắn số định danh vẫn là định danh tạm",
                             "still marked temporary after the national id was linked"))
    except Refused as exc:
        details["link"] = su.refusal(exc)
        problems.append(("không gắn được số định danh cho định danh tạm",
                         "the national id could not be linked to the temporary identity"))
    if problems:
        return failed(*su.join_problems(problems), **details)
    return passed("định danh tạm tạo được cho trẻ sơ sinh và người bệnh không rõ danh tính, mỗi người một mã; "
                  "gắn số định danh sau đó giữ nguyên người bệnh",
                  "temporary identities were created for newborns and an unknown patient, one id each; linking a "
                  "national id later kept the same patient", **details)


