"""Load the checklist from a criteria folder: YAML files checked against ``schema.json``.

A problem is reported with the file, the entry (index and id) and what is wrong, in both languages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource

from conformance.criteria_model import Area, Basis, Catalogue, Criterion, ProbeRef, Profile
from conformance.messages import Msg
from conformance.resources import data_path

MAX_FILE_BYTES = 2 * 1024 * 1024
SPECIAL_FILES = {"areas.yaml"}


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str | None  # "entry 3 (NK-03)", or None for the file as a whole
    message: Msg

    def __str__(self) -> str:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        return f"{where}: {self.message.en} / {self.message.vi}"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "entry": self.entry, "message": self.message.to_json()}


class CriteriaError(Exception):
    """The criteria folder cannot be loaded; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def default_dir() -> Path:
    return data_path("criteria")


# libyaml's parser when PyYAML has it (about ten times faster on a large catalogue), the same safe constructor.
SafeLoaderBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(SafeLoaderBase):  # type: ignore[valid-type,misc]
    """Safe YAML that keeps dates as the text written, so the schema and our messages judge them."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _jsonable(value: Any) -> Any:
    """YAML gives dates as date objects; the schema speaks JSON, where they are ISO strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _read_yaml(path: Path, label: str, problems: list[Problem]) -> Any:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(Problem(label, None, Msg(f"tệp lớn hơn {MAX_FILE_BYTES} byte",
                                                     f"file larger than {MAX_FILE_BYTES} bytes")))
            return None
        return _jsonable(yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader))
    except UnicodeDecodeError as exc:
        problems.append(Problem(label, None, Msg(f"không phải UTF-8: {exc}", f"not UTF-8: {exc}")))
    except yaml.YAMLError as exc:
        problems.append(Problem(label, None, Msg(f"YAML không hợp lệ: {exc}", f"invalid YAML: {exc}")))
    except OSError as exc:
        problems.append(Problem(label, None, Msg(f"không đọc được: {exc}", f"cannot read: {exc}")))
    return None


def _validators(folder: Path) -> tuple[jsonschema.Draft202012Validator, jsonschema.Draft202012Validator]:
    criteria_schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    profile_schema = json.loads((folder / "profile.schema.json").read_text(encoding="utf-8"))
    registry: Registry = Registry().with_resources(
        [(s["$id"], Resource.from_contents(s)) for s in (criteria_schema, profile_schema)])
    return (jsonschema.Draft202012Validator(criteria_schema, registry=registry),
            jsonschema.Draft202012Validator(profile_schema, registry=registry))


def _schema_messages(validator: jsonschema.Draft202012Validator, doc: Any) -> Iterator[tuple[list[Any], str]]:
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        yield list(error.absolute_path), error.message


def _entry_label(index: int, entry: Any) -> str:
    ident = entry.get("id") if isinstance(entry, dict) else None
    return f"entry {index + 1}" + (f" ({ident})" if isinstance(ident, str) else "")


def _field_path(path: list[Any]) -> str:
    return ".".join(str(p) for p in path) or "(entry)"


def _build_criterion(entry: dict[str, Any], source: str) -> Criterion:
    applies = entry["applies"]
    return Criterion(
        id=entry["id"], title=Msg.from_json(entry["title"]),
        basis=tuple(Basis(b["text"], b["ref"], b.get("note")) for b in entry["basis"]),
        area=entry["area"], level=entry["level"], method=entry["method"],
        applies_from=date.fromisoformat(applies["from"]),
        applies_to=date.fromisoformat(applies["to"]) if applies.get("to") else None,
        probes=tuple(ProbeRef(p["probe"], dict(p.get("with") or {})) for p in entry.get("probes") or ()),
        notes=Msg.from_json(entry["notes"]),
        evidence_required=Msg.from_json(entry["evidence_required"]) if entry.get("evidence_required") else None,
        source=source,
        parameters=dict(entry.get("parameters") or {}),
    )


def _build_profile(doc: dict[str, Any]) -> Profile:
    select = doc.get("select") or {}
    return Profile(
        id=doc["id"], title=Msg.from_json(doc["title"]),
        basis=tuple(Basis(b["text"], b["ref"], b.get("note")) for b in doc["basis"]),
        in_force_from=date.fromisoformat(doc["in_force"]["from"]),
        in_force_to=date.fromisoformat(doc["in_force"]["to"]) if doc["in_force"].get("to") else None,
        areas=tuple(select["areas"]) if "areas" in select else None,
        ids=tuple(select["ids"]) if "ids" in select else None,
        exclude=tuple(select.get("exclude") or ()),
        notes=Msg.from_json(doc["notes"]) if doc.get("notes") else None,
    )


