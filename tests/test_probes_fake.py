"""Each probe of the integrity, audit and access areas passes on a well-behaved fake EMR and fails
(or is indeterminate) on a fake with the matching misbehaviour switched on."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conformance.adapters.protocol import Capability, Unsupported
from conformance.criteria_loader import load_catalogue
from conformance.lint import lint
from conformance.probe_api import EvidenceSink, ProbeContext, ProbeResult, registered_probes
from conformance.verdicts import Verdict
from fake_emr import PASSWORD, FakeAdapter


class DictSink(EvidenceSink):
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    def add_file(self, name: str, content: bytes, media_type: str) -> str:
        self.files[name] = (content, media_type)
        return f"evidence/{name}"


def run(name: str, adapter: FakeAdapter, params: dict | None = None, criterion: str = "XX-01") -> ProbeResult:
    spec = registered_probes()[name]
    missing = set(spec.requires) - adapter.capabilities()
    assert not missing, f"the fake lacks {missing}"
    ctx = ProbeContext(adapter, params or {}, criterion, DictSink(), date(2026, 1, 15))
    result = spec.function(ctx)
    text = json.dumps(result.details, ensure_ascii=False)  # details must be plain JSON for the evidence
    assert PASSWORD not in text and "wrong-" not in text  # no secret reaches the evidence
    assert result.message.vi and result.message.en
    return result


# probe, parameters, the fault that must make it fail
# The reference facility's policy, as the shipped criterion PQ-02 states it.
REFERENCE_MATRIX = load_catalogue().criteria["PQ-02"].probes[0].params["matrix"]

CASES = [
    ("integrity.edit_keeps_prior_version", {}, "edit_overwrites"),
    ("integrity.edit_keeps_prior_version", {}, "edit_drops_reason"),
    ("integrity.edit_requires_reason", {}, "edit_without_reason"),
    ("integrity.no_hard_delete", {}, "hard_delete"),
    ("integrity.cancel_is_reasoned_mark", {"author_role": "bac_si", "restore_role": "truong_khoa"},
     "cancel_without_reason"),
    ("integrity.signed_entry_immutable", {}, "signed_editable"),
    ("integrity.entry_author_and_server_time", {"tolerance_s": 120}, "trust_client_fields"),
    ("audit.read_is_logged", {}, "no_read_audit"),
    ("audit.write_is_logged", {}, "no_write_audit"),
    ("audit.log_append_only", {}, "audit_mutable"),
    ("audit.log_append_only", {}, "audit_deletable"),
    ("audit.denied_access_logged", {}, "no_denied_audit"),
    ("audit.hash_chain_intact", {}, "audit_chain_broken"),
    ("access.unauthenticated_refused", {}, "anonymous_reads"),
    ("access.role_matrix", {"matrix": REFERENCE_MATRIX}, "nurse_cancels"),
    ("access.department_scope", {}, "no_department_scope"),
    ("access.lockout_after_failures", {"max_failures": 5}, "no_lockout"),
    ("access.logout_revokes_session", {}, "logout_noop"),
]


@pytest.mark.parametrize(("name", "params"), sorted({(n, json.dumps(p)) for n, p, _ in CASES}))
def test_passes_on_well_behaved_emr(name: str, params: str) -> None:
    result = run(name, FakeAdapter(), json.loads(params))
    assert result.verdict is Verdict.PASS, result.message


@pytest.mark.parametrize(("name", "params", "fault"), CASES, ids=[f"{n}-{f}" for n, _, f in CASES])
def test_fails_on_its_fault(name: str, params: dict, fault: str) -> None:
    result = run(name, FakeAdapter({fault}), params)
    assert result.verdict is Verdict.FAIL, result.message


def test_all_probes_pass_in_one_run_on_one_target() -> None:
    """Like the demo: one adapter, every probe in turn; no probe spoils another's ground."""
    adapter = FakeAdapter()
    params = {n: p for n, p, _ in CASES}
    verdicts = {n: run(n, adapter, params[n]).verdict for n in sorted(params)}
    assert all(v is Verdict.PASS for v in verdicts.values()), verdicts
    assert run("audit.hash_chain_intact", adapter).verdict is Verdict.PASS  # the tamper attempts left the chain


