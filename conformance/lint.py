"""`hsba criteria lint`: the checklist is well-formed and every part of it is backed by code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from conformance.criteria_loader import CriteriaError, Problem, SafeLoaderBase, default_dir, load_catalogue
from conformance.messages import Msg
from conformance.probe_api import registered_probes

# A basis must point into its text: an article, clause, point, section, chapter, annex, form, table or (for a
# standard) a named requirement.
_CITATION = re.compile(
    r"\b(Điều|khoản|điểm|Mục|Chương|Phụ lục|Phần|Mẫu|Bảng|yêu cầu|Đ\s?\d+|"
    r"Bang|STT|dòng|Article|Clause|Point|Section|Chapter|Annex|Appendix|Part|Form|Table|Sheet|Row|Requirement)\b",
    re.IGNORECASE)
_VIETNAMESE_MARKS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


class _StrictLoader(SafeLoaderBase):  # type: ignore[valid-type,misc]
    """Safe YAML that refuses a key written twice in one mapping (YAML would silently keep the last one)."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _duplicate_keys(folder: Path) -> list[Problem]:
    problems = []
    for path in sorted([*folder.glob("*.yaml"), *(folder / "profiles").glob("*.yaml")]):
        try:
            yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
        except yaml.constructor.ConstructorError as exc:
            problems.append(Problem(str(path.relative_to(folder)), None, Msg(
                f"khóa bị viết hai lần: {exc}", f"a key is written twice: {exc}")))
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            continue  # the loader reports these
    return problems


def _criterion_problems(criterion: Any) -> list[Problem]:
    where = criterion.id
    problems = []
    for basis in criterion.basis:
        if not _CITATION.search(basis.ref):
            problems.append(Problem(criterion.source, where, Msg(
                f"căn cứ '{basis.text}' phải nêu điều, khoản, mục, chương, phụ lục… (có: '{basis.ref}')",
                f"basis '{basis.text}' must cite an article, clause, section, chapter, annex… (got: '{basis.ref}')")))
    if criterion.applies_to is not None and not any(b.note for b in criterion.basis):
        problems.append(Problem(criterion.source, where, Msg(
            "tiêu chí có ngày hết áp dụng phải ghi chú văn bản đã bị thay thế (basis.note)",
            "a criterion with an end date must note the superseded text on its basis (basis.note)")))
    texts = [("title", criterion.title), ("notes", criterion.notes)]
    if criterion.evidence_required is not None:
        texts.append(("evidence_required", criterion.evidence_required))
    for label, text in texts:
        if text.vi.strip() == text.en.strip():
            problems.append(Problem(criterion.source, where, Msg(
                f"{label}: bản tiếng Việt và tiếng Anh giống hệt nhau", f"{label}: vi and en are identical")))
        elif not _VIETNAMESE_MARKS & set(text.vi.lower()):
            problems.append(Problem(criterion.source, where, Msg(
                f"{label}.vi: không thấy dấu tiếng Việt", f"{label}.vi: no Vietnamese diacritics found")))
    return problems


def lint(folder: Path | None = None) -> list[Problem]:
    """Every problem in the criteria folder; an empty list means clean."""
    try:
        catalogue = load_catalogue(folder)
    except CriteriaError as exc:
        return exc.problems
    problems: list[Problem] = _duplicate_keys(Path(folder) if folder else default_dir())
    probes = registered_probes()
    used: set[str] = set()
    for criterion in catalogue.ordered():
        where = criterion.id
        for ref in criterion.probes:
            used.add(ref.probe)
            if ref.probe not in probes:
                problems.append(Problem(criterion.source, where, Msg(
                    f"phép thử '{ref.probe}' không tồn tại", f"probe '{ref.probe}' does not exist")))
        if criterion.method == "manual" and criterion.probes:
            problems.append(Problem(criterion.source, where, Msg(
                "tiêu chí thủ công không được có phép thử tự động; dùng method: mixed",
                "a manual criterion must not list probes; use method: mixed")))
        if criterion.method in ("manual", "mixed") and criterion.evidence_required is None:
            problems.append(Problem(criterion.source, where, Msg(
                "tiêu chí thủ công/kết hợp phải nêu bằng chứng hội đồng cần đính kèm (evidence_required)",
                "a manual or mixed criterion must say what evidence the council attaches (evidence_required)")))
        area = catalogue.areas.get(criterion.area)
        if area and not criterion.id.startswith(area.prefix + "-"):
            problems.append(Problem(criterion.source, where, Msg(
                f"mã phải bắt đầu bằng '{area.prefix}-' (khu vực {area.id})",
                f"the id must start with '{area.prefix}-' (area {area.id})")))
        problems += _criterion_problems(criterion)
    for name in sorted(set(probes) - used):
        problems.append(Problem("(probes)", name, Msg(
            "phép thử không được tiêu chí nào dùng", "the probe is not used by any criterion")))
    for profile in catalogue.profiles.values():
        if not any(profile.selects(c) for c in catalogue.criteria.values()):
            problems.append(Problem(f"profiles/{profile.id}.yaml", None, Msg(
                "hồ sơ không chọn tiêu chí nào", "the profile selects no criterion")))
    return problems
