"""Probe of the integrity area: every entry, wherever it is shown (the encounter's list, each version),
names its author and carries a server time (TT 32/2023 Đ52 k2 d)."""

from __future__ import annotations

import contextlib
from typing import Any

from conformance.adapters.protocol import Capability, Entry, Refused
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su


def _attribution_problems(e: Entry, where: tuple[str, str], start: Any, end: Any,
                          ctx: ProbeContext) -> list[tuple[str, str]]:
    vi, en = where
    problems: list[tuple[str, str]] = []
    if not e.author:
        problems.append((f"{vi}: không ghi người viết", f"{en}: no author"))
    window = su.in_window(e.recorded_at, start, end, su.tolerance(ctx))
    if e.recorded_at is None:
        problems.append((f"{vi}: không ghi thời điểm", f"{en}: no time"))
    elif window is None:
        problems.append((f"{vi}: thời điểm không kèm múi giờ", f"{en}: the time has no UTC offset"))
    elif not window:
        problems.append((f"{vi}: thời điểm {su.iso(e.recorded_at)} không phải giờ máy chủ lúc ghi",
                         f"{en}: time {su.iso(e.recorded_at)} is not the server's time of writing"))
    return problems


@probe("integrity.every_entry_attributed", requires=(Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES))
def every_entry_attributed(ctx: ProbeContext) -> ProbeResult:
    """The author writes two entries (and edits one, when the target allows edits) in a fresh encounter;
    the encounter's entry list, each entry read alone and every version must show author and server time."""
    author = su.session(ctx, "author_role", "bac_si")
    start = ctx.now()
    rec = su.new_record(ctx, author, "ghi chép 1")
    second = su.new_entry(ctx, author, rec.encounter, "ghi chép 2")
    caps = ctx.adapter.capabilities()
    if Capability.ENTRY_EDIT in caps:
        with contextlib.suppress(Refused):
            author.edit_entry(second.id, ctx.label("bản sửa"), ctx.label("lý do sửa"))
    end = ctx.now()
    listed = author.list_entries(rec.encounter.id)
    details: dict[str, Any] = {**rec.ids(), "listed": [su.entry_summary(e) for e in listed]}
    problems: list[tuple[str, str]] = []
    ids = {rec.entry.id, second.id}
    if not ids <= {e.id for e in listed}:
        return indeterminate("danh sách ghi chép của đợt điều trị không có các ghi chép vừa tạo",
                             "the encounter's entry list lacks the entries just written", **details)
    for e in listed:
        if e.id in ids:
            problems += _attribution_problems(e, (f"danh sách, {e.id}", f"list, {e.id}"), start, end, ctx)
    for entry_id in sorted(ids):
        problems += _attribution_problems(author.get_entry(entry_id), (f"ghi chép {entry_id}", f"entry {entry_id}"),
                                          start, end, ctx)
        if Capability.ENTRY_VERSIONS in caps:
            versions = author.entry_versions(entry_id)
            details.setdefault("versions", {})[entry_id] = [su.entry_summary(v) for v in versions]
            for v in versions:
                where = (f"{entry_id} phiên bản {v.version}", f"{entry_id} version {v.version}")
                problems += _attribution_problems(v, where, start, end, ctx)
    ctx.attach("entries.json", details)
    if problems:
        return failed(*su.join_problems(problems[:8]), **details)
    return passed("mọi ghi chép (trong danh sách, khi đọc riêng và ở mọi phiên bản) đều ghi người viết và giờ máy chủ",
                  "every entry (in the list, read alone and in every version) shows its author and the server time",
                  **details)
