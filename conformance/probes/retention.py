"""Probes of the retention area (lưu trữ): the retention class and date of an ended record follow the
schedule (TT 33/2025), and a record cannot be destroyed before that date."""

from __future__ import annotations

from typing import Any

from conformance.adapters.protocol import Capability, Refused, Retention
from conformance.probe_api import ProbeContext, ProbeResult, failed, passed, probe
from conformance.probes import _setup as su

_NEEDS = (Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES, Capability.RETENTION)
DEFAULT_EXPECT = {"ra-vien": 10, "tu-vong": 30}  # outcome → minimum years (TT 33/2025 appendix)


def _summary(r: Retention) -> dict[str, Any]:
    return {"record_class": r.record_class, "period_years": r.period_years, "until": r.until,
            "ended_at": r.ended_at}


def _until_problems(r: Retention, years: int, label: str) -> list[tuple[str, str]]:
    """``until`` must lie in the year (end year + years): counted from the year the episode ends."""
    problems: list[tuple[str, str]] = []
    if r.period_years is not None and r.period_years < years:
        problems.append((f"{label}: thời hạn {r.period_years} năm, ít hơn {years} năm",
                         f"{label}: {r.period_years} years, fewer than {years}"))
    if not r.until or not r.ended_at:
        problems.append((f"{label}: không cho biết ngày kết thúc hoặc hạn lưu trữ",
                         f"{label}: no end date or retention date shown"))
        return problems
    try:
        end_year, until_year = int(r.ended_at[:4]), int(r.until[:4])
    except ValueError:
        return [*problems, (f"{label}: ngày không đọc được", f"{label}: unreadable dates")]
    if until_year < end_year + years:
        problems.append((f"{label}: lưu đến {r.until}, sớm hơn năm {end_year + years}",
                         f"{label}: kept until {r.until}, before the year {end_year + years}"))
    return problems


@probe("retention.class_and_date", requires=_NEEDS)
def class_and_date(ctx: ProbeContext) -> ProbeResult:
    """For each outcome in ``expect`` (outcome → minimum years; default discharge 10, death 30) a fresh
    record is ended with that outcome; its retention must name a class, a period of at least that many
    years and a retention date no earlier than the end year plus the period (permanent is accepted)."""
    doctor = su.session(ctx, "role", "bac_si")
    expect: dict[str, int] = dict(ctx.param("expect", DEFAULT_EXPECT))
    details: dict[str, Any] = {"records": {}}
    problems: list[tuple[str, str]] = []
    for outcome, years in expect.items():
        rec = su.new_record(ctx, doctor, f"lưu trữ {outcome}")
        doctor.end_encounter(rec.encounter.id, outcome)
        r = doctor.retention_of(rec.encounter.id)
        details["records"][outcome] = {**rec.ids(), "retention": _summary(r)}
        if not r.record_class:
            problems.append((f"{outcome}: không có loại hồ sơ lưu trữ", f"{outcome}: no retention class"))
        if r.period_years is None and r.record_class and r.until is None:
            continue  # permanent retention satisfies any minimum
        problems += _until_problems(r, int(years), outcome)
    if problems:
        return failed(*su.join_problems(problems), **details)
    return passed("hồ sơ đã kết thúc cho biết loại lưu trữ, thời hạn và ngày hết hạn đúng bảng thời hạn",
                  "ended records show a retention class, period and date that follow the schedule", **details)


@probe("retention.no_early_destruction", requires=_NEEDS)
def no_early_destruction(ctx: ProbeContext) -> ProbeResult:
    """A fresh record is ended; the ``destroyer_role`` (default giam_doc) asks to destroy it with a reason.
    The request must be refused and the record's entry still readable, unchanged."""
    doctor = su.session(ctx, "role", "bac_si")
    destroyer = su.session(ctx, "destroyer_role", "giam_doc")
    rec = su.new_record(ctx, doctor, "hủy trước hạn")
    doctor.end_encounter(rec.encounter.id, "ra-vien")
    details: dict[str, Any] = {**rec.ids(), "retention": _summary(doctor.retention_of(rec.encounter.id))}
    try:
        destroyer.destroy_record(rec.encounter.id, ctx.label("lý do hủy"))
        details["destroy"] = "accepted"
        refused = False
    except Refused as exc:
        details["destroy"] = su.refusal(exc)
        refused = True
    try:
        after = doctor.get_entry(rec.entry.id)
        details["entry_after"] = su.entry_summary(after)
        intact = after.text == rec.entry.text
    except Refused as exc:
        details["entry_after"] = su.refusal(exc)
        intact = False
    if not refused:
        return failed("hồ sơ bị hủy trước khi hết thời hạn lưu trữ" + ("" if intact else "; nội dung đã mất"),
                      "the record was destroyed before its retention date" + ("" if intact else
                                                                             "; its content is gone"), **details)
    if not intact:
        return failed("yêu cầu hủy bị từ chối nhưng nội dung hồ sơ không còn nguyên",
                      "the destruction was refused, yet the record's content is not intact", **details)
    return passed("yêu cầu hủy hồ sơ trước hạn lưu trữ bị từ chối; nội dung còn nguyên",
                  "destroying the record before its retention date was refused; the content is intact", **details)
