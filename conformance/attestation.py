"""The council's attestations: what it found on the criteria no probe can (fully) decide.

An attestation file (YAML) names the profile it was written for, the council's members, its date, and
one entry per manual or mixed criterion: a verdict (``pass`` | ``fail`` | ``not-applicable`` with a
reason), who attested, notes and the evidence files attached. Loading it checks everything — an
unknown criterion, a verdict outside the vocabulary, a missing or unreadable evidence file, a file
written for another profile — and reports each problem with the file and the entry, never a silent
pass. Every evidence file is hashed (SHA-256) and copied into the run's evidence store, so the report
bundle carries it. ``hsba attest init`` writes a template (see :mod:`conformance.attestation_template`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from conformance.criteria_loader import Problem, SafeLoaderBase
from conformance.criteria_model import Catalogue, Profile
from conformance.evidence import EvidenceStore, object_path
from conformance.messages import Msg
from conformance.verdicts import Verdict

MAX_ATTESTATION_BYTES = 1024 * 1024
MAX_EVIDENCE_BYTES = 100 * 1024 * 1024
ATTESTED_VERDICTS = {"pass": Verdict.PASS, "fail": Verdict.FAIL, "not-applicable": Verdict.NOT_APPLICABLE}
TOP_KEYS = {"profile", "date", "council", "attestations", "example", "facility"}
ENTRY_KEYS = {"id", "verdict", "by", "date", "notes", "reason", "evidence"}
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


class AttestationError(Exception):
    """The attestation file cannot be used; ``problems`` names the file, the entry and what is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class AttachedFile:
    name: str  # as the council wrote it
    source: Path
    sha256: str
    path: str  # the copy's path inside the output folder

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "sha256": self.sha256, "name": self.name}


@dataclass(frozen=True)
class Attestation:
    criterion_id: str
    verdict: Verdict  # pass | fail | not-applicable
    date: date
    by: str | None = None
    notes: str = ""
    reason: str | None = None
    evidence: tuple[AttachedFile, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"verdict": self.verdict.value, "date": self.date.isoformat(), "notes": self.notes,
                                "evidence": [e.to_json() for e in self.evidence]}
        if self.by:
            data["by"] = self.by
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass
class AttestationSet:
    file: Path
    sha256: str
    path: str  # the copy of the attestation file inside the output folder
    profile: str
    date: date
    council: list[dict[str, Any]]
    example: bool
    entries: dict[str, Attestation] = field(default_factory=dict)

    def summary_json(self) -> dict[str, Any]:
        return {"file": self.path, "sha256": self.sha256, "date": self.date.isoformat(), "name": self.file.name}

    def store(self, store: EvidenceStore) -> None:
        """Copy the attestation file and every evidence file into the evidence store (idempotent)."""
        _put(store, self.file, self.path)
        for attestation in self.entries.values():
            for attached in attestation.evidence:
                _put(store, attached.source, attached.path)


