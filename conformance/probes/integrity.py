"""Probes of the integrity area (toàn vẹn hồ sơ): versions, reasons, no deletion, cancel marks,
signed content, author and server time of each entry."""

from __future__ import annotations

from typing import Any

from conformance.adapters.protocol import Capability, Entry, Refused, TargetSession, Unsupported
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su

_AUTHOR = ("author_role", "bac_si")


def _author(ctx: ProbeContext) -> TargetSession:
    return su.session(ctx, *_AUTHOR)


@probe("integrity.edit_keeps_prior_version",
       requires=(Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES, Capability.ENTRY_EDIT,
                 Capability.ENTRY_VERSIONS))
def edit_keeps_prior_version(ctx: ProbeContext) -> ProbeResult:
    """The author edits a fresh entry with a reason; the prior version must stay readable, unchanged,
    and the new version must carry the reason, the editor and a server time."""
    author = _author(ctx)
    rec = su.new_record(ctx, author, "bản gốc")
    original = rec.entry.text
    new_text = ctx.label("bản sửa")
    reason = ctx.label("lý do sửa")
    details: dict[str, Any] = {**rec.ids(), "created": su.entry_summary(rec.entry)}
    try:
        author.edit_entry(rec.entry.id, new_text, reason)
    except Refused as exc:
        return indeterminate(
            "tác giả không sửa được ghi chép của chính mình (kể cả có lý do) nên không kiểm tra được việc lưu "
            "phiên bản",
            "the author could not edit their own entry (even with a reason), so versioning could not be checked",
            **details, edit=su.refusal(exc))
    current = author.get_entry(rec.entry.id)
    versions = author.entry_versions(rec.entry.id)
    details |= {"current": su.entry_summary(current), "versions": [su.entry_summary(v) for v in versions]}
    ctx.attach("versions.json", details["versions"])

    problems: list[tuple[str, str]] = []
    if current.text != new_text:
        problems.append(("bản hiện hành không mang nội dung đã sửa",
                         "the current version does not show the edited text"))
    old = [v for v in versions if v.text == original]
    new = [v for v in versions if v.text == new_text]
    if len(versions) < 2 or not old:
        problems.append((f"sau khi sửa chỉ còn {len(versions)} phiên bản và không còn đọc được nội dung cũ",
                         f"after the edit {len(versions)} version(s) remain and the prior text is no longer readable"))
    else:
        prior = old[0]
        if prior.author != su.user_id(author) or prior.recorded_at is None:
            problems.append(("phiên bản cũ không còn giữ tác giả và thời điểm ghi ban đầu",
                             "the prior version no longer keeps its original author and time"))
    if not new:
        problems.append(("lịch sử phiên bản không có phiên bản mới", "the version history has no new version"))
    else:
        latest = new[-1]
        if latest.reason != reason:
            problems.append((f"phiên bản mới không lưu lý do sửa (thấy: {latest.reason!r})",
                             f"the new version does not keep the reason for the edit (found: {latest.reason!r})"))
        if latest.author != su.user_id(author):
            problems.append((f"phiên bản mới không ghi người sửa (thấy: {latest.author!r})",
                             f"the new version does not record the editor (found: {latest.author!r})"))
        if latest.recorded_at is None:
            problems.append(("phiên bản mới không có thời điểm sửa", "the new version has no time"))
        if old and old[0].version is not None and latest.version is not None and latest.version <= old[0].version:
            problems.append(("số phiên bản không tăng sau khi sửa",
                             "the version number did not increase with the edit"))
    if problems:
        return failed(*su.join_problems(problems), **details)
    return passed(
        f"sau khi sửa có {len(versions)} phiên bản; phiên bản cũ vẫn đọc được nguyên vẹn; phiên bản mới ghi lý do, "
        "người sửa và thời điểm",
        f"after the edit {len(versions)} versions exist; the prior one is intact and readable; the new one records "
        "the reason, the editor and the time",
        **details)


@probe("integrity.edit_requires_reason",
       requires=(Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES, Capability.ENTRY_EDIT))
