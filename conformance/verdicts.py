"""The verdict vocabulary, how verdicts roll up, and the exit codes that follow from them.

Criterion verdicts roll up from their probes; the appraisal's overall verdict rolls up from the
mandatory criteria only (DESIGN.md, "Verdicts and exit codes").
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from conformance.messages import Msg


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"  # a recommended criterion not met
    INDETERMINATE = "indeterminate"
    MANUAL_PENDING = "manual-pending"
    NOT_APPLICABLE = "not-applicable"
    ERROR = "error"


class Overall(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNDECIDED = "undecided"


VERDICT_LABELS: dict[Verdict, Msg] = {
    Verdict.PASS: Msg("Đạt", "Pass"),
    Verdict.FAIL: Msg("Không đạt", "Fail"),
    Verdict.WARN: Msg("Cảnh báo (khuyến nghị chưa đạt)", "Warning (recommendation not met)"),
    Verdict.INDETERMINATE: Msg("Không xác định được", "Indeterminate"),
    Verdict.MANUAL_PENDING: Msg("Chờ hội đồng xác nhận", "Awaiting council attestation"),
    Verdict.NOT_APPLICABLE: Msg("Không áp dụng", "Not applicable"),
    Verdict.ERROR: Msg("Lỗi khi kiểm tra", "Error while checking"),
}

OVERALL_LABELS: dict[Overall, Msg] = {
    Overall.PASS: Msg("Đạt", "Pass"),
    Overall.FAIL: Msg("Không đạt", "Fail"),
    Overall.UNDECIDED: Msg("Chưa đủ căn cứ", "Undecided"),
}

# Exit codes of `hsba appraise` and `hsba demo`.
EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_CRASH = 3
EXIT_UNDECIDED = 4

_EXIT_BY_OVERALL = {Overall.PASS: EXIT_PASS, Overall.FAIL: EXIT_FAIL, Overall.UNDECIDED: EXIT_UNDECIDED}


def roll_up_probes(verdicts: Iterable[Verdict], *, mandatory: bool) -> Verdict:
    """A criterion's verdict from its probes' verdicts.

    A demonstrated failure is conclusive, whatever else happened; then a broken check (error), then
    an undecided one (indeterminate / manual-pending). Not-applicable only when every probe says so.
    A failure of a recommended criterion is reported as ``warn``.
    """
    seen = list(verdicts)
    if not seen:
        return Verdict.INDETERMINATE
    if Verdict.FAIL in seen or Verdict.WARN in seen:
        return Verdict.FAIL if mandatory else Verdict.WARN
    for undecided in (Verdict.ERROR, Verdict.INDETERMINATE, Verdict.MANUAL_PENDING):
        if undecided in seen:
            return undecided
    if all(v is Verdict.NOT_APPLICABLE for v in seen):
        return Verdict.NOT_APPLICABLE
    return Verdict.PASS


def overall(mandatory_verdicts: Iterable[Verdict]) -> Overall:
    """The appraisal's verdict from the mandatory criteria only."""
    seen = set(mandatory_verdicts)
    if Verdict.FAIL in seen:
        return Overall.FAIL
    if seen & {Verdict.INDETERMINATE, Verdict.MANUAL_PENDING, Verdict.ERROR}:
        return Overall.UNDECIDED
    return Overall.PASS


def exit_code(result: Overall) -> int:
    return _EXIT_BY_OVERALL[result]
