"""`hsba attest init` writes a template that loads back; `hsba appraise --attestation` refuses a bad file (exit 2)."""

from __future__ import annotations

import socket
from pathlib import Path

from conformance.attestation import load_attestation
from conformance.criteria_loader import load_catalogue
from conftest import DATE, run_hsba

CATALOGUE = load_catalogue()


def _wanted(profile_id: str) -> set[str]:
    profile = CATALOGUE.profiles[profile_id]
    return {c.id for c in CATALOGUE.criteria.values() if profile.selects(c) and c.method != "automated"}


def test_init_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "council" / "attestation.yaml"
    proc = run_hsba(["attest", "init", "--profile", "tt13-2025", "--out", str(out)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    listed = {line.split("id: ", 1)[1] for line in text.splitlines() if line.startswith("  - id: ")}
    assert listed == _wanted("tt13-2025")
    assert "Bằng chứng cần đính kèm" in text and "Evidence to attach" in text
    profile = CATALOGUE.profiles["tt13-2025"]
    assert load_attestation(out, CATALOGUE, profile).entries == {}  # as written: nothing attested yet
    # the council fills one entry in, with a file beside the template
    (out.parent / "drill.pdf").write_bytes(b"%PDF-1.7 example")
    filled = text.replace("council: []", 'council:\n  - {name: "Nguyễn Văn A", role: "Chủ tịch / Chair"}').replace(
        "  - id: HT-09\n    verdict:\n    by:\n    notes: \"\"\n    evidence: []",
        "  - id: HT-09\n    verdict: pass\n    by: Nguyễn Văn A\n    notes: \"đã diễn tập\"\n    evidence: [drill.pdf]")
    out.write_text(filled, encoding="utf-8")
    entries = load_attestation(out, CATALOGUE, profile).entries
    assert set(entries) == {"HT-09"} and entries["HT-09"].evidence[0].name == "drill.pdf"


def test_init_historical_profile_and_unknown_profile(tmp_path: Path) -> None:
    out = tmp_path / "tt46.yaml"
    assert run_hsba(["attest", "init", "--profile", "tt46-2018", "--out", str(out)], cwd=tmp_path).returncode == 0
    assert "profile: tt46-2018" in out.read_text(encoding="utf-8")
    assert "  - id: QC-80" in out.read_text(encoding="utf-8") and "  - id: QC-01\n" not in out.read_text("utf-8")
    proc = run_hsba(["attest", "init", "--profile", "no-such", "--out", str(out)], cwd=tmp_path)
    assert proc.returncode == 2 and "tt13-2025" in proc.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_appraise_refuses_a_bad_attestation_before_running(tmp_path: Path) -> None:
    target = tmp_path / "target.toml"
    target.write_text(f'[target]\nname = "x"\nadapter = "reference"\nbase_url = "https://127.0.0.1:{_closed_port()}"\n',
                      encoding="utf-8")
    bad = tmp_path / "att.yaml"
    bad.write_text('profile: tt13-2025\ndate: 2026-01-10\ncouncil: [{name: "A", role: "Chair"}]\n'
                   "attestations:\n  - {id: HT-09, verdict: pass, evidence: [nowhere.pdf]}\n"
                   "  - {id: ZZ-01, verdict: pass, evidence: [nowhere.pdf]}\n", encoding="utf-8")
    args = ["appraise", "--target", str(target), "--out", str(tmp_path / "out"), "--date", DATE, "--attestation"]
    proc = run_hsba([*args, str(bad)], cwd=tmp_path)
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "HT-09" in proc.stderr and "nowhere.pdf" in proc.stderr
    assert "unknown criterion: ZZ-01" in proc.stderr
    assert not (tmp_path / "out" / "results.json").exists()
    proc = run_hsba([*args, str(tmp_path / "missing.yaml")], cwd=tmp_path)
    assert proc.returncode == 2 and "does not exist" in proc.stderr
