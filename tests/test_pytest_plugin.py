"""Plain pytest in a vendor's CI: `pytest --hsba-target target.toml` with xdist, JUnit, -k and -m."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.adapters.reference.process import ReferenceProcess
from conftest import DATE, load_results, verdicts


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReferenceProcess, Path]]:
    work = tmp_path_factory.mktemp("plugin")
    with ReferenceProcess(db=work / "emr.sqlite") as server:
        yield server, server.write_target(work / "target.toml")


def _pytest(args: list[str], cwd: Path, server: ReferenceProcess) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HSBA_", "PYTEST_"))}
    env.update(server.passwords)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_xdist_junit_and_marker_selection(reference: tuple[ReferenceProcess, Path], tmp_path: Path) -> None:
    server, target = reference
    proc = _pytest(["--hsba-target", str(target), "--hsba-out", "out", "--hsba-date", DATE, "-n", "2",
                    "-m", "audit and mandatory", "--junitxml", "junit.xml", "--hsba-progress"], tmp_path, server)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = verdicts(load_results(tmp_path / "out"))
    assert set(got) == {"NK-01", "NK-02", "NK-03", "NK-04"}  # NK-05 is recommended: not selected
    assert set(got.values()) == {"pass"}
    assert "[  4/4] NK-0" in proc.stdout  # progress counts the selected criteria, across workers
    cases = {case.get("name") for case in ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")}
    assert cases == set(got)
    assert "judged 4 of the profile's" in (tmp_path / "out" / "results.json").read_text(encoding="utf-8")


def test_only_and_keyword_selection(reference: tuple[ReferenceProcess, Path], tmp_path: Path) -> None:
    server, target = reference
    proc = _pytest(["--hsba-target", str(target), "--hsba-out", "out", "--hsba-date", DATE,
                    "--only", "TV-01", "--only", "PQ-01", "--only", "NK-05", "-k", "not NK"], tmp_path, server)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(verdicts(load_results(tmp_path / "out"))) == {"TV-01", "PQ-01"}


def test_plugin_is_inert_without_a_target(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_ok():\n    assert True\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "1 passed" in proc.stdout


def test_bad_target_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text('[target]\nadapter = "reference"\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--hsba-target", "t.toml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4  # pytest's usage error
    assert "base_url" in proc.stderr


def test_missing_account_makes_its_criterion_indeterminate(reference: tuple[ReferenceProcess, Path],
                                                           tmp_path: Path) -> None:
    server, target = reference
    text = target.read_text(encoding="utf-8")
    start = text.index("[accounts.tai_khoan_khoa]")
    end = text.find("\n[", start + 1)
    (tmp_path / "t.toml").write_text(text[:start] + (text[end + 1:] if end != -1 else ""), encoding="utf-8")
    proc = _pytest(["--hsba-target", "t.toml", "--hsba-out", "out", "--hsba-date", DATE, "--only", "PQ-04",
                    "--only", "PQ-05"], tmp_path, server)
    results = load_results(tmp_path / "out")
    assert verdicts(results) == {"PQ-04": "indeterminate", "PQ-05": "pass"}, proc.stdout
    message = results["criteria"][0]["message"]
    assert "tai_khoan_khoa" in message["en"] and "tai_khoan_khoa" in message["vi"]
    assert results["summary"]["overall"] == "undecided"


def test_attestation_under_plain_pytest(reference: tuple[ReferenceProcess, Path], tmp_path: Path) -> None:
    """`--hsba-attestation` with xdist and -m: verdicts merge, the evidence travels, coverage is written."""
    server, target = reference
    (tmp_path / "drill.pdf").write_bytes(b"%PDF-1.7 restore drill")
    (tmp_path / "att.yaml").write_text(
        'profile: tt13-2025\ndate: 2026-01-10\ncouncil: [{name: "Nguyễn Văn A", role: "Chủ tịch / Chair"}]\n'
        "attestations:\n  - {id: HT-09, verdict: pass, evidence: [drill.pdf]}\n"
        "  - {id: BV-01, verdict: fail, notes: chưa có chính sách}\n", encoding="utf-8")
    proc = _pytest(["--hsba-target", str(target), "--hsba-out", "out", "--hsba-date", DATE, "-n", "2",
                    "--hsba-attestation", "att.yaml", "-m", "systems or privacy"], tmp_path, server)
    results = load_results(tmp_path / "out")
    got = verdicts(results)
    assert got["HT-09"] == "pass" and got["BV-01"] == "fail" and got["HT-10"] == "manual-pending", got
    assert proc.returncode == 1  # a failed criterion fails the pytest run
    ht09 = next(c for c in results["criteria"] if c["id"] == "HT-09")
    assert (tmp_path / "out" / ht09["attestation"]["evidence"][0]["path"]).read_bytes() == b"%PDF-1.7 restore drill"
    assert results["council"] == [{"name": "Nguyễn Văn A", "role": "Chủ tịch / Chair"}]
    rows = (tmp_path / "out" / "coverage.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert {row.split(",", 1)[0] for row in rows} == set(got) | set(results["not_in_force"])
