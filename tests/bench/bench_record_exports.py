"""Benchmark of the reference EMR's exports and the CV 365 validator: prints figures and ratios.

    python tests/bench/bench_record_exports.py [--rounds N]

- producing the signed BHYT submission of a sample episode (tables, base64, two XML signatures) in process;
- the CV 365 record export: producing it (XML, JSON) and validating it (XML, JSON), per file;
- the validator against the bare baseline "parse and check with the JSON Schema only" (the cost of the rest).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from jsonschema import Draft202012Validator

from conformance.adapters.reference import bhyt_tables, claims, db, export_bhyt, export_cv365, records, seed
from conformance.adapters.reference.accounts import ACCOUNTS
from conformance.adapters.reference.claims_seed import SAMPLE_EXPORT_ENCOUNTERS
from conformance.adapters.reference.faults import FaultSet
from conformance.cv365 import shape, validate_record_export


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def episode(conn: sqlite3.Connection, encounter_id: str) -> bhyt_tables.Episode:
    encounter = records.get_encounter(conn, encounter_id)
    assert encounter is not None
    patient = records.get_patient(conn, encounter["patient_id"])
    assert patient is not None
    return bhyt_tables.Episode(patient, encounter, records.entries_of(conn, encounter_id),
                               claims.get_episode(conn, encounter_id) or {})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "emr.sqlite"
        db.initialise(path)
        conn = db.connect(path)
        seed.seed(conn, {a.key: "bench-password-123" for a in ACCOUNTS})
        ep = episode(conn, SAMPLE_EXPORT_ENCOUNTERS[0])
        none = FaultSet()
        now = datetime.now(UTC)
        claim_ms = median_ms(lambda: export_bhyt.submission(ep, none, now), rounds)
        unsigned_ms = median_ms(lambda: export_bhyt.submission(ep, FaultSet(["claim-unsigned",
                                                                              "claim-paper-unsigned"]), now), rounds)
        xml, js = export_cv365.export(ep, "xml", none), export_cv365.export(ep, "json", none)
        produce_ms = median_ms(lambda: export_cv365.export(ep, "json", none), rounds)
        xml_ms = median_ms(lambda: validate_record_export(xml, name="x"), rounds)
        json_ms = median_ms(lambda: validate_record_export(js, name="j"), rounds)
        bare = Draft202012Validator(shape().schema)
        bare_ms = median_ms(lambda: list(bare.iter_errors(json.loads(js))), rounds)
        conn.close()
    size = len(export_bhyt.submission(ep, none, now))
    print(f"BHYT submission, sample episode ({size} bytes): {claim_ms:8.2f} ms signed | {unsigned_ms:8.2f} ms "
          f"unsigned | signing share {(claim_ms - unsigned_ms) / claim_ms:5.1%}")
    print(f"CV 365 export produced (JSON, {len(js)} bytes):  {produce_ms:8.2f} ms")
    print(f"CV 365 validated, XML ({len(xml)} bytes):        {xml_ms:8.2f} ms  ({1000 / xml_ms:7.0f} files/s)")
    print(f"CV 365 validated, JSON:                          {json_ms:8.2f} ms  ({1000 / json_ms:7.0f} files/s)")
    print(f"bare JSON Schema check (baseline):               {bare_ms:8.2f} ms  → validator/baseline "
          f"{json_ms / bare_ms:4.1f}×")


if __name__ == "__main__":
    main()
