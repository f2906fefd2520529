"""Probes of the audit area (nhật ký truy cập): reads and writes logged, refusals logged, the log
append-only and, where offered, a verifiable hash chain."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from conformance.adapters.protocol import AuditEvent, Capability, Refused, TargetSession
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su

_RECORD = (Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES)


def _auditor(ctx: ProbeContext) -> TargetSession:
    return su.session(ctx, "auditor_role", "quan_tri")


def _role(s: TargetSession) -> str | None:
    return s.account.role if s.account else s.role


def _check_logged(ctx: ProbeContext, auditor: TargetSession, actor: TargetSession, done: dict[str, Any],
                  action: str, object_id: str, events: list[AuditEvent] | None = None
                  ) -> tuple[list[AuditEvent], dict[str, Any], list[tuple[str, str]]]:
    """Find the audit event for ``action`` on ``object_id`` by ``actor``, done between the harness
    times ``done['start']`` and ``done['end']``, and say what it lacks."""
    if events is None:
        events = auditor.audit_events(object_id=object_id)
    tol = su.tolerance(ctx)
    candidates = [ev for ev in events if su.is_action(ev, action) and ev.object_id == object_id
                  and ev.user == su.user_id(actor)]
    ev, problems = su.best_event(
        candidates, lambda e: su.event_problems(e, _role(actor), done["start"], done["end"], tol))
    found = {"action": action, "object_id": object_id, "event": su.event_summary(ev) if ev else None,
             "problems_en": [p[1] for p in problems]}
    if ev is None:
        problems = [(f"không có sự kiện '{action}' của {actor.role} trên {object_id}",
                     f"no '{action}' event by {actor.role} on {object_id}")]
    else:
        problems = [(f"sự kiện '{action}' trên {object_id}: {p[0]}", f"the '{action}' event on {object_id}: {p[1]}")
                    for p in problems]
    return events, found, problems


def _timed(ctx: ProbeContext, call: Callable[[], Any]) -> tuple[Any, dict[str, datetime]]:
    start = ctx.now()
    result = call()
    return result, {"start": start, "end": ctx.now()}


@probe("audit.read_is_logged", requires=(*_RECORD, Capability.AUDIT_READ))
def read_is_logged(ctx: ProbeContext) -> ProbeResult:
    """``reader_role`` (default dieu_duong) reads a fresh entry and its patient; the audit log, read
    as ``auditor_role``, must hold a read event for each with who, role, server time, outcome, source."""
    creator = su.session(ctx, "creator_role", "bac_si")
    reader = su.session(ctx, "reader_role", "dieu_duong")
    auditor = _auditor(ctx)
    rec = su.new_record(ctx, creator, "đọc sẽ được ghi nhật ký")
    details: dict[str, Any] = {**rec.ids(), "reader": su.user_id(reader), "reads": {}, "events": []}
    done: dict[str, tuple[str, dict[str, datetime]]] = {}
    reads: list[tuple[str, Callable[[str], Any], str]] = [("entry", reader.get_entry, rec.entry.id),
                                                          ("patient", reader.get_patient, rec.patient.id)]
    for kind, read, object_id in reads:
        try:
            _, times = _timed(ctx, functools.partial(read, object_id))
            done[kind] = (object_id, times)
            details["reads"][kind] = {"start": su.iso(times["start"]), "end": su.iso(times["end"])}
        except Refused as exc:
            details["reads"][kind] = su.refusal(exc)
    if not done:
        return indeterminate(f"{reader.role} không đọc được dữ liệu thử nên không có lượt đọc để tìm trong nhật ký",
                             f"{reader.role} could not read the test data, so there is no read to look for",
                             **details)
    problems: list[tuple[str, str]] = []
    for object_id, times in done.values():
        _, found, missing = _check_logged(ctx, auditor, reader, times, "read", object_id)
        details["events"].append(found)
        problems += missing
    if problems:
        vi, en = su.join_problems(problems)
        return failed(f"lượt xem chưa được ghi đầy đủ vào nhật ký: {vi}", f"reads are not fully logged: {en}",
                      **details)
    return passed(f"mỗi lượt xem ({', '.join(done)}) của {reader.role} đều có sự kiện nhật ký với người, vai trò, "
                  "thời điểm máy chủ, kết quả và nguồn",
                  f"each read ({', '.join(done)}) by {reader.role} has an audit event with user, role, server time, "
                  "outcome and source", **details)


@probe("audit.write_is_logged",
       requires=(*_RECORD, Capability.ENTRY_EDIT, Capability.ENTRY_CANCEL, Capability.AUDIT_READ))
def write_is_logged(ctx: ProbeContext) -> ProbeResult:
    """The author creates, edits and cancels a fresh entry; each write must appear in the audit log
    with who, role, action, object, server time and outcome."""
    author = su.session(ctx, "author_role", "bac_si")
    auditor = _auditor(ctx)
    patient = su.new_patient(ctx, author)
    encounter = su.new_encounter(ctx, author, patient)
    entry, created = _timed(ctx, lambda: su.new_entry(ctx, author, encounter, "ghi sẽ được ghi nhật ký"))
    steps: dict[str, dict[str, datetime]] = {"create": created}
    details: dict[str, Any] = {"patient": patient.id, "encounter": encounter.id, "entry": entry.id,
                               "author": su.user_id(author), "steps": {"create": "done"}, "events": []}
    for action, call in (("update", lambda: author.edit_entry(entry.id, ctx.label("bản sửa"), ctx.label("lý do"))),
                         ("cancel", lambda: author.cancel_entry(entry.id, ctx.label("lý do hủy")))):
        try:
            _, steps[action] = _timed(ctx, call)
            details["steps"][action] = "done"
        except Refused as exc:
            details["steps"][action] = su.refusal(exc)
    problems: list[tuple[str, str]] = []
    events: list[AuditEvent] | None = None
    for action, times in steps.items():
        events, found, missing = _check_logged(ctx, auditor, author, times, action, entry.id, events)
        details["events"].append(found)
        problems += missing
    ctx.attach("audit-events.json", [su.event_summary(ev) for ev in events or []])
    if problems:
        vi, en = su.join_problems(problems)
        return failed(f"thao tác ghi chưa được ghi đầy đủ vào nhật ký: {vi}", f"writes are not fully logged: {en}",
                      **details)
    if len(steps) < 3:
        return indeterminate(
            f"chỉ thực hiện được {', '.join(steps)} (đều có nhật ký); các thao tác còn lại bị từ chối",
            f"only {', '.join(steps)} could be done (all logged); the other writes were refused", **details)
    return passed("tạo, sửa và hủy ghi chép đều có sự kiện nhật ký với người, vai trò, hành động, đối tượng, "
                  "thời điểm và kết quả",
                  "create, edit and cancel of the entry each have an audit event with user, role, action, object, "
                  "time and outcome", **details)


@probe("audit.log_append_only",
       requires=(Capability.PATIENTS, Capability.AUDIT_READ, Capability.AUDIT_TAMPER))
def log_append_only(ctx: ProbeContext) -> ProbeResult:
    """``auditor_role`` tries to change, then to delete, the newest audit event this probe caused (its own
    fresh read of a new patient; failing that, the newest visible event). Both must be refused and the
    event must stay exactly as it was.

    The probe disturbs the log as little as it can, so that other criteria (a hash-chain check) still
    judge the target's own behaviour: it never touches an older event in the middle of the log; if the
    change is accepted it puts the original value back and does not go on to the deletion (the log is
    already shown to be changeable)."""
    creator = su.session(ctx, "creator_role", "bac_si")
    auditor = _auditor(ctx)
    start = ctx.now()
    patient = su.new_patient(ctx, creator)
    creator.get_patient(patient.id)
    query: dict[str, Any] = {"object_id": patient.id}
    events = auditor.audit_events(**query)
    chosen = "own"
    if not events:
        query, chosen = {"since": start - su.tolerance(ctx)}, "newest-since-start"
        events = auditor.audit_events(**query)
    if not events:
        query, chosen = {}, "newest-visible"
        events = auditor.audit_events()
    details: dict[str, Any] = {"patient": patient.id, "chosen": chosen}
    if not events:
        return indeterminate("nhật ký không có sự kiện nào để thử sửa, xóa",
                             "the audit log shows no event to tamper with", **details)
    target = events[-1]
    before = su.event_summary(target)
    details["event_before"] = before

    def read_back() -> dict[str, Any] | None:
        found = [ev for ev in auditor.audit_events(**query) if ev.id == target.id]
        return su.event_summary(found[0]) if found else None

    original = target.outcome
    changes = {"outcome": "denied" if (original or "").lower() == "success" else "success"}
    details["update_changes"] = changes
    try:
        auditor.update_audit_event(target.id, changes)
    except Refused as exc:
        details["update"] = su.refusal(exc)
    else:
        details["update"] = "accepted"
        details["event_after_update"] = read_back()
        try:  # put the original value back, so that the rest of the appraisal sees the log as it was
            auditor.update_audit_event(target.id, {"outcome": original})
            details["restored"] = read_back() == before
        except Refused as exc:
            details["restored"] = su.refusal(exc)
        changed = details["event_after_update"] != before
        return failed("yêu cầu sửa sự kiện nhật ký không bị từ chối"
                      + ("; sự kiện đã bị thay đổi" if changed else "")
                      + " (không thử xóa để khỏi làm hỏng nhật ký thêm)",
                      "the request to change an audit event was not refused"
                      + ("; the event was changed" if changed else "")
                      + " (deletion not tried, so as not to damage the log further)", **details)
    try:
        auditor.delete_audit_event(target.id)
        details["delete"] = "accepted"
    except Refused as exc:
        details["delete"] = su.refusal(exc)
    after = read_back()
    details["event_after"] = after
    problems: list[tuple[str, str]] = []
    if details["delete"] == "accepted":
        problems.append(("yêu cầu xóa sự kiện nhật ký không bị từ chối",
                         "the request to delete an audit event was not refused"))
    if after is None:
        problems.append(("sự kiện nhật ký đã bị xóa", "the audit event was deleted"))
    elif after != before:
        problems.append(("sự kiện nhật ký đã bị thay đổi", "the audit event was changed"))
    if problems:
        return failed(*su.join_problems(problems), **details)
    return passed("yêu cầu sửa và xóa sự kiện nhật ký đều bị từ chối; sự kiện giữ nguyên",
                  "requests to change and to delete an audit event were refused; the event is unchanged", **details)


@probe("audit.denied_access_logged", requires=(*_RECORD, Capability.AUDIT_READ, Capability.LOGIN))
def denied_access_logged(ctx: ProbeContext) -> ProbeResult:
    """Provoke one failed login (wrong password, ``login_role``) and a cross-department read
    (``other_role`` reading ``owner_role``'s fresh entry and patient). Every provocation that was refused
    must have an audit event with a denied/failed outcome."""
    login_key = ctx.param("login_role", "dieu_duong")
    known = ctx.adapter.session(login_key)
    owner = su.session(ctx, "owner_role", "bac_si")
    other_key = ctx.param("other_role", "bac_si_khoa_khac")
    other = ctx.adapter.session(other_key)
    auditor = _auditor(ctx)
    tol = su.tolerance(ctx)
    details: dict[str, Any] = {"provocations": []}
    problems: list[tuple[str, str]] = []
    refused = 0

    # (a) one failed login. The wrong password is random and never recorded.
    start = ctx.now()
    try:
        ctx.adapter.login(login_key, password="wrong-" + secrets.token_hex(8))
        details["provocations"].append({"kind": "failed-login", "account": login_key, "outcome": "accepted"})
    except Refused as exc:
        end = ctx.now()
        refused += 1
        names = {n for n in (su.user_id(known), known.account.username if known.account else None) if n}
        events = auditor.audit_events(since=start - tol)
        logged = [ev for ev in events
                  if (ev.user in names or names & {v for v in ev.raw.values() if isinstance(v, str)})
                  and (su.is_action(ev, "login-failed")
                       or (su.is_action(ev, "login") and (ev.outcome or "").lower() in su.NEGATIVE_OUTCOMES))
                  and su.in_window(ev.time, start, end, tol) is not False]
        details["provocations"].append({"kind": "failed-login", "account": login_key, **su.refusal(exc),
                                        "events": [su.event_summary(ev) for ev in logged]})
        if not logged:
            problems.append((f"đăng nhập sai mật khẩu của {login_key} không có trong nhật ký",
                             f"the failed login of {login_key} is not in the audit log"))

    # (b) a read across departments.
    rec = su.new_record(ctx, owner, "khoa khác không được đọc")
    details["record"] = rec.ids()
    for kind, read, object_id in (("entry", other.get_entry, rec.entry.id),
                                  ("patient", other.get_patient, rec.patient.id)):
        start = ctx.now()
        try:
            read(object_id)
            details["provocations"].append({"kind": f"cross-department-{kind}", "object_id": object_id,
                                            "outcome": "served"})
            continue
        except Refused as exc:
            end = ctx.now()
            refused += 1
            attempt = {"kind": f"cross-department-{kind}", "object_id": object_id, **su.refusal(exc)}
        logged = [ev for ev in auditor.audit_events(user=su.user_id(other), since=start - tol)
                  if ev.user == su.user_id(other) and ev.object_id in (object_id, None)
                  and ((ev.outcome or "").lower() in su.NEGATIVE_OUTCOMES or (ev.action or "").lower() == "denied")
                  and su.in_window(ev.time, start, end, tol) is not False]
        attempt["events"] = [su.event_summary(ev) for ev in logged]
        details["provocations"].append(attempt)
        if not logged:
            problems.append((f"lượt đọc {kind} khác khoa bị từ chối của {other_key} không có trong nhật ký",
                             f"the refused cross-department read of the {kind} by {other_key} is not in the audit log"))

    if problems:
        vi, en = su.join_problems(problems)
        return failed(vi, en, **details)
    if refused == 0:
        return indeterminate("không gây được lượt truy cập bị từ chối nào (đăng nhập sai và đọc khác khoa đều "
                             "được chấp nhận)",
                             "no access could be provoked into a refusal (the wrong login and the cross-department "
                             "reads were all accepted)", **details)
    return passed(f"cả {refused} lượt truy cập bị từ chối đều có sự kiện nhật ký với kết quả từ chối/thất bại",
                  f"all {refused} refused access attempts have an audit event with a denied/failed outcome", **details)


@probe("audit.hash_chain_intact", requires=(Capability.AUDIT_CHAIN,))
def hash_chain_intact(ctx: ProbeContext) -> ProbeResult:
    """Add a few fresh events (a new patient, created and read by ``creator_role``), then ask the target
    (as ``auditor_role``) to check its audit log's hash chain."""
    auditor = _auditor(ctx)
    details: dict[str, Any] = {}
    if Capability.PATIENTS in ctx.adapter.capabilities():
        creator = su.session(ctx, "creator_role", "bac_si")
        patient = su.new_patient(ctx, creator)
        creator.get_patient(patient.id)
        details["patient"] = patient.id
    report = auditor.verify_audit_chain()
    details |= {"checked": report.checked, "broken_at": report.broken_at, "detail": report.detail}
    if report.broken_at is not None:
        return failed(f"chuỗi băm của nhật ký bị đứt tại sự kiện {report.broken_at} (đã kiểm {report.checked} sự kiện)",
                      f"the audit log's hash chain breaks at event {report.broken_at} "
                      f"({report.checked} events checked)",
                      **details)
    if report.checked == 0:
        return indeterminate("không có sự kiện nào được kiểm tra chuỗi băm", "no event was checked in the hash chain",
                             **details)
    return passed(f"chuỗi băm của nhật ký nguyên vẹn ({report.checked} sự kiện)",
                  f"the audit log's hash chain is intact ({report.checked} events)", **details)
