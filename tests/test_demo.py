"""The demo on the clean reference EMR: what a council member sees after the README's first command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance import results as results_module
from conformance.adapters.reference.accounts import ACCOUNTS
from conformance.criteria_loader import load_catalogue
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
    # every automated criterion of the current profile was judged
    judged = {c["id"] for c in results["criteria"]}
    assert judged == {c.id for c in catalogue.criteria.values() if c.method == "automated"}
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
    for rel in list(cited):
        if not rel.endswith(".json"):
            continue  # an exported file kept as evidence (XML, PDF...), not an exchange record
        record = json.loads((out / rel).read_text(encoding="utf-8"))
        if isinstance(record, dict) and record.get("kind") == "http-exchange":
            for part in (record["request"], record["response"] or {}):
                if part.get("body"):
                    cited.add(part["body"]["path"])
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
