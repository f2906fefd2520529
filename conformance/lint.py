"""`hsba criteria lint`: the checklist is well-formed and every part of it is backed by code."""

from __future__ import annotations

from pathlib import Path

from conformance.criteria_loader import CriteriaError, Problem, load_catalogue
from conformance.messages import Msg
from conformance.probe_api import registered_probes

_VIETNAMESE_MARKS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


def lint(folder: Path | None = None) -> list[Problem]:
    """Every problem in the criteria folder; an empty list means clean."""
    try:
        catalogue = load_catalogue(folder)
    except CriteriaError as exc:
        return exc.problems
    problems: list[Problem] = []
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
        for label, text in (("title", criterion.title), ("notes", criterion.notes)):
            if text.vi.strip() == text.en.strip():
                problems.append(Problem(criterion.source, where, Msg(
                    f"{label}: bản tiếng Việt và tiếng Anh giống hệt nhau", f"{label}: vi and en are identical")))
            elif not _VIETNAMESE_MARKS & set(text.vi.lower()):
                problems.append(Problem(criterion.source, where, Msg(
                    f"{label}.vi: không thấy dấu tiếng Việt", f"{label}.vi: no Vietnamese diacritics found")))
    for name in sorted(set(probes) - used):
        problems.append(Problem("(probes)", name, Msg(
            "phép thử không được tiêu chí nào dùng", "the probe is not used by any criterion")))
    for profile in catalogue.profiles.values():
        if not any(profile.selects(c) for c in catalogue.criteria.values()):
            problems.append(Problem(f"profiles/{profile.id}.yaml", None, Msg(
                "hồ sơ không chọn tiêu chí nào", "the profile selects no criterion")))
    return problems