def _invalid_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return True
    return False


def load_catalogue(folder: Path | None = None) -> Catalogue:
    """Load and check every criteria file, the areas and the profiles of ``folder``.

    Raises :class:`CriteriaError` listing every problem found (not only the first)."""
    folder = Path(folder) if folder else default_dir()
    problems: list[Problem] = []
    if not (folder / "schema.json").is_file():
        raise CriteriaError([Problem(str(folder), None, Msg("thiếu schema.json", "schema.json is missing"))])
    criteria_validator, profile_validator = _validators(folder)

    areas: dict[str, Area] = {}
    raw_areas = _read_yaml(folder / "areas.yaml", "areas.yaml", problems) if (folder / "areas.yaml").is_file() else {}
    if isinstance(raw_areas, dict):
        for area_id, spec in raw_areas.items():
            try:
                areas[area_id] = Area(area_id, Msg.from_json(spec["title"]), str(spec["prefix"]))
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(Problem("areas.yaml", area_id, Msg(f"khu vực không hợp lệ: {exc}",
                                                                   f"invalid area: {exc}")))
    else:
        problems.append(Problem("areas.yaml", None, Msg("phải là một ánh xạ", "must be a mapping")))

    criteria: dict[str, Criterion] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in SPECIAL_FILES:
            continue
        label = path.name
        before = len(problems)
        doc = _read_yaml(path, label, problems)
        if len(problems) > before:
            continue
        doc = [] if doc is None else doc
        if not isinstance(doc, list):
            problems.append(Problem(label, None, Msg("tệp tiêu chí phải là một danh sách",
                                                     "a criteria file must be a list")))
            continue
        for index, entry in enumerate(doc):
            where = _entry_label(index, entry)
            errors = list(_schema_messages(criteria_validator, [entry]))
            for path_parts, message in errors:
                problems.append(Problem(label, where, Msg(f"{_field_path(path_parts[1:])}: {message}",
                                                          f"{_field_path(path_parts[1:])}: {message}")))
            if errors:
                continue
            for key in ("from", "to"):
                if key in entry["applies"] and _invalid_date(entry["applies"][key]):
                    problems.append(Problem(label, where, Msg(f"applies.{key}: ngày không tồn tại",
                                                              f"applies.{key}: not a real date")))
                    errors.append(([], "date"))
            if errors:
                continue
            criterion = _build_criterion(entry, label)
            if criterion.id in criteria:
                problems.append(Problem(label, where, Msg(
                    f"mã {criterion.id} trùng với tiêu chí trong {criteria[criterion.id].source}",
                    f"id {criterion.id} duplicates the criterion in {criteria[criterion.id].source}")))
                continue
            if areas and criterion.area not in areas:
                problems.append(Problem(label, where, Msg(
                    f"khu vực '{criterion.area}' không có trong areas.yaml",
                    f"area '{criterion.area}' is not defined in areas.yaml")))
                continue
            if criterion.applies_to and criterion.applies_to < criterion.applies_from:
                problems.append(Problem(label, where, Msg("applies.to sớm hơn applies.from",
                                                          "applies.to is before applies.from")))
                continue
            criteria[criterion.id] = criterion

    profiles: dict[str, Profile] = {}
    for path in sorted((folder / "profiles").glob("*.yaml")):
        label = f"profiles/{path.name}"
        before = len(problems)
        doc = _read_yaml(path, label, problems)
        if len(problems) > before:
            continue
        errors = list(_schema_messages(profile_validator, doc))
        for path_parts, message in errors:
            problems.append(Problem(label, _field_path(path_parts), Msg(message, message)))
        if errors:
            continue
        profile = _build_profile(doc)
        for ref in (*(profile.ids or ()), *profile.exclude):
            if ref not in criteria:
                problems.append(Problem(label, None, Msg(f"tiêu chí không tồn tại: {ref}",
                                                         f"unknown criterion: {ref}")))
        for area in profile.areas or ():
            if area not in areas:
                problems.append(Problem(label, None, Msg(f"khu vực không tồn tại: {area}", f"unknown area: {area}")))
        profiles[profile.id] = profile

    if problems:
        raise CriteriaError(problems)
    return Catalogue(criteria=criteria, areas=areas, profiles=profiles)
