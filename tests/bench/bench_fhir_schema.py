"""Benchmark: HL7's FHIR R4 JSON schema — parse once, build validators, validate resources.

Run: python tests/bench/bench_fhir_schema.py   (prints figures and ratios; no assertions)
"""

from __future__ import annotations

import time

from conformance import fhir_schema

TYPES = ("Patient", "Encounter", "DocumentReference", "AuditEvent", "Bundle", "CapabilityStatement")
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1980-01-01",
           "identifier": [{"system": "http://fhir.ehealth.gov.vn/core/sid/national_id", "value": "001180123456"}],
           "name": [{"text": "Nguyễn Thị A"}]}
BUNDLE = {"resourceType": "Bundle", "type": "searchset",
          "entry": [{"fullUrl": f"https://x/fhir/Patient/p{i}", "resource": {**PATIENT, "id": f"p{i}"}}
                    for i in range(100)]}


def main() -> None:
    t0 = time.perf_counter()
    fhir_schema._schema()
    t1 = time.perf_counter()
    for t in TYPES:
        fhir_schema.validator_for(t)
    first = time.perf_counter()
    fhir_schema.validate_resource(PATIENT)  # references resolve lazily: the first validation pays for them
    t2 = time.perf_counter()
    n = 2000
    for _ in range(n):
        fhir_schema.validate_resource(PATIENT)
    t3 = time.perf_counter()
    for _ in range(20):
        fhir_schema.validate_resource(BUNDLE)
    t4 = time.perf_counter()
    per_patient = (t3 - t2) / n * 1000
    per_bundle = (t4 - t3) / 20 * 1000
    print(f"parse fhir.schema.json (3.3 MB, once): {1000 * (t1 - t0):.1f} ms")
    print(f"build {len(TYPES)} validators (once each): {1000 * (first - t1):.1f} ms")
    print(f"first Patient validation (resolves references): {1000 * (t2 - first):.1f} ms")
    print(f"validate one Patient: {per_patient:.3f} ms  ({n} runs)")
    print(f"validate a 100-Patient Bundle: {per_bundle:.2f} ms  (ratio to 100 single Patients: "
          f"{per_bundle / (100 * per_patient):.2f})")
    print(f"one-off cost / one Patient validation: {(t2 - t0) * 1000 / per_patient:.0f}x")


if __name__ == "__main__":
    main()
