"""The council's attestation: a good file is hashed and merged; every bad one is a clear error, never a pass."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from conformance.attestation import AttestationError, AttestationSet, load_attestation
from conformance.criteria_loader import load_catalogue
from conformance.evidence import EvidenceStore
from conformance.judge import check_criterion
from conformance.resources import data_path
from conformance.verdicts import Verdict
from fake_emr import FakeAdapter

CATALOGUE = load_catalogue()
PROFILE = CATALOGUE.profiles["tt13-2025"]
ON = date(2026, 1, 15)
EVIDENCE = "Biên bản diễn tập phục hồi / restore drill minutes\n"


def write(tmp_path: Path, entries: str, *, profile: str = "tt13-2025", council: bool = True) -> Path:
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "docs" / "drill.pdf").write_text(EVIDENCE, encoding="utf-8")
    members = '\n  - {name: "Nguyễn Văn A", role: "Chủ tịch / Chair"}' if council else " []"
    path = tmp_path / "attestation.yaml"
    path.write_text(f"profile: {profile}\ndate: 2026-01-10\ncouncil:{members}\nattestations:\n{entries}",
                    encoding="utf-8")
    return path


GOOD = "  - {id: HT-09, verdict: pass, by: Nguyễn Văn A, notes: đã xem, evidence: [docs/drill.pdf]}\n"


def load(path: Path) -> AttestationSet:
    return load_attestation(path, CATALOGUE, PROFILE)


def test_good_file_is_hashed_and_copied(tmp_path: Path) -> None:
    attestations = load(write(tmp_path, GOOD))
    entry = attestations.entries["HT-09"]
    digest = hashlib.sha256(EVIDENCE.encode()).hexdigest()
    assert entry.verdict is Verdict.PASS and entry.by == "Nguyễn Văn A" and entry.date == date(2026, 1, 10)
    assert [e.sha256 for e in entry.evidence] == [digest]
    store = EvidenceStore(tmp_path / "out")
    attestations.store(store)
    copy = tmp_path / "out" / entry.evidence[0].path
    assert copy.read_text(encoding="utf-8") == EVIDENCE and copy.name == f"{digest}.pdf"
    assert (tmp_path / "out" / attestations.path).is_file()
    own_digest = hashlib.sha256((tmp_path / "attestation.yaml").read_bytes()).hexdigest()
    assert attestations.summary_json()["sha256"] == own_digest


BAD = [
    ("  - {id: HT-09, verdict: pass, evidence: [docs/missing.pdf]}\n", "HT-09",
     "evidence file not found: docs/missing.pdf"),
    ("  - {id: HT-09, verdict: pass, evidence: [docs]}\n", "HT-09", "evidence file not found: docs"),
    ("  - {id: HT-99, verdict: pass, evidence: [docs/drill.pdf]}\n", "HT-99", "unknown criterion: HT-99"),
    ("  - {id: HT-09, verdict: ok, evidence: [docs/drill.pdf]}\n", "HT-09", "verdict 'ok' is not allowed"),
    ("  - {id: HT-09, verdict: Pass, evidence: [docs/drill.pdf]}\n", "HT-09", "verdict 'Pass' is not allowed"),
    ("  - {id: HT-09, verdict: [pass], evidence: [docs/drill.pdf]}\n", "HT-09", "is not allowed"),
    ("  - {id: HT-09, verdict: pass, evidence: docs/drill.pdf}\n", "HT-09", "evidence must be a list"),
    ("  - {id: HT-09, verdict: pass}\n", "HT-09", "a pass verdict needs at least one evidence file"),
    ("  - {id: QC-03, verdict: not-applicable}\n", "QC-03", "needs a reason"),
    ("  - {id: TV-01, verdict: pass, evidence: [docs/drill.pdf]}\n", "TV-01", "judged automatically"),
    ("  - {id: QC-80, verdict: pass, evidence: [docs/drill.pdf]}\n", "QC-80", "not part of profile tt13-2025"),
    (GOOD + GOOD, "HT-09", "attested twice"),
    ("  - {id: HT-09, verdict: pass, evidence: [docs/drill.pdf], signed: yes}\n", "HT-09", "unknown fields: signed"),
    ("  - {id: HT-09, verdict: pass, date: 10/01/2026, evidence: [docs/drill.pdf]}\n", "HT-09", "YYYY-MM-DD"),
]


@pytest.mark.parametrize(("entries", "ident", "expected"), BAD, ids=[b[2][:30] for b in BAD])
def test_bad_entry_is_an_error_naming_file_and_entry(tmp_path: Path, entries: str, ident: str, expected: str) -> None:
    path = write(tmp_path, entries)
    with pytest.raises(AttestationError) as info:
        load(path)
    text = str(info.value)
    assert str(path) in text and ident in text and expected in text, text


def test_file_for_another_profile_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AttestationError, match="written for profile 'tt46-2018'"):
        load(write(tmp_path, GOOD, profile="tt46-2018"))


def test_verdicts_without_a_council_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(AttestationError, match="no council member"):
        load(write(tmp_path, GOOD, council=False))


@pytest.mark.parametrize("content", [b"", b"- a list\n", b"profile: [unclosed\n", b"\xff\xfe not utf-8"])
def test_unreadable_or_malformed_file_is_an_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(content)
    with pytest.raises(AttestationError):
        load(path)
    with pytest.raises(AttestationError, match="does not exist"):
        load(tmp_path / "missing.yaml")


def test_blank_verdict_means_not_attested_yet(tmp_path: Path) -> None:
    attestations = load(write(tmp_path, "  - {id: HT-09, verdict: null, evidence: []}\n", council=False))
    assert attestations.entries == {}


def _judge(cid: str, tmp_path: Path, entries: str | None, faults: frozenset[str] = frozenset()) -> Verdict:
    attestation = load(write(tmp_path, entries)).entries.get(cid) if entries else None
    result = check_criterion(CATALOGUE.criteria[cid], FakeAdapter(faults), EvidenceStore(tmp_path / "out"), ON,
                             attestation=attestation)
    if attestation:
        assert result.attestation == attestation.to_json()
        assert all(e.path in result.evidence for e in attestation.evidence)
        assert "Hội đồng xác nhận" in result.message.vi and "Council attestation" in result.message.en
    return result.verdict


@pytest.mark.parametrize(("entries", "expected"), [
    (None, Verdict.MANUAL_PENDING),
    (GOOD, Verdict.PASS),
    ("  - {id: HT-09, verdict: fail, notes: chưa diễn tập}\n", Verdict.FAIL),
])
def test_manual_criterion_takes_the_councils_verdict(tmp_path: Path, entries: str | None, expected: Verdict) -> None:
    assert _judge("HT-09", tmp_path, entries) is expected


def test_recommended_manual_failure_is_a_warning(tmp_path: Path) -> None:
    assert _judge("HT-08", tmp_path, "  - {id: HT-08, verdict: fail}\n") is Verdict.WARN


def test_not_applicable_needs_and_keeps_its_reason(tmp_path: Path) -> None:
    entries = "  - {id: QC-03, verdict: not-applicable, reason: Cơ sở là bệnh viện}\n"
    assert _judge("QC-03", tmp_path, entries) is Verdict.NOT_APPLICABLE


MIXED_PASS = "  - {id: BV-01, verdict: pass, evidence: [docs/drill.pdf]}\n"


def test_mixed_failure_message_leads_with_what_decided(tmp_path: Path) -> None:
    attestation = load(write(tmp_path, MIXED_PASS)).entries["BV-01"]
    result = check_criterion(CATALOGUE.criteria["BV-01"], FakeAdapter(frozenset({"no_department_scope"})),
                             EvidenceStore(tmp_path / "out"), ON, attestation=attestation)
    assert result.verdict is Verdict.FAIL
    assert result.message.en.startswith("Probes:") and "Council attestation" in result.message.en


@pytest.mark.parametrize(("entries", "faults", "expected"), [
    (MIXED_PASS, frozenset(), Verdict.PASS),  # probes and council both pass
    (None, frozenset(), Verdict.MANUAL_PENDING),  # probes pass, the council has not attested
    ("  - {id: BV-01, verdict: fail}\n", frozenset(), Verdict.FAIL),  # the council's fail is enough
    (MIXED_PASS, frozenset({"no_department_scope"}), Verdict.FAIL),  # a failing probe wins over the council's pass
    ("  - {id: BV-01, verdict: not-applicable, reason: x}\n", frozenset({"no_department_scope"}), Verdict.FAIL),
])
def test_mixed_criterion_needs_probes_and_council(tmp_path: Path, entries: str | None, faults: frozenset[str],
                                                  expected: Verdict) -> None:
    assert _judge("BV-01", tmp_path, entries, faults) is expected


@pytest.mark.parametrize("profile_id", ["tt13-2025", "tt46-2018"])
def test_example_attestation_covers_every_manual_and_mixed_criterion(profile_id: str) -> None:
    """If this fails after adding criteria, run `python fixtures/attestation/generate.py`."""
    profile = CATALOGUE.profiles[profile_id]
    path = data_path("fixtures", "attestation", f"example-{profile_id}.yaml")
    attestations = load_attestation(path, CATALOGUE, profile)
    assert attestations.example is True
    assert "EXAMPLE" in path.read_text(encoding="utf-8") and "VÍ DỤ" in path.read_text(encoding="utf-8")
    wanted = {c.id for c in CATALOGUE.criteria.values() if profile.selects(c) and c.method != "automated"}
    assert set(attestations.entries) == wanted
    for attestation in attestations.entries.values():
        for attached in attestation.evidence:
            assert "vi-du" in attached.name  # example evidence files say so in their names
