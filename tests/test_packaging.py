"""The installed wheel adds exactly one import name, `conformance`, and finds its data without the checkout."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest

import conformance

CHECKOUT = Path(__file__).resolve().parents[1]


def _from_checkout() -> bool:
    return Path(conformance.__file__).resolve().parent == CHECKOUT / "conformance"


@pytest.mark.skipif(_from_checkout(), reason="an editable install maps the checkout; tox tests the wheel")
def test_wheel_has_one_top_level_name() -> None:
    files = distribution("hsba-conformance").files or []
    tops = {f.parts[0] for f in files if not f.parts[0].endswith((".dist-info", ".data")) and f.parts[0] != ".."}
    assert tops == {"conformance"}
    names = {str(f) for f in files}
    for expected in ("conformance/adapters/protocol.py", "conformance/adapters/reference/adapter.py",
                     "conformance/_criteria/schema.json", "conformance/_criteria/profiles/tt13-2025.yaml",
                     "conformance/_fixtures/pki/ca-bundle.pem", "conformance/schemas/results.schema.json",
                     "conformance/_criteria/profiles/tt46-2018.yaml",
                     "conformance/_fixtures/attestation/example-tt13-2025.yaml",
                     "conformance/_fixtures/attestation/evidence/vi-du-quy-che-hsba.md"):
        assert expected in names, expected


def test_works_outside_the_checkout(tmp_path: Path) -> None:
    code = ("import conformance.adapters.reference.adapter, conformance.pytest_plugin;"
            "from conformance.criteria_loader import load_catalogue; print(len(load_catalogue().criteria))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 12
    for generic in ("adapters", "fixtures", "criteria", "reports"):
        probe = subprocess.run([sys.executable, "-c", f"import {generic}"], cwd=tmp_path, capture_output=True,
                               timeout=60)
        assert probe.returncode != 0, f"a generic module '{generic}' is importable"