def edit_requires_reason(ctx: ProbeContext) -> ProbeResult:
    """The author tries to edit a fresh entry with no reason, then with a blank one; both must be
    refused and the entry left unchanged. A control edit with a reason shows that the refusals were
    about the reason, not about the author's rights."""
    author = _author(ctx)
    rec = su.new_record(ctx, author, "bản gốc")
    original = rec.entry.text
    details: dict[str, Any] = {**rec.ids(), "created": su.entry_summary(rec.entry), "attempts": []}
    accepted: list[tuple[str, str]] = []
    for label, reason in ((("không có lý do", "no reason"), None),
                          (("lý do để trống", "blank reason"), ctx.param("blank_reason", " "))):
        try:
            author.edit_entry(rec.entry.id, ctx.label("sửa không lý do"), reason)
            details["attempts"].append({"attempt": label[1], "outcome": "accepted"})
            accepted.append(label)
        except Refused as exc:
            details["attempts"].append({"attempt": label[1], **su.refusal(exc)})
    after = author.get_entry(rec.entry.id)
    details["after_attempts"] = su.entry_summary(after)
    unchanged = after.text == original and (rec.entry.version is None or after.version == rec.entry.version)
    if accepted or not unchanged:
        what_vi = "sửa không có lý do vẫn được chấp nhận" if accepted else "bị từ chối nhưng ghi chép đã thay đổi"
        what_en = "an edit without a reason was accepted" if accepted else "refused, yet the entry changed"
        return failed(
            f"{what_vi} ({', '.join(a[0] for a in accepted) or '-'}); "
            f"nội dung {'giữ nguyên' if unchanged else 'đã bị thay đổi'}",
            f"{what_en} ({', '.join(a[1] for a in accepted) or '-'}); "
            f"the content {'is unchanged' if unchanged else 'was changed'}",
            **details)
    # Control: with a reason, the same author may edit; otherwise the refusals prove nothing about reasons.
    try:
        control = author.edit_entry(rec.entry.id, ctx.label("sửa có lý do"), ctx.label("lý do"))
        details["control_edit"] = su.entry_summary(control)
    except Refused as exc:
        details["control_edit"] = su.refusal(exc)
        return indeterminate(
            "sửa không lý do bị từ chối, nhưng sửa có lý do cũng bị từ chối: không rõ việc từ chối có phải do "
            "thiếu lý do",
            "the edit without a reason was refused, but so was an edit with a reason: the refusal may not be about "
            "the reason", **details)
    return passed(
        "sửa không có lý do (bỏ trống hoặc chỉ khoảng trắng) bị từ chối và ghi chép giữ nguyên; sửa có lý do "
        "được chấp nhận",
        "edits without a reason (missing or blank) were refused and the entry stayed unchanged; an edit with a reason "
        "was accepted", **details)


def _retrievable(s: TargetSession, entry_id: str, text: str, use_versions: bool) -> tuple[bool, dict[str, Any]]:
    """Whether ``text`` of entry ``entry_id`` can still be read, by the entry or its version history."""
    seen: dict[str, Any] = {}
    try:
        e = s.get_entry(entry_id)
        seen["get_entry"] = su.entry_summary(e)
        if e.text == text:
            return True, seen
    except Refused as exc:
        seen["get_entry"] = su.refusal(exc)
    if use_versions:
        try:
            versions = s.entry_versions(entry_id)
            seen["versions"] = [su.entry_summary(v) for v in versions]
            if any(v.text == text for v in versions):
                return True, seen
        except Refused as exc:
            seen["versions"] = su.refusal(exc)
    return False, seen


@probe("integrity.no_hard_delete",
       requires=(Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES, Capability.ENTRY_DELETE))
def no_hard_delete(ctx: ProbeContext) -> ProbeResult:
    """Each role in ``delete_roles`` asks to delete a fresh entry; the request must be refused or only
    mark the entry, and its content must stay retrievable (by ``reader_role``, default the author)."""
    author = _author(ctx)
    reader = su.session(ctx, "reader_role", ctx.param(*_AUTHOR))
    use_versions = Capability.ENTRY_VERSIONS in ctx.adapter.capabilities()
    rec = su.new_record(ctx, author, "không được xóa")
    details: dict[str, Any] = {**rec.ids(), "attempts": []}
    lost: list[str] = []
    soft: list[str] = []
    for role in ctx.param("delete_roles", [ctx.param(*_AUTHOR), "quan_tri"]):
        attempt: dict[str, Any] = {"role": role}
        try:
            s = ctx.adapter.session(role)
        except Unsupported as exc:
            details["attempts"].append({**attempt, "skipped": exc.en})
            continue
        try:
            s.delete_entry(rec.entry.id)
            attempt["outcome"] = "accepted"
        except Refused as exc:
            attempt |= su.refusal(exc)
        ok, seen = _retrievable(reader, rec.entry.id, rec.entry.text, use_versions)
        attempt |= {"content_retrievable_after": ok, "seen_after": seen}
        details["attempts"].append(attempt)
        if not ok:
            lost.append(role)
            break
        elif attempt.get("outcome") == "accepted":
            soft.append(role)
    if not any("skipped" not in a for a in details["attempts"]):
        return indeterminate("không có tài khoản nào để thử yêu cầu xóa",
                             "no account was available to request a deletion", **details)
    if lost:
        return failed(
            f"sau yêu cầu xóa của {', '.join(lost)}, nội dung ghi chép không còn truy xuất được (xóa vật lý)",
            f"after the delete request by {', '.join(lost)} the entry's content can no longer be retrieved "
            "(physical deletion)", **details)
    how_vi = f"yêu cầu xóa của {', '.join(soft)} chỉ đánh dấu" if soft else "mọi yêu cầu xóa đều bị từ chối"
    how_en = (f"the delete request by {', '.join(soft)} only marked the entry" if soft
              else "every delete request was refused")
    return passed(f"{how_vi}; nội dung ghi chép vẫn truy xuất được nguyên vẹn",
                  f"{how_en}; the entry's content is still retrievable intact", **details)


