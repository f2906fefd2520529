"""Probes of the access area (kiểm soát truy cập): authentication, the facility's role matrix,
department scope, lockout and logout."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from typing import Any

from conformance.adapters.protocol import (
    AccountLocked,
    Capability,
    Refused,
    TargetSession,
    Unauthenticated,
    Unsupported,
)
from conformance.probe_api import CannotDecide, ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su

_RECORD = (Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES)


def _wrong_password() -> str:
    return "wrong-" + secrets.token_hex(8)  # random, never recorded


@probe("access.unauthenticated_refused", requires=(*_RECORD, Capability.ANONYMOUS))
def unauthenticated_refused(ctx: ProbeContext) -> ProbeResult:
    """Anonymous reads of a fresh patient, encounter and entry, and of the audit log, must be refused as
    unauthenticated (401). With ``require_401: false`` any refusal is enough."""
    owner = su.session(ctx, "owner_role", "bac_si")
    rec = su.new_record(ctx, owner, "không đăng nhập")
    anon = ctx.adapter.anonymous()
    require_401 = bool(ctx.param("require_401", True))
    reads: list[tuple[str, Callable[[], Any]]] = [
        ("patient", lambda: anon.get_patient(rec.patient.id)),
        ("encounter", lambda: anon.get_encounter(rec.encounter.id)),
        ("entry", lambda: anon.get_entry(rec.entry.id)),
    ]
    if Capability.AUDIT_READ in ctx.adapter.capabilities():
        reads.append(("audit", lambda: anon.audit_events(object_id=rec.entry.id)))
    details: dict[str, Any] = {**rec.ids(), "reads": {}}
    served: list[str] = []
    other: list[str] = []
    for what, read in reads:
        try:
            read()
            details["reads"][what] = "served"
            served.append(what)
        except Refused as exc:
            details["reads"][what] = su.refusal(exc)
            if not isinstance(exc, Unauthenticated) and exc.status != 401:
                other.append(f"{what}: {exc.status}")
    if served:
        return failed(f"không đăng nhập vẫn đọc được: {', '.join(served)}",
                      f"without authentication the target served: {', '.join(served)}", **details)
    if other and require_401:
        return failed(f"bị từ chối nhưng không yêu cầu xác thực (401): {', '.join(other)}",
                      f"refused, but not as unauthenticated (401): {', '.join(other)}", **details)
    return passed(f"mọi yêu cầu không đăng nhập ({', '.join(w for w, _ in reads)}) đều bị từ chối"
                  + ("" if other else " với mã 401"),
                  f"every anonymous request ({', '.join(w for w, _ in reads)}) was refused"
                  + ("" if other else " with 401"), **details)


# --------------------------------------------------------------------------------------------------
# The facility's role matrix

ACTIONS = ("view", "create", "edit", "cancel", "restore", "read_audit")


class _Undecided(Exception):
    """A matrix cell could not be tried (no account, or its setup was refused)."""


def _prepare(ctx: ProbeContext, action: str, on: str, s: TargetSession, owner: TargetSession,
             rec: su.Record) -> tuple[str, str]:
    """The entry ``action`` will be tried on, and how it was obtained. Raises Refused when a set-up step is."""
    if action in ("cancel", "edit") and on == "own":
        try:
            return su.new_entry(ctx, s, rec.encounter, "của chính mình").id, "own entry"
        except Refused as exc:  # a role that cannot write acts on the owner's fresh entry instead
            return (su.new_entry(ctx, owner, rec.encounter, "của người khác").id,
                    f"{owner.role}'s entry (own entry refused: {exc.status})")
    if action == "restore":
        entry_id = su.new_entry(ctx, owner, rec.encounter, "sẽ khôi phục").id
        owner.cancel_entry(entry_id, ctx.label("lý do hủy"))
        return entry_id, f"entry cancelled by {owner.role}"
    if action == "create":
        return rec.entry.id, f"{owner.role}'s encounter"
    if action == "read_audit":
        return rec.entry.id, f"audit events of {owner.role}'s entry"
    return rec.entry.id, f"{owner.role}'s entry"


def _try_action(ctx: ProbeContext, action: str, on: str, s: TargetSession, owner: TargetSession,
                rec: su.Record) -> dict[str, Any]:
    """Set up what ``action`` needs, then try it as ``s``. Returns what happened (``allow`` / ``deny``)."""
    try:
        target_id, obtained = _prepare(ctx, action, on, s, owner, rec)
    except Refused as exc:
        raise _Undecided(f"a set-up step was refused ({exc.status}: {exc.en})") from exc
    cell: dict[str, Any] = {"object": obtained}
    calls: dict[str, Callable[[], Any]] = {
        "view": lambda: s.get_entry(target_id),
        "create": lambda: s.create_entry(rec.encounter.id, ctx.param("entry_kind", su.DEFAULT_ENTRY_KIND),
                                         ctx.label("ma trận quyền")),
        "edit": lambda: s.edit_entry(target_id, ctx.label("sửa"), ctx.label("lý do sửa")),
        "cancel": lambda: s.cancel_entry(target_id, ctx.label("lý do hủy")),
        "restore": lambda: s.restore_entry(target_id, ctx.label("lý do khôi phục")),
        "read_audit": lambda: s.audit_events(object_id=rec.entry.id),
    }
    try:
        calls[action]()
        cell["observed"] = "allow"
    except Refused as exc:
        cell |= {"observed": "deny", **su.refusal(exc)}
    return cell


@probe("access.role_matrix", requires=_RECORD)
def role_matrix(ctx: ProbeContext) -> ProbeResult:
    """Try each cell of the facility's role matrix (parameter ``matrix``: a list of {role, action,
    expect: allow|deny}, optional ``on: own|owner`` for edit/cancel) against fresh data created by
    ``owner_role``, and compare with what is expected. Actions: view, create, edit, cancel, restore
    (an entry the owner cancelled), read_audit."""
    matrix = ctx.param("matrix")
    if not matrix:
        raise CannotDecide("tiêu chí chưa khai báo ma trận phân quyền của cơ sở (tham số matrix)",
                           "the criterion gives no facility role matrix (parameter matrix)")
    for item in matrix:
        if item.get("action") not in ACTIONS or item.get("expect") not in ("allow", "deny") or not item.get("role"):
            raise ValueError(f"bad role-matrix cell {item!r}: action must be one of {ACTIONS}, expect allow|deny")
    owner = su.session(ctx, "owner_role", "bac_si")
    rec = su.new_record(ctx, owner, "ma trận quyền")
    sessions: dict[str, TargetSession | None] = {}
    cells: list[dict[str, Any]] = []
    wrong: list[tuple[str, str]] = []
    undecided: list[str] = []
    for item in matrix:
        role, action, expect = item["role"], item["action"], item["expect"]
        name = f"{role}/{action}"
        cell: dict[str, Any] = {"role": role, "action": action, "expect": expect}
        if role not in sessions:
            try:
                sessions[role] = ctx.adapter.session(role)
            except Unsupported:
                sessions[role] = None
        s = sessions[role]
        try:
            if s is None:
                raise _Undecided(f"no account configured for {role}")
            on = item.get("on", "own" if action == "cancel" else "owner")
            cell |= _try_action(ctx, action, on, s, owner, rec)
        except (_Undecided, Unsupported) as exc:
            cell["observed"] = f"undecided: {exc}"
            undecided.append(name)
        else:
            if cell["observed"] != expect:
                allowed = cell["observed"] == "allow"
                wrong.append((f"{name} ({'được phép' if allowed else 'bị chặn'})",
                              f"{name} ({'allowed' if allowed else 'denied'})"))
        cells.append(cell)
    ctx.attach("role-matrix.json", cells)
    details = {**rec.ids(), "cells": cells}
    if wrong:
        vi, en = su.join_problems(wrong)
        return failed(f"{len(wrong)}/{len(matrix)} ô của ma trận phân quyền không đúng chính sách: {vi}",
                      f"{len(wrong)}/{len(matrix)} cells of the role matrix differ from the policy: {en}", **details)
    if undecided:
        return indeterminate(f"không thử được {len(undecided)} ô: {', '.join(undecided)}",
                             f"{len(undecided)} cells could not be tried: {', '.join(undecided)}", **details)
    return passed(f"cả {len(matrix)} ô của ma trận phân quyền đều đúng chính sách của cơ sở",
                  f"all {len(matrix)} cells of the role matrix follow the facility's policy", **details)


@probe("access.department_scope", requires=_RECORD)
def department_scope(ctx: ProbeContext) -> ProbeResult:
    """``other_role`` (a doctor of another department) tries to read ``owner_role``'s fresh patient,
    encounter, entry and the encounter's entry list; each must be refused (or the list must not show
    the entry)."""
    owner = su.session(ctx, "owner_role", "bac_si")
    other = su.session(ctx, "other_role", "bac_si_khoa_khac")
    departments = {"owner": owner.account.department if owner.account else None,
                   "other": other.account.department if other.account else None}
    if not departments["owner"] or not departments["other"] or departments["owner"] == departments["other"]:
        return indeterminate("hai tài khoản thử không thuộc hai khoa khác nhau nên không kiểm tra được phạm vi khoa",
                             "the two test accounts are not in two different departments", departments=departments)
    rec = su.new_record(ctx, owner, "phạm vi khoa")
    details: dict[str, Any] = {**rec.ids(), "departments": departments, "reads": {}}
    reads: dict[str, Callable[[], Any]] = {
        "patient": lambda: other.get_patient(rec.patient.id),
        "encounter": lambda: other.get_encounter(rec.encounter.id),
        "entry": lambda: other.get_entry(rec.entry.id),
        "entry_list": lambda: other.list_entries(rec.encounter.id),
    }
    leaked: list[str] = []
    for what in ctx.param("objects", list(reads)):
        try:
            result = reads[what]()
        except Refused as exc:
            details["reads"][what] = su.refusal(exc)
            continue
        if what == "entry_list" and not any(e.id == rec.entry.id for e in result):
            details["reads"][what] = f"served without the entry ({len(result)} entries)"
            continue
        details["reads"][what] = "served"
        leaked.append(what)
    if leaked:
        return failed(f"bác sĩ khoa {departments['other']} đọc được dữ liệu của khoa {departments['owner']}: "
                      f"{', '.join(leaked)}",
                      f"a doctor of {departments['other']} could read data of {departments['owner']}: "
                      f"{', '.join(leaked)}",
                      **details)
    return passed(f"bác sĩ khoa {departments['other']} không đọc được bệnh nhân, đợt điều trị, ghi chép của khoa "
                  f"{departments['owner']}",
                  f"a doctor of {departments['other']} could not read the patient, encounter or entries of "
                  f"{departments['owner']}", **details)


@probe("access.lockout_after_failures", requires=(Capability.LOGIN,))
def lockout_after_failures(ctx: ProbeContext) -> ProbeResult:
    """On the dedicated ``account`` (default tai_khoan_khoa): a correct login, ``max_failures`` wrong
    passwords, then the correct password must be refused (the account is locked)."""
    key = ctx.param("account", "tai_khoan_khoa")
    max_failures = int(ctx.param("max_failures", 5))
    details: dict[str, Any] = {"account": key, "max_failures": max_failures, "failures": []}
    try:
        first = ctx.adapter.login(key)
    except Refused as exc:
        return indeterminate("tài khoản thử đã bị khóa hoặc không dùng được ngay từ đầu",
                             "the test account is already locked or unusable", **details, first_login=su.refusal(exc))
    details["first_login"] = "accepted"
    if Capability.LOGOUT in ctx.adapter.capabilities():
        with contextlib.suppress(Refused):
            first.logout()
    accepted_wrong = 0
    for _ in range(max_failures):
        try:
            ctx.adapter.login(key, password=_wrong_password())
            details["failures"].append("accepted")
            accepted_wrong += 1
        except Refused as exc:
            details["failures"].append(su.refusal(exc))
    if accepted_wrong:
        return failed(f"{accepted_wrong} lần đăng nhập sai mật khẩu lại được chấp nhận",
                      f"{accepted_wrong} logins with a wrong password were accepted", **details)
    try:
        ctx.adapter.login(key)
        details["login_after_failures"] = "accepted"
    except Refused as exc:
        details["login_after_failures"] = su.refusal(exc)
        how_vi = "khóa tài khoản" if isinstance(exc, AccountLocked) else f"từ chối (mã {exc.status})"
        how_en = "account locked" if isinstance(exc, AccountLocked) else f"refused (status {exc.status})"
        return passed(f"sau {max_failures} lần sai mật khẩu, đăng nhập đúng mật khẩu bị {how_vi}",
                      f"after {max_failures} wrong passwords the correct password was refused: {how_en}", **details)
    return failed(f"sau {max_failures} lần sai mật khẩu tài khoản vẫn đăng nhập được (không bị khóa)",
                  f"after {max_failures} wrong passwords the account can still log in (not locked)", **details)


@probe("access.logout_revokes_session", requires=(Capability.PATIENTS, Capability.LOGIN, Capability.LOGOUT))
def logout_revokes_session(ctx: ProbeContext) -> ProbeResult:
    """A fresh login of ``role`` reads a fresh patient, logs out, and must then be refused as
    unauthenticated when it reads again with the same session. When the target serves that read to
    anyone (an open read, PQ-01's concern), the old session tries a write instead (creating a patient)."""
    role = ctx.param("role", "bac_si")
    patient = su.new_patient(ctx, ctx.adapter.session(role))
    fresh = ctx.adapter.login(role)
    details: dict[str, Any] = {"role": role, "patient": patient.id}
    try:
        fresh.get_patient(patient.id)
        details["read_before_logout"] = "served"
    except Refused as exc:
        return indeterminate("phiên mới đăng nhập không đọc được dữ liệu thử",
                             "the fresh session could not read the test data",
                             **details, read_before_logout=su.refusal(exc))
    fresh.logout()
    try:
        fresh.get_patient(patient.id)
        details["read_after_logout"] = "served"
    except Refused as exc:
        details["read_after_logout"] = su.refusal(exc)
        return _judge_after_logout(exc, details)
    if Capability.ANONYMOUS in ctx.adapter.capabilities():
        try:
            ctx.adapter.anonymous().get_patient(patient.id)
            details["anonymous_read"] = "served"
        except Refused as exc:
            details["anonymous_read"] = su.refusal(exc)
    if details.get("anonymous_read") != "served":
        return failed("sau khi đăng xuất, phiên cũ vẫn đọc được dữ liệu",
                      "after logout the old session still reads data", **details)
    # Anyone may read this object, so the read proves nothing about the session: try a write.
    try:
        created = su.new_patient(ctx, fresh)
        details["write_after_logout"] = {"created_patient": created.id}
    except Refused as exc:
        details["write_after_logout"] = su.refusal(exc)
        return _judge_after_logout(exc, details, via_write=True)
    return failed("sau khi đăng xuất, phiên cũ vẫn ghi được dữ liệu (tạo bệnh nhân)",
                  "after logout the old session can still write data (it created a patient)", **details)


def _judge_after_logout(exc: Refused, details: dict[str, Any], via_write: bool = False) -> ProbeResult:
    how_vi = " (đọc không cần đăng nhập nên đã thử ghi)" if via_write else ""
    how_en = " (reads are open to anyone, so a write was tried)" if via_write else ""
    if isinstance(exc, Unauthenticated) or exc.status == 401:
        return passed(f"sau khi đăng xuất, phiên cũ bị từ chối là chưa xác thực (401){how_vi}",
                      f"after logout the old session is refused as unauthenticated (401){how_en}", **details)
    return indeterminate(f"sau khi đăng xuất, yêu cầu bị từ chối với mã {exc.status}, không phải 401: "
                         f"chưa rõ phiên đã bị thu hồi{how_vi}",
                         f"after logout the request was refused with {exc.status}, not 401: unclear whether the "
                         f"session was revoked{how_en}", **details)
