"""Probe of the access area: an account limited to access hours is refused outside them (khung giờ
truy cập), both at a new login and on a session opened before the limit was set."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from conformance.adapters.protocol import Capability, Refused, TargetSession
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su


def _hhmm(t: datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _read(s: TargetSession, patient_id: str) -> dict[str, Any]:
    try:
        s.get_patient(patient_id)
        return {"read": "served"}
    except Refused as exc:
        return su.refusal(exc)


@probe("access.access_hours", requires=(Capability.PATIENTS, Capability.LOGIN, Capability.ACCESS_WINDOWS))
def access_hours(ctx: ProbeContext) -> ProbeResult:
    """The administrator (``admin_role``) limits the dedicated ``account`` (default tai_khoan_gio) to hours
    that exclude now: a session opened before and a fresh login must both be refused a read. With hours
    that include now (control), a fresh login reads again. The limit is removed at the end."""
    key = ctx.param("account", "tai_khoan_gio")
    admin = su.session(ctx, "admin_role", "quan_tri")
    owner = su.session(ctx, "owner_role", "bac_si")
    patient = su.new_patient(ctx, owner)
    before = ctx.adapter.login(key)
    if before.account is None:
        return indeterminate("không biết mã người dùng của tài khoản thử", "the test account's user id is unknown")
    uid = before.account.user_id
    details: dict[str, Any] = {"account": key, "patient": patient.id, "read_before_limit": _read(before, patient.id)}
    if details["read_before_limit"] != {"read": "served"}:
        return indeterminate("tài khoản thử không đọc được dữ liệu thử ngay cả khi chưa giới hạn giờ",
                             "the test account cannot read the test data even without a limit", **details)
    now = ctx.now()
    outside = (_hhmm(now + timedelta(hours=2)), _hhmm(now + timedelta(hours=3)))
    inside = (_hhmm(now - timedelta(hours=1)), _hhmm(now + timedelta(hours=1)))
    try:
        admin.set_access_window(uid, *outside)
        details["window_outside_now_utc"] = outside
        details["old_session"] = _read(before, patient.id)
        try:
            details["new_login"] = _read(ctx.adapter.login(key), patient.id)
        except Refused as exc:
            details["new_login"] = {"login": su.refusal(exc)}
        admin.set_access_window(uid, *inside)
        details["window_including_now_utc"] = inside
        try:
            details["control"] = _read(ctx.adapter.login(key), patient.id)
        except Refused as exc:
            details["control"] = {"login": su.refusal(exc)}
    finally:
        try:
            admin.set_access_window(uid, None, None)
        except Refused as exc:
            details["clear"] = su.refusal(exc)
    served = [w for w in ("old_session", "new_login") if details[w] == {"read": "served"}]
    if served:
        return failed(f"ngoài khung giờ cho phép vẫn đọc được dữ liệu ({', '.join(served)})",
                      f"outside the permitted hours data was still served ({', '.join(served)})", **details)
    if details["control"] != {"read": "served"}:
        return indeterminate("trong khung giờ cho phép tài khoản cũng không đọc được: không rõ việc từ chối có do "
                             "khung giờ", "inside the permitted hours the account was refused too: the refusals "
                             "may not be about the hours", **details)
    return passed("ngoài khung giờ cho phép, phiên cũ và lần đăng nhập mới đều bị từ chối; trong khung giờ thì được",
                  "outside the permitted hours both the old session and a new login were refused; inside them, "
                  "access works", **details)