@probe("integrity.cancel_is_reasoned_mark",
       requires=(Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES, Capability.ENTRY_CANCEL))
def cancel_is_reasoned_mark(ctx: ProbeContext) -> ProbeResult:
    """Cancel without a reason must be refused; cancel with a reason marks the entry cancelled, keeps
    its content readable and stores the reason; ``restore_role`` can then restore it."""
    author = _author(ctx)
    restorer = su.session(ctx, "restore_role", "truong_khoa")
    rec = su.new_record(ctx, author, "sẽ hủy")
    original = rec.entry.text
    details: dict[str, Any] = rec.ids()
    problems: list[tuple[str, str]] = []

    try:
        author.cancel_entry(rec.entry.id, None)
        details["cancel_without_reason"] = "accepted"
        problems.append(("hủy không có lý do vẫn được chấp nhận", "a cancel without a reason was accepted"))
    except Refused as exc:
        details["cancel_without_reason"] = su.refusal(exc)

    reason = ctx.label("lý do hủy")
    try:
        author.cancel_entry(rec.entry.id, reason)
    except Refused as exc:
        details["cancel_with_reason"] = su.refusal(exc)
        if problems:
            return failed(problems[0][0], problems[0][1], **details)
        return indeterminate("tác giả không hủy được ghi chép của mình kể cả khi có lý do",
                             "the author could not cancel their own entry even with a reason", **details)
    try:
        read_back = author.get_entry(rec.entry.id)
        details["after_cancel"] = su.entry_summary(read_back)
        cancelled: Entry | None = read_back
    except Refused as exc:
        cancelled = None
        details["after_cancel"] = su.refusal(exc)
        problems.append(("sau khi hủy không còn đọc được ghi chép",
                         "after cancelling, the entry can no longer be read"))
    if cancelled is not None:
        if cancelled.status != "cancelled":
            problems.append((f"ghi chép không được đánh dấu đã hủy (trạng thái: {cancelled.status})",
                             f"the entry is not marked cancelled (status: {cancelled.status})"))
        if cancelled.text != original:
            problems.append(("nội dung ghi chép đã hủy không còn nguyên vẹn",
                             "the cancelled entry's content is not intact"))
        stored = cancelled.reason == reason
        if not stored and Capability.ENTRY_VERSIONS in ctx.adapter.capabilities():
            versions = author.entry_versions(rec.entry.id)
            details["versions_after_cancel"] = [su.entry_summary(v) for v in versions]
            stored = any(v.reason == reason for v in versions)
        if not stored:
            problems.append(("lý do hủy không được lưu", "the reason for cancelling is not stored"))

    try:
        restorer.restore_entry(rec.entry.id, ctx.label("lý do khôi phục"))
        after = restorer.get_entry(rec.entry.id)
        details["after_restore"] = su.entry_summary(after)
        if after.status != "active" or after.text != original:
            problems.append((f"sau khi khôi phục ghi chép không trở lại bình thường (trạng thái: {after.status})",
                             f"after restoring, the entry is not back to normal (status: {after.status})"))
    except Refused as exc:
        details["restore"] = {"role": restorer.role, **su.refusal(exc)}
        problems.append((f"vai trò {restorer.role} không khôi phục được ghi chép đã hủy",
                         f"the role {restorer.role} could not restore the cancelled entry"))

    if problems:
        return failed(*su.join_problems(problems), **details)
    return passed(
        "hủy không lý do bị từ chối; hủy có lý do chỉ đánh dấu, nội dung và lý do được lưu; khôi phục được",
        "cancel without a reason was refused; with a reason it only marks the entry, keeping content and reason; "
        "restore works", **details)


@probe("integrity.signed_entry_immutable",
       requires=(Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES, Capability.ENTRY_SIGN,
                 Capability.ENTRY_EDIT))
