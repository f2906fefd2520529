"""Loading the checklist: good files load; bad ones say which file, which entry and what is wrong."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from conformance.criteria_loader import CriteriaError, default_dir, load_catalogue
from conformance.selection import SelectionError, select

GOOD = """\
- id: TV-90
  title: {vi: "Sửa nội dung tạo phiên bản mới", en: "An edit creates a new version"}
  basis: [{text: "Luật Khám bệnh, chữa bệnh 15/2023/QH15", ref: "Điều 7 khoản 10"}]
  area: integrity
  level: mandatory
  method: automated
  applies: {from: 2024-01-01}
  probes: [{probe: integrity.edit_keeps_prior_version}]
  notes: {vi: "Ghi chú", en: "Notes"}
"""


def make_folder(tmp_path: Path, body: str, name: str = "integrity.yaml") -> Path:
    folder = tmp_path / "criteria"
    (folder / "profiles").mkdir(parents=True)
    source = default_dir()
    for fixed in ("schema.json", "profile.schema.json", "areas.yaml"):
        shutil.copy(source / fixed, folder / fixed)
    (folder / "profiles" / "p.yaml").write_text(
        "id: p\ntitle: {vi: Hồ sơ, en: Profile}\nbasis: [{text: Thông tư 13/2025/TT-BYT, ref: Điều 1}]\n"
        "in_force: {from: 2025-07-21}\nselect: {areas: [integrity]}\n", encoding="utf-8")
    (folder / name).write_text(body, encoding="utf-8")
    return folder


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(CriteriaError) as info:
        load_catalogue(folder)
    return [str(p) for p in info.value.problems]


def test_shipped_catalogue_loads() -> None:
    catalogue = load_catalogue()
    assert len(catalogue.criteria) >= 12
    assert {"integrity", "audit", "access"} <= set(catalogue.areas)
    assert "tt13-2025" in catalogue.profiles
    for criterion in catalogue.criteria.values():
        assert criterion.basis and criterion.title.vi and criterion.title.en


def test_good_file_loads(tmp_path: Path) -> None:
    catalogue = load_catalogue(make_folder(tmp_path, GOOD))
    criterion = catalogue.criteria["TV-90"]
    assert criterion.applies_from == date(2024, 1, 1)
    assert criterion.probes[0].probe == "integrity.edit_keeps_prior_version"


def test_error_names_file_entry_and_field(tmp_path: Path) -> None:
    bad = GOOD + GOOD.replace("TV-90", "TV-91").replace("level: mandatory", "level: sometimes")
    problems = problems_of(make_folder(tmp_path, bad))
    assert len(problems) == 1
    assert "integrity.yaml" in problems[0] and "entry 2 (TV-91)" in problems[0] and "level" in problems[0]


def test_missing_language_is_reported(tmp_path: Path) -> None:
    problems = problems_of(make_folder(tmp_path, GOOD.replace(', en: "An edit creates a new version"', "")))
    assert any("title" in p and "'en' is a required property" in p for p in problems)


def test_duplicate_id_is_reported(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, GOOD)
    (folder / "other.yaml").write_text(GOOD, encoding="utf-8")
    problems = problems_of(folder)
    assert any("other.yaml" in p and "TV-90" in p and "duplicates" in p for p in problems)


def test_invalid_yaml_and_impossible_date(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "- id: [unclosed\n")
    assert any("invalid YAML" in p and "integrity.yaml" in p for p in problems_of(folder))
    folder2 = make_folder(tmp_path / "x", GOOD.replace("2024-01-01", "2024-02-30"))
    assert any("not a real date" in p for p in problems_of(folder2))


def test_automated_criterion_needs_a_probe(tmp_path: Path) -> None:
    problems = problems_of(make_folder(tmp_path, GOOD.replace(
        "  probes: [{probe: integrity.edit_keeps_prior_version}]\n", "")))
    assert any("entry 1 (TV-90)" in p and "probes" in p for p in problems)


def test_profile_and_dates_select_criteria(tmp_path: Path) -> None:
    later = GOOD.replace("TV-90", "TV-92").replace("from: 2024-01-01", "from: 2027-01-01")
    catalogue = load_catalogue(make_folder(tmp_path, GOOD + later))
    now = select(catalogue, date(2026, 1, 1))
    assert [c.id for c in now.applied] == ["TV-90"]
    assert [c.id for c in now.not_in_force] == ["TV-92"]
    assert [c.id for c in select(catalogue, date(2027, 6, 1)).applied] == ["TV-90", "TV-92"]
    with pytest.raises(SelectionError) as info:  # between the repeal of TT 46 and the start of TT 13
        select(catalogue, date(2025, 7, 1))
    assert "2025-07-01" in info.value.message.en and "--profile" in info.value.message.en
    forced = select(catalogue, date(2025, 7, 1), profile_id="p")
    assert not forced.profile_in_force and forced.notice() is not None
    with pytest.raises(SelectionError):
        select(catalogue, date(2026, 1, 1), only=["XX-01"])