def _put(store: EvidenceStore, source: Path, expected: str) -> None:
    content = source.read_bytes()
    rel = store.put(content, Path(expected).suffix)
    if rel != expected:  # the file changed between loading and copying
        raise AttestationError([Problem(str(source), None, Msg(
            "tệp đã thay đổi sau khi được kiểm tra (mã băm khác)",
            "the file changed after it was checked (hash differs)"))])


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if _SUFFIX.match(suffix) else ".bin"


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    """A free text the council wrote: a string, or ``{vi, en}`` joined."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict) and isinstance(value.get("vi"), str) and isinstance(value.get("en"), str):
        return f"{value['vi'].strip()} / {value['en'].strip()}"
    return None


class _Checker:
    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[Problem] = []

    def add(self, entry: str | None, vi: str, en: str) -> None:
        self.problems.append(Problem(self.label, entry, Msg(vi, en)))


def _read(path: Path, check: _Checker) -> Any:
    try:
        if not path.is_file():
            check.add(None, "không tìm thấy tệp xác nhận", "the attestation file does not exist")
            return None
        if path.stat().st_size > MAX_ATTESTATION_BYTES:
            check.add(None, f"tệp lớn hơn {MAX_ATTESTATION_BYTES} byte", f"larger than {MAX_ATTESTATION_BYTES} bytes")
            return None
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoaderBase)
    except UnicodeDecodeError as exc:
        check.add(None, f"không phải UTF-8: {exc}", f"not UTF-8: {exc}")
    except yaml.YAMLError as exc:
        check.add(None, f"YAML không hợp lệ: {exc}", f"invalid YAML: {exc}")
    except OSError as exc:
        check.add(None, f"không đọc được: {exc}", f"cannot read: {exc}")
    return None


def _council(raw: Any, check: _Checker) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add("council", "phải là danh sách {name, role}", "must be a list of {name, role}")
        return []
    members = []
    for i, member in enumerate(raw):
        name = member.get("name") if isinstance(member, dict) else None
        role = member.get("role") if isinstance(member, dict) else None
        role_ok = (isinstance(role, str) and role.strip()) or (
            isinstance(role, dict) and isinstance(role.get("vi"), str) and isinstance(role.get("en"), str))
        if not (isinstance(name, str) and name.strip() and role_ok) or set(member) - {"name", "role"}:
            check.add(f"council[{i + 1}]", "mỗi thành viên cần name và role (và chỉ hai trường đó)",
                      "each member needs a name and a role (and nothing else)")
            continue
        members.append({"name": name.strip(), "role": role})
    return members


def _evidence(raw: Any, base: Path, where: str, check: _Checker) -> tuple[AttachedFile, ...] | None:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(e, str) and e.strip() for e in raw):
        check.add(where, "evidence phải là danh sách đường dẫn tệp", "evidence must be a list of file paths")
        return None
    attached: list[AttachedFile] = []
    ok = True
    for name in raw:
        source = (base / name).resolve()
        try:
            if not source.is_file():
                check.add(where, f"không tìm thấy tệp bằng chứng: {name}", f"evidence file not found: {name}")
                ok = False
                continue
            if source.stat().st_size > MAX_EVIDENCE_BYTES:
                check.add(where, f"tệp bằng chứng lớn hơn {MAX_EVIDENCE_BYTES} byte: {name}",
                          f"evidence file larger than {MAX_EVIDENCE_BYTES} bytes: {name}")
                ok = False
                continue
            digest = _hash_file(source)
        except OSError as exc:
            check.add(where, f"không đọc được tệp bằng chứng {name}: {exc}", f"cannot read evidence file {name}: {exc}")
            ok = False
            continue
        attached.append(AttachedFile(name, source, digest, object_path(digest, _suffix(name))))
    return tuple(attached) if ok else None


def _entry(raw: Any, index: int, ctx: tuple[Catalogue, Profile, date, Path], seen: set[str],
           check: _Checker) -> Attestation | None:
    catalogue, profile, file_date, base = ctx
    ident = raw.get("id") if isinstance(raw, dict) else None
    where = f"attestations[{index + 1}]" + (f" ({ident})" if isinstance(ident, str) else "")
    if not isinstance(raw, dict) or not isinstance(ident, str):
        check.add(where, "mỗi mục cần trường id", "each entry needs an id")
        return None
    if extra := set(raw) - ENTRY_KEYS:
        check.add(where, f"trường không biết: {', '.join(sorted(map(str, extra)))}",
                  f"unknown fields: {', '.join(sorted(map(str, extra)))}")
    criterion = catalogue.criteria.get(ident)
    if criterion is None:
        check.add(where, f"tiêu chí không tồn tại: {ident}", f"unknown criterion: {ident}")
        return None
    if ident in seen:
        check.add(where, f"tiêu chí {ident} được xác nhận hai lần", f"criterion {ident} is attested twice")
        return None
    seen.add(ident)
    if not profile.selects(criterion):
        check.add(where, f"tiêu chí {ident} không thuộc hồ sơ {profile.id}",
                  f"criterion {ident} is not part of profile {profile.id}")
        return None
    if criterion.method == "automated":
        check.add(where, f"{ident} được chấm tự động; hội đồng không xác nhận thay phép thử",
                  f"{ident} is judged automatically; the council cannot attest it in place of its probes")
        return None
    raw_verdict = raw.get("verdict")
    if raw_verdict is None:  # left blank in the template: not attested yet
        return None
    if not isinstance(raw_verdict, str) or raw_verdict not in ATTESTED_VERDICTS:
        check.add(where, f"kết luận '{raw_verdict}' không hợp lệ (chỉ: pass, fail, not-applicable)",
                  f"verdict '{raw_verdict}' is not allowed (only: pass, fail, not-applicable)")
        return None
    verdict = ATTESTED_VERDICTS[raw_verdict]
    notes = _text(raw.get("notes")) if raw.get("notes") is not None else ""
    reason = _text(raw.get("reason")) if raw.get("reason") is not None else None
    by = raw.get("by")
    when = _as_date(raw["date"]) if raw.get("date") is not None else file_date
    problems_before = len(check.problems)
    if notes is None or (raw.get("reason") is not None and reason is None):
        check.add(where, "notes/reason phải là văn bản", "notes/reason must be text")
    if by is not None and not (isinstance(by, str) and by.strip()):
        check.add(where, "by phải là họ tên", "by must be a name")
    if when is None:
        check.add(where, "date phải có dạng YYYY-MM-DD", "date must be YYYY-MM-DD")
    if verdict is Verdict.NOT_APPLICABLE and not reason:
        check.add(where, "kết luận not-applicable cần lý do (reason)", "a not-applicable verdict needs a reason")
    evidence = _evidence(raw.get("evidence"), base, where, check)
    if verdict is Verdict.PASS and evidence == ():
        check.add(where, "kết luận pass cần ít nhất một tệp bằng chứng",
                  "a pass verdict needs at least one evidence file")
    if len(check.problems) > problems_before or evidence is None or when is None:
        return None
    return Attestation(ident, verdict, when, by.strip() if isinstance(by, str) else None, notes or "", reason, evidence)


def load_attestation(path: Path, catalogue: Catalogue, profile: Profile) -> AttestationSet:
    """Read and check an attestation file for ``profile``; raises :class:`AttestationError`."""
    path = Path(path)
    check = _Checker(str(path))
    doc = _read(path, check)
    if check.problems:
        raise AttestationError(check.problems)
    if not isinstance(doc, dict):
        check.add(None, "tệp xác nhận phải là một ánh xạ (profile, date, council, attestations)",
                  "an attestation file must be a mapping (profile, date, council, attestations)")
        raise AttestationError(check.problems)
    if extra := set(doc) - TOP_KEYS:
        check.add(None, f"trường không biết: {', '.join(sorted(map(str, extra)))}",
                  f"unknown fields: {', '.join(sorted(map(str, extra)))}")
    if doc.get("profile") != profile.id:
        check.add("profile", f"tệp viết cho hồ sơ '{doc.get('profile')}', lần thẩm định dùng '{profile.id}'",
                  f"the file is written for profile '{doc.get('profile')}', the appraisal uses '{profile.id}'")
    file_date = _as_date(doc.get("date"))
    if file_date is None:
        check.add("date", "thiếu ngày xác nhận hoặc sai dạng YYYY-MM-DD", "the date is missing or not YYYY-MM-DD")
    if not isinstance(doc.get("example", False), bool):
        check.add("example", "example phải là true hoặc false", "example must be true or false")
    council = _council(doc.get("council"), check)
    raw_entries = doc.get("attestations") or []
    if not isinstance(raw_entries, list):
        check.add("attestations", "phải là một danh sách", "must be a list")
        raw_entries = []
    entries: dict[str, Attestation] = {}
    seen: set[str] = set()
    ctx = (catalogue, profile, file_date or date.min, path.resolve().parent)
    for index, raw in enumerate(raw_entries):
        attestation = _entry(raw, index, ctx, seen, check)
        if attestation is not None:
            entries[attestation.criterion_id] = attestation
    if entries and not council:
        check.add("council", "có kết luận nhưng không có thành viên hội đồng nào",
                  "verdicts given but no council member")
    if check.problems:
        raise AttestationError(check.problems)
    assert file_date is not None
    digest = _hash_file(path)
    return AttestationSet(path.resolve(), digest, object_path(digest, ".yaml"), profile.id, file_date, council,
                          bool(doc.get("example", False)), entries)
