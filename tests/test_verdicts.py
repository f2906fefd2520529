"""Roll-up of probe verdicts into a criterion verdict, and of criteria into the appraisal's verdict."""

import pytest

from conformance.verdicts import (
    EXIT_FAIL,
    EXIT_PASS,
    EXIT_UNDECIDED,
    Overall,
    Verdict,
    exit_code,
    overall,
    roll_up_probes,
)

V = Verdict


@pytest.mark.parametrize(("probes", "mandatory", "expected"), [
    ([V.PASS, V.PASS], True, V.PASS),
    ([V.PASS, V.FAIL], True, V.FAIL),
    ([V.PASS, V.FAIL], False, V.WARN),  # a recommended criterion not met is a warning
    ([V.ERROR, V.FAIL], True, V.FAIL),  # a demonstrated failure is conclusive
    ([V.PASS, V.ERROR, V.INDETERMINATE], True, V.ERROR),
    ([V.PASS, V.INDETERMINATE], True, V.INDETERMINATE),
    ([V.PASS, V.MANUAL_PENDING], True, V.MANUAL_PENDING),
    ([V.NOT_APPLICABLE, V.NOT_APPLICABLE], True, V.NOT_APPLICABLE),
    ([V.NOT_APPLICABLE, V.PASS], True, V.PASS),
    ([], True, V.INDETERMINATE),  # nothing checked decides nothing
])
def test_criterion_roll_up(probes: list[Verdict], mandatory: bool, expected: Verdict) -> None:
    assert roll_up_probes(probes, mandatory=mandatory) is expected


@pytest.mark.parametrize(("mandatory", "expected", "code"), [
    ([V.PASS, V.NOT_APPLICABLE], Overall.PASS, EXIT_PASS),
    ([V.PASS, V.FAIL, V.ERROR], Overall.FAIL, EXIT_FAIL),
    ([V.PASS, V.INDETERMINATE], Overall.UNDECIDED, EXIT_UNDECIDED),
    ([V.PASS, V.MANUAL_PENDING], Overall.UNDECIDED, EXIT_UNDECIDED),
    ([V.PASS, V.ERROR], Overall.UNDECIDED, EXIT_UNDECIDED),
])
def test_overall_and_exit_code(mandatory: list[Verdict], expected: Overall, code: int) -> None:
    assert overall(mandatory) is expected
    assert exit_code(overall(mandatory)) == code


def test_vocabulary_is_the_designed_one() -> None:
    assert [v.value for v in Verdict] == [
        "pass", "fail", "warn", "indeterminate", "manual-pending", "not-applicable", "error"]
