"""The demo on the clean reference EMR: what a council member sees after the README's first command."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conformance import results as results_module
from conformance.adapters.reference.accounts import ACCOUNTS
from conformance.criteria_loader import load_catalogue
from conformance.selection import select
from conftest import DATE, load_results, run_hsba

PASSWORDS = {spec.env_var: f"Demo-{spec.key}-pw-7f3a9c" for spec in ACCOUNTS}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, dict[str, Any]]:
    work = tmp_path_factory.mktemp("demo")
    proc = run_hsba(["demo", "--out", "out", "--date", DATE], cwd=work, env=PASSWORDS)
    return work / "out", proc, load_results(work / "out")


def test_clean_demo_passes(demo: tuple[Path, Any, dict[str, Any]]) -> None:
    _, proc, results = demo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert results["summary"]["overall"] == "pass"
    catalogue = load_catalogue()
    for criterion in results["criteria"]:
        if criterion["level"] == "mandatory" and criterion["method"] == "automated":
            assert criterion["verdict"] == "pass", (criterion["id"], criterion["message"])
    # every criterion of the current profile in force on the date was judged; the manual ones by the example council
    judged = {c["id"] for c in results["criteria"]}
    assert judged == {c.id for c in select(catalogue, date.fromisoformat(DATE)).applied}
    for criterion in results["criteria"]:
        if criterion["method"] != "automated":
            assert criterion["attestation"] is not None, criterion["id"]
            assert criterion["verdict"] in ("pass", "not-applicable"), (criterion["id"], criterion["message"])
    assert "Kết luận / Conclusion: Đạt / Pass" in proc.stdout
    assert re.search(r"\[\s*1/\d+\] \w+-\d+", proc.stdout), "progress lines are printed"


def test_results_validate_and_cite_evidence(demo: tuple[Path, Any, dict[str, Any]]) -> None:
    out, _, results = demo
    assert results_module.validate(results) == []
    assert results["appraisal_date"] == DATE and results["profile"]["id"] == "tt13-2025"
    for criterion in results["criteria"]:
        assert criterion["evidence"], criterion["id"]
        for rel in criterion["evidence"]:
            assert (out / rel).is_file()
    # exchanges are recorded with method, URL, status and headers
    exchange = next(p for c in results["criteria"] for p in c["evidence"] if p.endswith(".json"))
    assert (out / exchange).stat().st_size > 0
    # every evidence file belongs to this run: cited by a criterion, or a body cited by a cited exchange
    cited = {p for c in results["criteria"] for p in c["evidence"]}
    for rel in [p for p in cited if p.endswith(".json")]:  # council evidence and signed PDFs are kept as is
        record = json.loads((out / rel).read_text(encoding="utf-8"))
        if isinstance(record, dict) and record.get("kind") == "http-exchange":
            for part in (record["request"], record["response"] or {}):
                if part.get("body"):
                    cited.add(part["body"]["path"])
    cited.add(results["attestation"]["file"])  # the council's attestation file itself travels with the bundle
    on_disk = {str(p.relative_to(out)) for p in (out / "evidence").rglob("*") if p.is_file()}
    assert on_disk == cited
    assert (out / "junit.xml").is_file()
    junit = (out / "junit.xml").read_text(encoding="utf-8")
    assert 'name="TV-01"' in junit


def test_no_secret_in_any_artefact(demo: tuple[Path, Any, dict[str, Any]]) -> None:
    out, proc, _ = demo
    blobs = [p.read_bytes() for p in out.rglob("*") if p.is_file() and p.suffix != ".sqlite"
             and "reference-emr" not in p.parts]
    blobs.append((proc.stdout + proc.stderr).encode())
    everything = b"\n".join(blobs)
    for password in PASSWORDS.values():
        assert password.encode() not in everything
    assert re.search(rb"Bearer (?!\[REDACTED\]|realm=)", everything) is None
    assert re.search(rb'"token": "(?!\[REDACTED\])', everything) is None
    assert b"[REDACTED]" in everything  # the secrets were there, and were redacted


def test_allure_results_are_labelled(demo: tuple[Path, Any, dict[str, Any]]) -> None:
    out, _, results = demo
    by_feature: dict[str, dict[str, Any]] = {}
    for path in (out / "allure-results").glob("*-result.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = {label["name"]: label.get("value") for label in data["labels"]}
        by_feature[labels["feature"]] = {"labels": labels, "attachments": data.get("attachments", [])}
    assert set(by_feature) == {c["id"] for c in results["criteria"]}
    first = by_feature["TV-01"]
    assert first["labels"]["epic"].startswith("Toàn vẹn hồ sơ")
    assert first["labels"]["severity"] == "critical"
    assert first["attachments"], "evidence is attached"


def test_example_council_is_recorded_with_hashed_evidence(demo: tuple[Path, Any, dict[str, Any]]) -> None:
    out, _, results = demo
    assert results["council"][0]["role"].startswith("Chủ tịch")
    attestation = results["attestation"]
    assert hashlib.sha256((out / attestation["file"]).read_bytes()).hexdigest() == attestation["sha256"]
    assert any("VÍ DỤ" in n["vi"] and "EXAMPLE" in n["en"] for n in results["notices"])
    attested = [c for c in results["criteria"] if c["attestation"]]
    for criterion in attested:
        for item in criterion["attestation"]["evidence"]:
            assert hashlib.sha256((out / item["path"]).read_bytes()).hexdigest() == item["sha256"]
            assert item["path"] in criterion["evidence"]
    not_applicable = [c for c in attested if c["verdict"] == "not-applicable"]
    assert not_applicable and all(c["attestation"]["reason"] for c in not_applicable)


def test_coverage_file_and_counts(demo: tuple[Path, Any, dict[str, Any]]) -> None:
    out, proc, results = demo
    with (out / "coverage.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["id", "area", "level", "method", "probes", "verdict", "reason_vi", "reason_en"]
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {c["id"] for c in results["criteria"]} | set(results["not_in_force"])
    coverage = results["summary"]["coverage"]
    judged = [r for r in rows if r["verdict"] != "not-in-force"]
    for method in ("automated", "manual", "mixed"):
        assert coverage[method] == sum(1 for r in judged if r["method"] == method) > 0
    assert by_id["BV-01"]["probes"] == "access.department_scope" and by_id["BV-01"]["reason_en"]
    assert by_id["HT-09"]["probes"] == "" and "council" in by_id["HT-09"]["reason_en"]
    assert by_id["TV-01"]["reason_en"] == ""
    assert all(r["reason_en"] for r in rows if r["verdict"] == "not-in-force")
    assert f"automated {coverage['automated']}, thủ công / manual {coverage['manual']}" in proc.stdout


def test_historical_demo_reads_circular_46(tmp_path: Path) -> None:
    """An appraisal dated under TT 46/2018 uses the historical profile, its texts and its example council."""
    proc = run_hsba(["demo", "--out", "out", "--date", "2022-05-01"], cwd=tmp_path, env=PASSWORDS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = load_results(tmp_path / "out")
    assert results["profile"]["id"] == "tt46-2018" and results["profile"]["in_force"]["to"] == "2025-06-05"
    ids = {c["id"] for c in results["criteria"]}
    assert {"TV-80", "PQ-80", "QC-80"} <= ids and "TV-01" not in ids and "QC-01" not in ids
    assert all(any("46/2018" in b["text"] or b.get("note") for b in c["basis"])
               for c in results["criteria"] if c["id"].endswith("-80"))
