"""Profiles: the appraisal date picks the profile and, within it, the texts in force."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conformance.criteria_loader import default_dir, load_catalogue
from conformance.lint import lint
from conformance.selection import SelectionError, select

CATALOGUE = load_catalogue()


def _ids(on: str, profile: str | None = None) -> tuple[str, set[str], set[str]]:
    selection = select(CATALOGUE, date.fromisoformat(on), profile_id=profile)
    return (selection.profile.id, {c.id for c in selection.applied}, {c.id for c in selection.not_in_force})


def test_historical_profile_before_the_2023_law() -> None:
    profile, applied, _ = _ids("2022-05-01")
    assert profile == "tt46-2018"
    assert {"TV-80", "NK-80", "PQ-80", "QC-80", "AT-50"} <= applied
    assert "TV-01" not in applied  # the 2023 Law on Medical Examination was not yet in force
    assert not applied & {"QC-01", "HT-09", "BV-51"}  # criteria of TT 13 only never belong to TT 46


def test_historical_profile_picks_the_2023_law_once_in_force() -> None:
    profile, applied, not_in_force = _ids("2025-01-15")
    assert profile == "tt46-2018"
    assert {"TV-80", "TV-01", "BV-01", "BV-50"} <= applied
    assert "TV-01" not in not_in_force


def test_gap_between_the_circulars_needs_a_forced_profile() -> None:
    with pytest.raises(SelectionError) as info:
        select(CATALOGUE, date(2025, 6, 20))
    assert "2025-06-06" in info.value.message.en and "--profile" in info.value.message.en
    selection = select(CATALOGUE, date(2025, 6, 20), profile_id="tt13-2025")
    assert not selection.profile_in_force and selection.notice() is not None


def test_current_profile_dates_each_text() -> None:
    profile, applied, not_in_force = _ids("2026-01-15")
    assert profile == "tt13-2025"
    assert not {c for c in applied | not_in_force if c.endswith(("-80", "-81"))}  # no TT 46 item
    assert {"BV-51", "BV-54", "AT-50"} <= applied and {"BV-50", "BV-53"} <= not_in_force
    assert {"AT-51", "AT-53"} <= not_in_force  # the 2026 security texts start on 2026-07-01
    _, later, gone = _ids("2026-08-01")
    assert {"AT-51", "AT-53"} <= later and "AT-50" in gone


def test_superseded_texts_are_noted_on_the_criteria() -> None:
    for criterion in CATALOGUE.criteria.values():
        if criterion.applies_to is not None:
            assert any(b.note for b in criterion.basis), criterion.id
    tt46 = CATALOGUE.profiles["tt46-2018"]
    assert tt46.in_force_from == date(2019, 3, 1) and tt46.in_force_to == date(2025, 6, 5)


def test_catalogue_size_and_coverage_mix() -> None:
    methods = [c.method for c in CATALOGUE.criteria.values()]
    assert len(methods) >= 75
    for area in CATALOGUE.areas:
        assert any(c.area == area for c in CATALOGUE.criteria.values()), area


def _broken(tmp_path: Path, old: str, new: str, name: str = "systems.yaml") -> list[str]:
    import shutil

    folder = tmp_path / "criteria"
    shutil.copytree(default_dir(), folder)
    text = (folder / name).read_text(encoding="utf-8")
    assert old in text
    (folder / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(p) for p in lint(folder)]


def test_lint_wants_a_citation_a_superseded_note_and_no_duplicate_key(tmp_path: Path) -> None:
    problems = _broken(tmp_path / "a", 'ref: "Mục III.1.2"}', 'ref: "toàn văn"}')
    assert any("HT-09" in p and "must cite an article" in p for p in problems), problems
    problems = _broken(tmp_path / "b", "  applies: {from: 2025-07-21}\n  evidence_required:\n    vi: Biên bản diễn tập",
                       "  applies: {from: 2025-07-21, to: 2026-01-01}\n  evidence_required:\n    vi: Biên bản diễn tập")
    assert any("superseded text" in p for p in problems), problems
    problems = _broken(tmp_path / "c", "  level: recommended\n", "  level: recommended\n  level: mandatory\n")
    assert any("written twice" in p for p in problems), problems
    problems = _broken(tmp_path / "d", "  method: manual\n  applies: {from: 2025-07-21}\n  evidence_required:\n"
                       "    vi: Biên bản diễn tập", "  method: manual\n  applies: {from: 2025-07-21}\n  x_evidence:\n"
                       "    vi: Biên bản diễn tập")
    assert problems  # a manual criterion without evidence_required does not load or lint clean
