"""The suite's sensitivity: every named fault of the reference EMR is caught by exactly its declared criteria.

`hsba demo --fault NAME` must exit 1 with its declared criteria failed (or warned, for a recommended one)
and no other mandatory criterion failed. By default each fault is checked against the criteria of the areas
its declared criteria belong to (`--area`), which keeps the suite fast; `tox -e faults` (HSBA_FAULTS_FULL=1)
runs every fault through the whole demo, every area.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conformance.adapters.reference.faults import faults_json
from conformance.criteria_loader import load_catalogue
from conftest import DATE, load_results, run_hsba, verdicts

FAULTS = faults_json()
FULL = os.environ.get("HSBA_FAULTS_FULL") == "1"


def _scope(fault: dict[str, object]) -> list[str]:
    """The demo options that limit a run to the areas of the fault's declared criteria (none in full mode)."""
    if FULL:
        return []
    catalogue = load_catalogue()
    areas = sorted({catalogue.criteria[cid].area for cid in fault["criteria"]})  # type: ignore[attr-defined]
    return [arg for area in areas for arg in ("--area", area)]


def test_fault_listing_contract(tmp_path: Path) -> None:
    proc = run_hsba(["reference-emr", "faults", "--json"], cwd=tmp_path)
    assert proc.returncode == 0
    listed = json.loads(proc.stdout)
    assert listed == FAULTS
    assert len(listed) >= 6
    catalogue = load_catalogue()
    for fault in listed:
        assert set(fault) == {"name", "description", "criteria"}
        assert fault["description"]["vi"] and fault["description"]["en"]
        assert fault["criteria"] and all(cid in catalogue.criteria for cid in fault["criteria"])
        assert any(catalogue.criteria[cid].mandatory for cid in fault["criteria"]), fault["name"]


@pytest.mark.parametrize("fault", FAULTS, ids=[f["name"] for f in FAULTS])
def test_fault_is_caught_by_exactly_its_criteria(fault: dict[str, object], tmp_path: Path) -> None:
    proc = run_hsba(["demo", "--out", "out", "--date", DATE, "--fault", str(fault["name"]), *_scope(fault)],
                    cwd=tmp_path)
    results = load_results(tmp_path / "out")
    got = verdicts(results)
    declared = set(fault["criteria"])  # type: ignore[arg-type]
    failed = {cid for cid, v in got.items() if v in ("fail", "warn")}
    assert failed == declared, f"{fault['name']}: failed {sorted(failed)}, declared {sorted(declared)}"
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert results["summary"]["overall"] == "fail"
    undecided = {cid: v for cid, v in got.items() if v in ("error", "indeterminate")}
    assert not undecided, undecided


def test_unknown_fault_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_hsba(["demo", "--out", "out", "--date", DATE, "--fault", "no-such-fault"], cwd=tmp_path)
    assert proc.returncode == 2
    assert "no-such-fault" in proc.stderr and "hard-delete" in proc.stderr
