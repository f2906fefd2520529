"""The reference EMR as a program: loopback only, clear start-up errors, and a tamper-evident audit log
whose chain check (criterion NK-05, which no single fault is declared for) really can fail."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conformance.adapters.reference.faults import UnknownFault
from conformance.adapters.reference.process import ReferenceProcess
from conformance.criteria_loader import load_catalogue
from conformance.evidence import EvidenceStore
from conformance.judge import check_criterion
from conformance.target import load_target, make_adapter
from conformance.verdicts import Verdict
from conftest import run_hsba


def test_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    proc = run_hsba(["reference-emr", "serve", "--host", "0.0.0.0", "--port", "0"], cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert "loopback" in proc.stderr


def test_unknown_fault_is_refused_before_start() -> None:
    with pytest.raises(UnknownFault) as info:
        ReferenceProcess(faults=["no-such-fault"])
    assert "hard-delete" in info.value.en


def test_audit_chain_check_detects_a_deleted_event(tmp_path: Path) -> None:
    with ReferenceProcess(faults=["audit-mutable"], db=tmp_path / "emr.sqlite") as server:
        config = load_target(server.write_target(tmp_path / "target.toml"), environ=server.passwords)
        adapter = make_adapter(config)
        try:
            criterion = load_catalogue().criteria["NK-05"]
            store = EvidenceStore(tmp_path / "out")
            before = check_criterion(criterion, adapter, store, date(2026, 1, 15))
            assert before.verdict is Verdict.PASS
            admin = adapter.session("quan_tri")
            events = admin.audit_events()
            assert len(events) > 3
            admin.delete_audit_event(events[len(events) // 2].id)  # the fault lets the administrator do it
            report = admin.verify_audit_chain()
            assert report.broken_at is not None
            after = check_criterion(criterion, adapter, store, date(2026, 1, 15))
            assert after.verdict is Verdict.WARN  # recommended: a warning, with what broke
            assert "chuỗi" in after.message.vi
        finally:
            adapter.close()
