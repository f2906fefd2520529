"""FHIR R4 resources checked against HL7's official JSON schema (``fixtures/fhir/fhir.schema.json``).

Kiểm tra tài nguyên FHIR R4 theo lược đồ JSON chính thức của HL7.

Each resource is validated against its own definition (``#/definitions/<resourceType>``), not against the
schema's top-level ``oneOf`` (whose errors name every resource type and say nothing useful). The schema
(3.3 MB, 680 definitions) is parsed once per process and one validator is built per resource type.
Bad input never raises: the answer is a :class:`SchemaReport` whose problems are bilingual.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft6Validator
from referencing import Registry
from referencing.jsonschema import DRAFT6

from conformance.resources import data

SCHEMA_URI = "http://hl7.org/fhir/json-schema/4.0"
MAX_ERRORS = 10  # problems kept per resource
# The shipped schema is the R4 4.0.0 file, whose FHIRVersion enumeration stops at 4.0.0; R4's technical
# correction 4.0.1 is the same version for every structure, so that one value is accepted (see README).
TOLERATED_VERSIONS = frozenset({"4.0.1"})
_lock = threading.Lock()


@dataclass(frozen=True)
class SchemaProblem:
    path: str  # JSON path inside the resource, e.g. "$.name[0].given"
    vi: str
    en: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "message": {"vi": self.vi, "en": self.en}}


@dataclass(frozen=True)
class SchemaReport:
    resource_type: str | None
    resource_id: str | None
    valid: bool
    problems: tuple[SchemaProblem, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"resourceType": self.resource_type, "id": self.resource_id, "valid": self.valid,
                "problems": [p.to_json() for p in self.problems]}


@functools.cache
def _schema() -> dict[str, Any]:
    raw = data("fixtures", "fhir", "fhir.schema.json").read_bytes()
    schema: dict[str, Any] = json.loads(raw)
    return schema


@functools.cache
def _registry() -> Registry:
    return Registry().with_resource(SCHEMA_URI, DRAFT6.create_resource(_schema()))


def resource_types() -> frozenset[str]:
    """The resource types the schema defines (the members of its ``ResourceList``)."""
    refs = _schema()["definitions"]["ResourceList"]["oneOf"]
    return frozenset(r["$ref"].rsplit("/", 1)[-1] for r in refs)


@functools.cache
def _validator(resource_type: str) -> Draft6Validator:
    return Draft6Validator({"$ref": f"{SCHEMA_URI}#/definitions/{resource_type}"}, registry=_registry())


def validator_for(resource_type: str) -> Draft6Validator:
    with _lock:  # functools.cache is not a once-only guard across threads
        return _validator(resource_type)


def _path(parts: Any) -> str:
    text = "$"
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else f".{p}"
    return text


def _split(resource: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The resource without its nested resources (Bundle entries, contained), and those, by path.

    The schema types nested resources as ``ResourceList`` — a ``oneOf`` over every resource type — so a
    100-entry Bundle validated whole costs about 60 times 100 single validations, and its errors name
    every type. Each nested resource is validated on its own, against its own definition, instead."""
    nested: list[tuple[str, Any]] = []
    shell = dict(resource)
    if isinstance(resource.get("contained"), list):
        nested += [(f"$.contained[{i}]", r) for i, r in enumerate(resource["contained"])]
        del shell["contained"]
    if resource.get("resourceType") == "Bundle" and isinstance(resource.get("entry"), list):
        entries = []
        for i, entry in enumerate(resource["entry"]):
            if isinstance(entry, dict) and "resource" in entry:
                nested.append((f"$.entry[{i}].resource", entry["resource"]))
                entry = {k: v for k, v in entry.items() if k != "resource"}
            entries.append(entry)
        shell["entry"] = entries
    return shell, nested


def validate_resource(resource: Any, _depth: int = 0) -> SchemaReport:
    """Check one resource (a parsed JSON object) against the definition its ``resourceType`` names;
    nested resources (Bundle entries, contained) each against their own."""
    if _depth > 8:
        return SchemaReport(None, None, False, (SchemaProblem(
            "$", "tài nguyên lồng nhau quá sâu", "resources nested too deeply"),))
    if not isinstance(resource, dict):
        return SchemaReport(None, None, False, (SchemaProblem(
            "$", "tài nguyên FHIR phải là một đối tượng JSON", "a FHIR resource must be a JSON object"),))
    rtype = resource.get("resourceType")
    rid = resource.get("id") if isinstance(resource.get("id"), str) else None
    if not isinstance(rtype, str) or rtype not in resource_types():
        return SchemaReport(str(rtype) if rtype is not None else None, rid, False, (SchemaProblem(
            "$.resourceType", f"resourceType {rtype!r} không phải loại tài nguyên FHIR R4",
            f"resourceType {rtype!r} is not a FHIR R4 resource type"),))
    shell, nested = _split(resource)
    problems: list[SchemaProblem] = []
    try:
        for error in validator_for(rtype).iter_errors(shell):
            if error.validator == "enum" and error.instance in TOLERATED_VERSIONS and \
                    "4.0.0" in (error.validator_value or ()):
                continue
            message = error.message[:300]
            problems.append(SchemaProblem(_path(error.absolute_path), f"không đúng lược đồ FHIR R4: {message}",
                                          f"does not match the FHIR R4 schema: {message}"))
            if len(problems) >= MAX_ERRORS:
                break
    except (RecursionError, ValueError, TypeError) as exc:  # pathological input: a verdict, not a crash
        problems.append(SchemaProblem("$", f"không kiểm tra được: {exc}", f"could not be checked: {exc}"))
    for prefix, inner in nested:
        if len(problems) >= MAX_ERRORS:
            break
        report = validate_resource(inner, _depth + 1)
        problems += [SchemaProblem(prefix + p.path[1:], p.vi, p.en) for p in report.problems]
    return SchemaReport(rtype, rid, not problems, tuple(problems[:MAX_ERRORS]))