def signed_entry_immutable(ctx: ProbeContext) -> ProbeResult:
    """The author signs a fresh entry, then tries to edit it with a reason: the edit must be refused
    and the signed content stay as signed."""
    author = _author(ctx)
    rec = su.new_record(ctx, author, "sẽ ký")
    details: dict[str, Any] = rec.ids()
    try:
        signed = author.sign_entry(rec.entry.id)
    except Refused as exc:
        return indeterminate("tác giả không ký được ghi chép của mình", "the author could not sign their own entry",
                             **details, sign=su.refusal(exc))
    details["signed"] = su.entry_summary(signed)
    if not signed.signed:
        check = author.get_entry(rec.entry.id)
        details["after_sign"] = su.entry_summary(check)
        if not check.signed:
            return indeterminate("sau khi ký, hệ thống không cho thấy ghi chép đã được ký",
                                 "after signing, the target does not show the entry as signed", **details)
    try:
        author.edit_entry(rec.entry.id, ctx.label("sửa sau ký"), ctx.label("lý do"))
        details["edit_after_sign"] = "accepted"
        edit_refused = False
    except Refused as exc:
        details["edit_after_sign"] = su.refusal(exc)
        edit_refused = True
    after = author.get_entry(rec.entry.id)
    details["after_edit"] = su.entry_summary(after)
    intact = after.text == rec.entry.text and after.signed
    if not edit_refused:
        return failed(
            "ghi chép đã ký vẫn sửa được" + ("" if intact else "; nội dung đã ký bị thay đổi"),
            "a signed entry could still be edited" + ("" if intact else "; the signed content was changed"),
            **details)
    if not intact:
        return failed("yêu cầu sửa bị từ chối nhưng ghi chép không còn nguyên nội dung và trạng thái đã ký",
                      "the edit was refused, yet the entry no longer shows its signed content and signed state",
                      **details)
    return passed("sửa ghi chép đã ký bị từ chối; nội dung đã ký giữ nguyên",
                  "editing the signed entry was refused; the signed content is unchanged", **details)


@probe("integrity.entry_author_and_server_time",
       requires=(Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES))
def entry_author_and_server_time(ctx: ProbeContext) -> ProbeResult:
    """Create an entry while sending a forged author and an old time; the stored entry must name the
    creating account and carry the server's time (within ``tolerance_s`` of the harness clock)."""
    author = _author(ctx)
    patient = su.new_patient(ctx, author)
    encounter = su.new_encounter(ctx, author, patient)
    forged_author = "hsba-test-nguoi-khac"
    try:
        other = ctx.adapter.session(ctx.param("other_role", "dieu_duong"))
        if other.account and other.account.user_id != su.user_id(author):
            forged_author = other.account.user_id
    except (Refused, Unsupported):  # any other account will do; a bogus id is the fallback
        pass
    forged_time = ctx.param("forged_time", "2001-01-01T00:00:00+07:00")
    before = ctx.now()
    created = su.new_entry(ctx, author, encounter, "tác giả và thời gian",
                           extra={"recorded_at": forged_time, "author": forged_author})
    after_time = ctx.now()
    stored = author.get_entry(created.id)
    details: dict[str, Any] = {"patient": patient.id, "encounter": encounter.id, "entry": created.id,
                               "sent_author": forged_author, "sent_recorded_at": forged_time,
                               "expected_author": su.user_id(author), "harness_before": su.iso(before),
                               "harness_after": su.iso(after_time), "stored": su.entry_summary(stored)}
    problems: list[tuple[str, str]] = []
    if not stored.author:
        problems.append(("ghi chép không ghi tác giả", "the entry shows no author"))
    elif stored.author != su.user_id(author):
        problems.append((f"tác giả lưu là {stored.author!r}, không phải tài khoản đã tạo ({su.user_id(author)!r})",
                         f"the stored author is {stored.author!r}, not the creating account ({su.user_id(author)!r})"))
    window = su.in_window(stored.recorded_at, before, after_time, su.tolerance(ctx))
    if stored.recorded_at is None:
        problems.append(("ghi chép không có thời điểm ghi", "the entry shows no time"))
    elif window is None:
        return indeterminate("thời điểm ghi không kèm múi giờ nên không so sánh được với đồng hồ máy chủ",
                             "the entry's time has no UTC offset, so it cannot be compared", **details)
    elif not window:
        problems.append((f"thời điểm ghi {su.iso(stored.recorded_at)} không phải giờ máy chủ lúc tạo",
                         f"the recorded time {su.iso(stored.recorded_at)} is not the server's time of creation"))
    if problems:
        return failed(*su.join_problems(problems), **details)
    return passed("ghi chép mang đúng tài khoản tạo và giờ máy chủ; tác giả và thời gian do máy khách gửi bị bỏ qua",
                  "the entry names the creating account and the server's time; the client-sent author and time "
                  "were ignored", **details)
