"""The demo's report set, end to end: what `hsba demo` leaves for the Sở Y tế and what `hsba verify` says of it."""

from __future__ import annotations

import zipfile
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest

import conformance
from conformance.adapters.reference.accounts import ACCOUNTS
from conformance.adapters.reference.seed import SAMPLE_PATIENTS
from conformance.report_sign import DEMO_P12_PASSWORD
from conformance.resources import data_path
from conformance.trust import TrustStore
from conformance.verify_bundle import verify_bundle
from conftest import DATE, run_hsba

PASSWORDS = {spec.env_var: f"Report-{spec.key}-pw-51d0e2" for spec in ACCOUNTS}
TRUST = data_path("fixtures", "pki", "trust")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    work = tmp_path_factory.mktemp("report-demo")
    proc = run_hsba(["demo", "--out", "out", "--date", DATE], cwd=work, env=PASSWORDS)
    return work / "out", proc


def test_demo_writes_a_signed_bundle_that_verifies(demo: tuple[Path, Any]) -> None:
    out, proc = demo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("report.html", "report.pdf", "bundle.zip", "manifest.json", "manifest.json.p7s"):
        assert (out / name).is_file(), name
    assert "bundle.zip" in proc.stdout and "NOT signed" not in proc.stdout
    with zipfile.ZipFile(out / "bundle.zip") as zf:
        names = set(zf.namelist())
    assert {"results.json", "report.html", "report.pdf", "junit.xml"} <= names
    assert any(n.startswith("evidence/objects/") for n in names) and any(n.startswith("allure-results/") for n in names)
    assert not any(n.startswith(("reference-emr/", "pki/")) or n == "target.toml" for n in names)
    verified = run_hsba(["verify", str(out / "bundle.zip"), "--trust", str(TRUST)], cwd=out.parent)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_no_secret_and_no_patient_identifier_in_the_report_set(demo: tuple[Path, Any]) -> None:
    out, proc = demo
    with zipfile.ZipFile(out / "bundle.zip") as zf:
        everything = b"\n".join(zf.read(n) for n in zf.namelist())
    everything += (proc.stdout + proc.stderr).encode()
    for secret in (*PASSWORDS.values(), DEMO_P12_PASSWORD):
        assert secret.encode() not in everything, secret
    shown = (out / "report.html").read_text(encoding="utf-8")
    for national_id, name, *_ in SAMPLE_PATIENTS:
        assert national_id not in shown and name not in shown


def test_changing_any_top_level_file_or_a_sample_of_evidence_fails(demo: tuple[Path, Any], tmp_path: Path) -> None:
    bundle = demo[0] / "bundle.zip"
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
    top = [n for n in names if "/" not in n]
    nested = sorted(n for n in names if "/" in n)
    trust = TrustStore.load(TRUST)
    for member in top + nested[:: max(1, len(nested) // 12)]:
        tampered = tmp_path / "t.zip"
        with zipfile.ZipFile(bundle) as zin, zipfile.ZipFile(tampered, "w", zipfile.ZIP_STORED) as zout:
            for info in zin.infolist():
                data = bytearray(zin.read(info))
                if info.filename == member:
                    data[len(data) // 2] ^= 0x20
                zout.writestr(info.filename, bytes(data))
        assert not verify_bundle(tampered, trust).ok, member


@pytest.mark.skipif(Path(conformance.__file__).resolve().parent == Path(__file__).resolve().parents[1] / "conformance",
                    reason="an editable install maps the checkout; tox tests the wheel")
def test_wheel_ships_templates_fonts_and_the_demo_certificate() -> None:
    names = {str(f) for f in distribution("hsba-conformance").files or []}
    for expected in ("conformance/_reports/report.html.j2", "conformance/_reports/report.css",
                     "conformance/_reports/fonts/DejaVuSans.ttf", "conformance/_reports/fonts/LICENSE-DejaVu.txt",
                     "conformance/_fixtures/pki/facility.p12"):
        assert expected in names, expected