def test_append_only_probe_leaves_a_changeable_log_as_it_found_it() -> None:
    """An accepted change is put back and no deletion follows, so the chain check still judges the target."""
    adapter = FakeAdapter({"audit_mutable"})
    result = run("audit.log_append_only", adapter)
    assert result.verdict is Verdict.FAIL and result.details["restored"] is True
    assert "delete" not in result.details
    assert run("audit.hash_chain_intact", adapter).verdict is Verdict.PASS


def test_denied_access_indeterminate_when_nothing_is_refused() -> None:
    result = run("audit.denied_access_logged", FakeAdapter({"accept_any_password", "no_department_scope"}))
    assert result.verdict is Verdict.INDETERMINATE, result.message


def test_denied_access_counts_only_what_was_refused() -> None:
    result = run("audit.denied_access_logged", FakeAdapter({"no_department_scope"}))
    assert result.verdict is Verdict.PASS, result.message
    kinds = {p["kind"]: p for p in result.details["provocations"]}
    assert kinds["cross-department-entry"]["outcome"] == "served"


def test_lockout_indeterminate_when_account_already_locked() -> None:
    adapter = FakeAdapter()
    adapter.emr.locked.add("tai_khoan_khoa")
    result = run("access.lockout_after_failures", adapter)
    assert result.verdict is Verdict.INDETERMINATE, result.message


def test_logout_judged_by_a_write_when_reads_are_open() -> None:
    result = run("access.logout_revokes_session", FakeAdapter({"anonymous_reads"}))
    assert result.verdict is Verdict.PASS, result.message
    assert "write_after_logout" in result.details
    result = run("access.logout_revokes_session", FakeAdapter({"anonymous_reads", "logout_noop"}))
    assert result.verdict is Verdict.FAIL, result.message


def test_role_matrix_follows_the_configured_policy() -> None:
    matrix = [{"role": "dieu_duong", "action": "cancel", "expect": "allow"}]  # a facility letting nurses cancel
    assert run("access.role_matrix", FakeAdapter(), {"matrix": matrix}).verdict is Verdict.FAIL
    assert run("access.role_matrix", FakeAdapter({"nurse_cancels"}), {"matrix": matrix}).verdict is Verdict.PASS


def test_role_matrix_indeterminate_for_an_unconfigured_role() -> None:
    matrix = [{"role": "duoc_si", "action": "view", "expect": "deny"}]
    assert run("access.role_matrix", FakeAdapter(), {"matrix": matrix}).verdict is Verdict.INDETERMINATE


def test_role_matrix_rejects_an_unknown_action() -> None:
    with pytest.raises(ValueError):
        run("access.role_matrix", FakeAdapter(), {"matrix": [{"role": "bac_si", "action": "fly", "expect": "deny"}]})


def test_unauthenticated_accepts_other_refusals_only_when_told() -> None:
    assert run("access.unauthenticated_refused", FakeAdapter({"anonymous_403"})).verdict is Verdict.FAIL
    result = run("access.unauthenticated_refused", FakeAdapter({"anonymous_403"}), {"require_401": False})
    assert result.verdict is Verdict.PASS, result.message


def test_unsupported_capability_propagates() -> None:
    adapter = FakeAdapter(capabilities=frozenset(Capability.ALL) - {Capability.AUDIT_CHAIN})
    ctx = ProbeContext(adapter, {}, "NK-05", DictSink(), date(2026, 1, 15))
    adapter.session("quan_tri").verify_audit_chain = lambda: (_ for _ in ()).throw(Unsupported("audit-chain"))
    with pytest.raises(Unsupported):
        registered_probes()["audit.hash_chain_intact"].function(ctx)


def test_shipped_criteria_lint_clean() -> None:
    """Every referenced probe exists, every probe is used, ids unique, basis and both languages present."""
    assert [str(p) for p in lint()] == []
    assert len(load_catalogue().criteria) >= 16


def test_role_matrix_without_a_policy_cannot_be_decided() -> None:
    from conformance.probe_api import CannotDecide

    with pytest.raises(CannotDecide):
        run("access.role_matrix", FakeAdapter(), {})
