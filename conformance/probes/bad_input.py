"""Property-based bad-input probe (dữ liệu đầu vào xấu): hostile and boundary values sent to the target's
write operations through the adapter, with hypothesis.

Each example changes ONE field of an otherwise valid write (identifiers, dates, codes, lengths, Unicode,
oversized bodies, wrong JSON types). The target may accept a value or refuse it, but a refusal must be a
4xx with an error body and must leave the stored data as it was (read back and compared); a 5xx, a broken
answer or a change after a refusal is a failure. Runs are bounded (examples per operation, a wall-clock
budget), seeded, and use no example database; the shrunk failing example is kept as evidence.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from conformance.adapters.protocol import Capability, Refused, TargetFailure, TargetSession
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su

OVERSIZED = 1_200_000  # characters: more than the 1 MiB a typical API accepts in one body
# Oversized text that does not compress (so the evidence bundle keeps no suspicious zip ratio), same every run.
DEFAULT_SEED = 20250721
_rng = random.Random(DEFAULT_SEED)
OVERSIZED_TEXT = "".join(_rng.choices(string.ascii_letters + string.digits + "ăâđêôơưỹ", k=OVERSIZED))
DEFAULT_EXAMPLES = 25
DEFAULT_BUDGET_S = 60.0

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=("Cc", "Cf", "Mn", "So", "Zs")), max_size=40),
    st.sampled_from(["", " ", "\x00", "\u202e‮gnp.exe", "'; DROP TABLE patients; --", "<script>alert(1)</script>",
                     "A" * 201, "Ư" * 5000, OVERSIZED_TEXT, "{{7*7}}", "../../etc/passwd"]))
HOSTILE_DATE = st.one_of(
    st.sampled_from(["2025-02-30", "2025-13-01", "0000-00-00", "9999-12-31", "1800-01-01", "", "2025-1-1",
                     "20250101", "2025-01-01T25:00:00", "١٩٨٠-٠١-٠١"]),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.text(max_size=12))
HOSTILE_ID = st.one_of(
    st.from_regex(r"[0-9]{0,16}", fullmatch=True),
    st.text(alphabet=st.characters(categories=["Nd"]), min_size=12, max_size=12),  # non-ASCII digits
    st.text(max_size=20))
WRONG_TYPES = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(),
                        st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                            max_size=2))


class _Found(Exception):
    """One example broke the contract (caught by hypothesis, which shrinks it)."""


class _OutOfTime(Exception):
    """The probe's time budget is used up: stop without a verdict on the remaining examples."""


def _problem(vi: str, en: str, example: dict[str, Any]) -> dict[str, Any]:
    shown = {k: (v[:80] + f"… ({len(v)} chars)" if isinstance(v, str) and len(v) > 80 else v)
             for k, v in example.items()}
    return {"message": {"vi": vi, "en": en}, "example": shown}


def _attempt(call: Callable[[], Any], readback: Callable[[], Any], example: dict[str, Any],
             deadline: float) -> dict[str, Any] | None:
    """Run one write; None when the target behaved, else the problem."""
    if time.monotonic() > deadline:
        raise _OutOfTime
    try:
        before = readback()
    except TargetFailure as exc:
        return _failure(exc, example, "before the write")
    try:
        call()
        return None
    except Refused as exc:
        if exc.status is None or not 400 <= exc.status < 500:
            return _problem(f"bị từ chối nhưng không phải mã 4xx ({exc.status})",
                            f"refused without a 4xx status ({exc.status})", example)
        if exc.body is None:
            return _problem(f"trả lời {exc.status} không kèm nội dung báo lỗi",
                            f"answered {exc.status} without an error body", example)
        try:
            after = readback()
        except TargetFailure as exc2:
            return _failure(exc2, example, "reading back after the refusal")
        if after != before:
            return _problem("bị từ chối nhưng dữ liệu đã lưu bị thay đổi",
                            "refused, yet the stored data changed", example) | {"before": before, "after": after}
        return None
    except TargetFailure as exc:
        return _failure(exc, example, "the write")


def _failure(exc: TargetFailure, example: dict[str, Any], when: str) -> dict[str, Any]:
    if "time budget" in exc.en:
        raise _OutOfTime from exc
    return _problem(f"hệ thống lỗi thay vì trả lời 4xx ({when}): {exc.vi[:200]}",
                    f"the target failed instead of answering 4xx ({when}): {exc.en[:200]}", example)


def _explore(ctx: ProbeContext, strategy: st.SearchStrategy[dict[str, Any]],
             check: Callable[[dict[str, Any]], dict[str, Any] | None]) -> tuple[int, dict[str, Any] | None]:
    """Run hypothesis over ``strategy``; (examples tried, the shrunk failing example's problem or None)."""
    found: list[dict[str, Any]] = []
    tried = [0]

    @seed(int(ctx.param("seed", DEFAULT_SEED)))
    @settings(max_examples=int(ctx.param("examples", DEFAULT_EXAMPLES)), database=None, deadline=None,
              derandomize=False, phases=(Phase.generate, Phase.shrink), report_multiple_bugs=False,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def run(example: dict[str, Any]) -> None:
        tried[0] += 1
        problem = check(example)
        if problem is not None:
            found.append(problem)
            raise _Found(problem["message"]["en"])

    try:
        run()
    except _Found:
        pass  # the shrunk example is found[-1]: hypothesis replays it last
    except Exception:  # e.g. hypothesis's FlakyFailure when the target answers a replay differently
        if not found:
            raise
    return tried[0], (found[-1] if found else None)


def _one_field(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Examples that set exactly one hostile field: {"field": name, "value": value}."""
    def tagged(name: str, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return strategy.map(lambda value: {"field": name, "value": value})

    return st.one_of(*[tagged(name, s) for name, s in fields.items()])


def _patients(ctx: ProbeContext, s: TargetSession, deadline: float) -> tuple[int, dict[str, Any] | None]:
    def check(ex: dict[str, Any]) -> dict[str, Any] | None:
        args = {"national_id": ctx.new_national_id(), "name": ctx.label("đầu vào xấu"),
                "birth_date": su.TEST_BIRTH_DATE, "sex": su.TEST_SEX, ex["field"]: ex["value"]}
        nid = args["national_id"]

        def readback() -> Any:
            try:
                return sorted(p.id for p in s.find_patients(nid))
            except Refused:
                return "refused"
        return _attempt(lambda: s.create_patient(**args), readback, {"operation": "create_patient", **ex}, deadline)

    return _explore(ctx, _one_field({"national_id": HOSTILE_ID, "name": HOSTILE_TEXT, "birth_date": HOSTILE_DATE,
                                     "sex": HOSTILE_TEXT}), check)


def _entries(ctx: ProbeContext, s: TargetSession, rec: su.Record,
             deadline: float) -> tuple[int, dict[str, Any] | None]:
    def readback() -> Any:
        return sorted((e.id, e.version, e.text) for e in s.list_entries(rec.encounter.id))

    def check(ex: dict[str, Any]) -> dict[str, Any] | None:
        kind, text, extra = su.DEFAULT_ENTRY_KIND, ctx.label("đầu vào xấu"), None
        if ex["field"] == "kind":
            kind = ex["value"]
        elif ex["field"] == "text":
            text = ex["value"]
        else:
            extra = {ex["field"]: ex["value"]}  # a field of the wrong JSON type, sent verbatim
        return _attempt(lambda: s.create_entry(rec.encounter.id, kind, text, extra), readback,
                        {"operation": "create_entry", **ex}, deadline)

    return _explore(ctx, _one_field({"kind": HOSTILE_TEXT, "text": HOSTILE_TEXT, "recorded_at": WRONG_TYPES,
                                     "author": WRONG_TYPES}), check)


def _edits(ctx: ProbeContext, s: TargetSession, rec: su.Record, deadline: float) -> tuple[int, dict[str, Any] | None]:
    def readback() -> Any:
        e = s.get_entry(rec.entry.id)
        return {"version": e.version, "text": e.text, "status": e.status}

    def check(ex: dict[str, Any]) -> dict[str, Any] | None:
        text, reason = ctx.label("sửa"), ctx.label("lý do")
        if ex["field"] == "text":
            text = ex["value"]
        else:
            reason = ex["value"]
        return _attempt(lambda: s.edit_entry(rec.entry.id, text, reason), readback,
                        {"operation": "edit_entry", **ex}, deadline)

    return _explore(ctx, _one_field({"text": HOSTILE_TEXT, "reason": HOSTILE_TEXT}), check)


@probe("bad_input.writes_fail_safely", requires=(Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES))
def writes_fail_safely(ctx: ProbeContext) -> ProbeResult:
    """Hostile values for creating patients and entries and (when offered) editing an entry: every refusal
    is a 4xx with an error body that leaves the stored data unchanged; nothing makes the target fail.
    Parameters: ``examples`` per operation (default 25), ``seed``, ``time_budget_s`` (default 60)."""
    s = su.session(ctx, "role", "bac_si")
    deadline = time.monotonic() + float(ctx.param("time_budget_s", DEFAULT_BUDGET_S))
    rec = su.new_record(ctx, s, "đầu vào xấu")
    runs: dict[str, Any] = {}
    operations: list[tuple[str, Callable[[], tuple[int, dict[str, Any] | None]]]] = [
        ("create_patient", lambda: _patients(ctx, s, deadline)),
        ("create_entry", lambda: _entries(ctx, s, rec, deadline))]
    if Capability.ENTRY_EDIT in ctx.adapter.capabilities():
        operations.append(("edit_entry", lambda: _edits(ctx, s, rec, deadline)))
    failures: list[dict[str, Any]] = []
    try:
        for name, run in operations:
            tried, problem = run()
            runs[name] = {"examples": tried, "problem": problem}
            if problem is not None:
                failures.append(problem)
    except _OutOfTime:
        ctx.attach("bad-input.json", runs)
        return indeterminate("hết thời gian dành cho phép thử đầu vào xấu trước khi thử xong",
                             "the time budget ran out before the bad-input examples were all tried", runs=runs)
    ctx.attach("bad-input.json", {"seed": int(ctx.param("seed", DEFAULT_SEED)), "runs": runs})
    total = sum(r["examples"] for r in runs.values())
    if failures:
        first = failures[0]
        ctx.attach("bad-input-shrunk-example.json", failures)
        return failed(f"{first['message']['vi']} — ví dụ rút gọn: {first['example']}",
                      f"{first['message']['en']} — shrunk example: {first['example']}", runs=runs)
    return passed(f"{total} ví dụ đầu vào xấu: mọi lần từ chối đều là 4xx có báo lỗi và không làm đổi dữ liệu",
                  f"{total} hostile examples: every refusal was a 4xx with an error and left the data unchanged",
                  runs=runs)
